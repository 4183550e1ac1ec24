import { z } from 'zod';
import { TOPICS } from '#libs/contracts';

/** The fault types of the chaos API (docs/resilience.md). */
export const FAULT_TYPES = [
  'latency',
  'error',
  'hang',
  'cpu',
  'memory',
  'pause-consumer',
  'produce-failure',
  'crash',
] as const;
export type FaultType = (typeof FAULT_TYPES)[number];

export const DEFAULT_FAULT_DURATION_MS = 60_000;
export const MAX_FAULT_DURATION_MS = 3_600_000;

/** A route target names a path, so it starts with a slash. */
const VALID_TARGET = /^(?:route:\/\S{0,199}|(?:topic|dependency):\S{1,200})$/;
export type TargetKind = 'route' | 'topic' | 'dependency';

const target = z.string().regex(VALID_TARGET, 'expected route:/<path>, topic:<name> or dependency:<name>').optional();
const durationMs = z.number().int().min(1).max(MAX_FAULT_DURATION_MS).optional();
const rate = z.number().min(0).max(1);

/** Which target kinds each type accepts; absent target (whole service) is always allowed. */
export const ALLOWED_TARGETS: Readonly<Record<FaultType, readonly TargetKind[]>> = {
  latency: ['route', 'dependency'],
  error: ['route', 'dependency'],
  hang: ['route', 'dependency'],
  cpu: [],
  memory: [],
  'pause-consumer': ['topic'],
  'produce-failure': ['topic'],
  crash: [],
};

const base = { target, durationMs };

export const faultSpecSchema = z
  .discriminatedUnion('type', [
    z
      .object({
        type: z.literal('latency'),
        ...base,
        ms: z.number().int().min(0).max(60_000),
        jitterMs: z.number().int().min(0).max(60_000).default(0),
        distribution: z.enum(['uniform', 'normal', 'exponential']).default('uniform'),
      })
      .strict(),
    z
      .object({
        type: z.literal('error'),
        ...base,
        rate: rate.default(1),
        status: z.number().int().min(400).max(599).default(503),
      })
      .strict(),
    z.object({ type: z.literal('hang'), ...base }).strict(),
    z.object({ type: z.literal('cpu'), ...base, percent: z.number().int().min(1).max(95) }).strict(),
    z.object({ type: z.literal('memory'), ...base, mb: z.number().int().min(1).max(2048) }).strict(),
    z.object({ type: z.literal('pause-consumer'), ...base }).strict(),
    z.object({ type: z.literal('produce-failure'), ...base, rate: rate.default(1) }).strict(),
    z.object({ type: z.literal('crash'), ...base }).strict(),
  ])
  .superRefine((spec, ctx) => {
    // Zod runs this even after the target's own regex failed; that issue already says what is wrong.
    if (!spec.target || !VALID_TARGET.test(spec.target)) return;
    const kind = spec.target.slice(0, spec.target.indexOf(':')) as TargetKind;
    const allowed = ALLOWED_TARGETS[spec.type];
    if (!allowed.includes(kind)) {
      ctx.addIssue({
        code: 'custom',
        path: ['target'],
        message: allowed.length
          ? `a ${spec.type} fault targets ${allowed.map((k) => `${k}:<…>`).join(' or ')}, or nothing (whole service)`
          : `a ${spec.type} fault applies to the whole service: leave target out`,
      });
      return;
    }
    const topics: readonly string[] = Object.values(TOPICS);
    if (kind === 'topic' && !topics.includes(spec.target.slice('topic:'.length))) {
      ctx.addIssue({ code: 'custom', path: ['target'], message: `unknown topic; one of ${topics.join(', ')}` });
    }
  });

export type FaultSpec = z.infer<typeof faultSpecSchema>;
/** A spec's own parameters: everything but type, target and duration. */
export type FaultParams = Record<string, string | number | boolean>;

export function paramsOf(spec: FaultSpec): FaultParams {
  const { type: _type, target: _target, durationMs: _durationMs, ...params } = spec;
  return params as FaultParams;
}
