import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { SCALABLE_SERVICE_NAMES, SERVICE_NAMES } from '#libs/contracts';
import { parseDuration } from '../../tools/common';
import { FLOWS } from '../../load-tests/src';
import { parseExpectation } from './expectation';
import { FIXTURES } from './fixtures';

/**
 * One chaos experiment, written as YAML in experiments/<name>/experiment.yaml (ADR 0070): a load,
 * a steady-state hypothesis, a method (steps on a timeline), what must deviate during it, how soon
 * it must recover, and numbers to measure. `short:` is merged over the rest for `--short` runs.
 */

/** Where the ledger counts acceptances (see `ledger.accepted`). */
export const LEDGER_ACCEPTED_FROM = ['gateway', 'messages-topic'] as const;

/** `30s`, `1m30s`, `1500ms` or a bare number of seconds → seconds. */
const duration = z.union([z.number().min(0), z.string()]).transform((value, ctx) => {
  if (typeof value === 'number') return value;
  try {
    return parseDuration(value).seconds;
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

/** `< 0.01`, `>= 1`, `== 0`, or `increases` (a counter went up). */
const expectation = z.string().superRefine((value, ctx) => {
  try {
    parseExpectation(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
  }
});

/** Series read straight from an app's /metrics (every instance), sampled twice a second: sub-second timing. */
const watchSchema = z
  .object({
    app: z.enum(SERVICE_NAMES),
    /** `name` or `name{label="value",other!="x"}`; matching series are summed (or maxed). */
    metric: z
      .string()
      .regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})?$/, 'a metric name with an optional {label="value"} selector'),
    aggregate: z.enum(['sum', 'max', 'min']).default('sum'),
    /**
     * A counter the app creates on its first increment (`jeeves_kafka_dead_letters_total{reason=…}`)
     * reads 0 while the app answers without it, instead of no data.
     */
    missingAsZero: z.boolean().optional(),
  })
  .strict();
export type WatchSpec = z.infer<typeof watchSchema>;

/** Consuming apps, each with its consumer group (CONSUMER_GROUPS, under the lab's prefix). */
export const CONSUMER_APPS = ['bot', 'worker', 'data-service'] as const;
/** Contract topics by short name (the lab's topic prefix is applied when used). */
export const PIPELINE_TOPICS = ['messages', 'actions', 'replies'] as const;

/** `messages-leader`: a step target naming the broker that leads the most partitions of a pipeline topic. */
export const LEADER_TARGET = /^(messages|actions|replies)-leader$/;

/**
 * A consumer group's lag read straight from the broker (kafkajs admin: partition end offset minus
 * the group's committed offset), so it means the same whichever transport the app runs, and is
 * there even when the app's own lag gauge is not (Nest's stock transport reports none).
 */
const lagSchema = z
  .object({
    group: z.enum(CONSUMER_APPS),
    topic: z.enum(PIPELINE_TOPICS),
    /** Only the partition this key goes to (murmur2, kafkajs' default partitioner, as every producer of the lab). */
    key: z.string().min(1).optional(),
    partition: z.number().int().min(0).optional(),
  })
  .strict()
  .refine((l) => l.key === undefined || l.partition === undefined, 'give key or partition, not both');
export type LagSpec = z.infer<typeof lagSchema>;

/** What a `cluster` source counts: partitions of the lab's contract topics (metadata), or a topic's records (offsets); sampled. */
export const CLUSTER_COUNTS = ['under-replicated', 'led-by-down-broker', 'records'] as const;
/** Topics a `cluster` source may narrow to: the pipeline's, and the dead-letter topic. */
export const CLUSTER_TOPICS = [...PIPELINE_TOPICS, 'dlq'] as const;

/**
 * A count from the cluster (one request per sample): `under-replicated`, partitions whose ISR is
 * smaller than their replicas; `led-by-down-broker`, partitions whose leader is a lab broker whose
 * process is dead (or no leader, −1): what stays above 0 between a SIGKILL and the controller
 * fencing that broker and electing new leaders; `records`, the records ever appended to `topic`
 * (its partitions' end offsets summed, ListOffsets): a counter the broker keeps, whichever app restarts.
 * `topic` narrows to one topic (required for `records`).
 */
const clusterSchema = z
  .object({
    count: z.enum(CLUSTER_COUNTS),
    topic: z.enum(CLUSTER_TOPICS).optional(),
  })
  .strict()
  .refine((c) => c.count !== 'records' || c.topic !== undefined, 'records counts one topic: give topic');
export type ClusterSpec = z.infer<typeof clusterSchema>;

/** Something measured, three ways: PromQL on the lab's Prometheus, a watched series, or an alert's state. */
const sourceFields = {
  /** PromQL returning one number (the first series' value; none = no data). */
  query: z.string().min(1).optional(),
  watch: watchSchema.optional(),
  /** 1 while Prometheus reports this alert firing (GET /api/v1/alerts), else 0. */
  alert: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
    .optional(),
  /** A consumer group's lag from the broker, sampled with the watched series. */
  lag: lagSchema.optional(),
  /** A count of partitions from the cluster's metadata (under-replicated, led by a dead broker), sampled with the watched series. */
  cluster: clusterSchema.optional(),
};
const oneSource = (p: {
  query?: string;
  watch?: WatchSpec;
  alert?: string;
  lag?: LagSpec;
  cluster?: ClusterSpec;
}): boolean => [p.query, p.watch, p.alert, p.lag, p.cluster].filter((s) => s !== undefined).length === 1;
const ONE_SOURCE = 'give exactly one of query, watch, alert, lag or cluster';

/** A series sampled through the run (a watched metric, a group's lag, a partition count), for peaks and increases over a window. */
const sampledSchema = z
  .object({ watch: watchSchema.optional(), lag: lagSchema.optional(), cluster: clusterSchema.optional() })
  .strict()
  .refine(
    (s) => [s.watch, s.lag, s.cluster].filter((x) => x !== undefined).length === 1,
    'give exactly one of watch, lag or cluster',
  );
export type SampledSpec = z.infer<typeof sampledSchema>;

const probeSchema = z
  .object({
    name: z.string().min(1),
    ...sourceFields,
    expect: expectation,
    /** During the method: must the expectation hold at every sample, or at least once? */
    holds: z.enum(['always', 'sometimes']).default('always'),
  })
  .strict()
  .refine(oneSource, ONE_SOURCE);
export type Probe = z.infer<typeof probeSchema>;

const faultSchema = z.looseObject({ type: z.string().min(1), target: z.string().optional() });

const stepBase = {
  /** Name other entries refer to: `outage.start`, `outage.end`. */
  id: z
    .string()
    .regex(/^[a-z][a-zA-Z0-9-]*$/)
    .optional(),
  /** Seconds after the load starts. */
  at: duration,
};
const stepSchema = z.union([
  z
    .object({
      ...stepBase,
      inject: z.object({ service: z.enum(SERVICE_NAMES), fault: faultSchema }).strict(),
      for: duration,
    })
    .strict(),
  /**
   * An app, an instance (`worker-2`), `kafka`, a broker (`broker-2`), or `<topic>-leader`
   * (`messages-leader`): the broker leading the most partitions of that topic when the step runs.
   */
  z.object({ ...stepBase, kill: z.string().regex(/^[a-z-]+(-\d+)?$/) }).strict(),
  /**
   * As `kill`; `<topic>-leader` restarts the broker an earlier step resolved it to (else the leader now).
   * With `env`, an app's every instance restarts with these settings added (a rollout of a new
   * setting); the rollback restarts it with the lab's own.
   */
  z
    .object({
      ...stepBase,
      restart: z.string().regex(/^[a-z-]+(-\d+)?$/),
      env: z.record(z.string().regex(/^[A-Z][A-Z0-9_]*$/), z.string()).optional(),
    })
    .strict()
    .refine(
      (s) => s.env === undefined || (SERVICE_NAMES as readonly string[]).includes(s.restart),
      'env restarts an app (every instance of it): name an app, not an instance or a broker',
    ),
  z
    .object({
      ...stepBase,
      scale: z.object({ app: z.enum(SCALABLE_SERVICE_NAMES), n: z.number().int().min(1).max(10) }).strict(),
    })
    .strict(),
  z
    .object({
      ...stepBase,
      /** A second client flooding the gateway while the main load runs. */
      flood: z
        .object({
          client: z.enum(['demo', 'admin']),
          rate: z.number().positive().max(2000),
          flow: z.enum(FLOWS).default('post'),
        })
        .strict(),
      for: duration,
    })
    .strict(),
  z
    .object({
      ...stepBase,
      /** One record produced straight onto a pipeline topic (the lab's prefix applied), bypassing the gateway. */
      produce: z
        .object({
          topic: z.enum(PIPELINE_TOPICS),
          key: z.string().min(1),
          /** The record's bytes, as UTF-8 (anything: a malformed record is the point). */
          value: z.string().optional(),
          /** A record built when the step runs (fresh ids): see experiments/src/fixtures.ts. */
          fixture: z.enum(FIXTURES).optional(),
        })
        .strict()
        .refine((p) => (p.value === undefined) !== (p.fixture === undefined), 'give exactly one of value or fixture'),
    })
    .strict(),
]);
export type Step = z.infer<typeof stepSchema>;

/** `outage.start`, `outage.end+5s`, `start`, `end-10s`: a moment of the run. */
const momentSchema = z
  .string()
  .regex(
    /^(start|end|[a-z][a-zA-Z0-9-]*\.(start|end))\s*([+-]\s*\d+(\.\d+)?(ms|s|m)?)?$/,
    'start, end, <step>.start or <step>.end, with an optional +5s/-1s',
  );

const measurementSchema = z
  .object({
    name: z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]*$/, 'letters, digits and _ (it is a name in expressions)'),
    /** What the number means, with its unit, for the report. */
    description: z.string().optional(),
    unit: z.string().default(''),
    /** An instant value at a moment (query). */
    query: z.string().optional(),
    at: momentSchema.optional(),
    /** Seconds from `from` until a watched series meets `until.expect`. */
    from: momentSchema.optional(),
    until: z
      .object({ ...sourceFields, expect: expectation })
      .strict()
      .refine(oneSource, ONE_SOURCE)
      .optional(),
    /** Longest time a watched counter stood still between `from` and `to` (a rebalance pause). */
    stall: watchSchema.optional(),
    /**
     * Seconds from `from` to the end of a watched counter's longest stall between `from` and `to`,
     * when it moved again (a producer's successful sends: the first one after a failover's pause).
     */
    stallEnd: watchSchema.optional(),
    /** Highest sample of a sampled series between `from` and `to` (a partition's worst lag). */
    peak: sampledSchema.optional(),
    /** Lowest sample of a sampled series between `from` and `to` (a partition's lag that never reached 0: stuck). */
    low: sampledSchema.optional(),
    /** Last sample minus first between `from` and `to` (a counter: consumer crashes during the run). */
    increase: sampledSchema.optional(),
    /**
     * Seconds from `from` to the last sample up to `to` where a sampled counter rose (0 when it never
     * did): with a producer's error counter, the moment after which every produce succeeded again.
     */
    lastIncrease: sampledSchema.optional(),
    to: momentSchema.optional(),
    /** How long a step took (a restart: from stop to ready). */
    step: z
      .string()
      .regex(/^[a-z][a-zA-Z0-9-]*$/)
      .optional(),
    /** Arithmetic over earlier measurements: `throughputN2 / (2 * throughputN1)`. */
    expression: z.string().optional(),
    /** When given, the number is part of the verdict. */
    expect: expectation.optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    const kinds = [
      m.query !== undefined && m.at !== undefined,
      m.from !== undefined && m.until !== undefined,
      m.stall !== undefined && m.from !== undefined && m.to !== undefined,
      m.stallEnd !== undefined && m.from !== undefined && m.to !== undefined,
      m.peak !== undefined && m.from !== undefined && m.to !== undefined,
      m.low !== undefined && m.from !== undefined && m.to !== undefined,
      m.increase !== undefined && m.from !== undefined && m.to !== undefined,
      m.lastIncrease !== undefined && m.from !== undefined && m.to !== undefined,
      m.expression !== undefined,
      m.step !== undefined,
    ];
    if (kinds.filter(Boolean).length !== 1)
      ctx.addIssue({
        code: 'custom',
        message:
          'a measurement is one of: query+at, from+until, stall+from+to, stallEnd+from+to, peak+from+to, low+from+to, increase+from+to, lastIncrease+from+to, step, or expression',
      });
  });
export type Measurement = z.infer<typeof measurementSchema>;

const thresholdsSchema = z.record(
  z.string(),
  z.array(z.union([z.string(), z.object({ threshold: z.string() }).loose()])),
);

/**
 * Topic-level settings for the lab's contract topics during a run (`{ min.insync.replicas: '1' }`):
 * set with the Kafka admin before the run, the topics' own settings restored after.
 */
const topicConfigSchema = z.record(
  z.string().regex(/^[a-z][a-z0-9.]*$/, 'a Kafka topic setting such as min.insync.replicas'),
  z.string().min(1),
);
export type TopicConfig = z.infer<typeof topicConfigSchema>;

/** Settings per app: `{ gateway: { GATEWAY_READS: kafka } }`. */
const appEnvSchema = z.partialRecord(
  z.enum(SERVICE_NAMES),
  z.record(z.string().regex(/^[A-Z][A-Z0-9_]*$/), z.string()),
);

export const experimentSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9-]*$/),
    description: z.string().min(1),
    /** What the lab must run for this experiment; the run stops at preflight (exit 2) when it runs less. */
    requires: z
      .object({
        /** Brokers in the lab's Kafka cluster (lab.json's brokerCount: `npm run lab -- up --brokers 3`). */
        brokers: z.number().int().min(1).max(3),
      })
      .strict()
      .optional(),
    load: z
      .object({
        /** Scenario in load-tests/scenarios lending its texts, users and e2e polling. */
        scenario: z.string().default('smoke'),
        /** Arrival rate (iterations/s) held after the ramp. */
        rate: z.number().positive().max(5000),
        rampSeconds: duration.default(5),
        durationSeconds: duration,
        maxVUs: z.number().int().positive().max(10_000).default(200),
        mix: z
          .array(z.object({ flow: z.enum(FLOWS), weight: z.number().positive() }).strict())
          .min(1)
          .optional(),
        texts: z.array(z.string().min(1)).min(1).optional(),
        e2eDeadlineMs: z.number().int().positive().optional(),
        /** Pause between the e2e flow's GET polls; longer keeps a client's own polling under its rate limit. */
        e2ePollIntervalMs: z.number().int().positive().optional(),
        /** k6 thresholds over the whole run; part of the verdict. */
        thresholds: thresholdsSchema.default({}),
      })
      .strict(),
    /** App settings for this run: the app is restarted with them, and restarted without them after. */
    env: appEnvSchema.default({}),
    topicConfig: topicConfigSchema.default({}),
    /**
     * Runs of this experiment that differ only in app settings (the gateway's read mode, say):
     * `lab experiment` runs each in turn, its `env` merged over the experiment's, and reports them
     * side by side. Empty: one run.
     */
    variants: z
      .array(
        z
          .object({
            name: z.string().regex(/^[a-z][a-z0-9-]*$/),
            description: z.string().min(1),
            env: appEnvSchema.default({}),
            /** Merged over the experiment's `topicConfig` for this variant's run. */
            topicConfig: topicConfigSchema.default({}),
          })
          .strict(),
      )
      .default([]),
    /** Alert rules swapped in for the run (same alert name, shorter `for:`), removed after. */
    alertOverrides: z
      .array(
        z
          .object({
            alert: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/),
            expr: z.string().min(1),
            for: z.string().regex(/^\d+(ms|s|m)$/),
          })
          .strict(),
      )
      .default([]),
    /** The steady state: holds before the method starts and again within `recovery.withinSeconds` after it. */
    steadyState: z.array(probeSchema).default([]),
    method: z.array(stepSchema).min(1),
    /** What must happen while the method runs (from the first step's start to the last one's end). */
    deviation: z.array(probeSchema).default([]),
    recovery: z
      .object({
        withinSeconds: duration,
        /** Checked with the steady state during recovery (e.g. the breaker closed again). */
        probes: z.array(probeSchema).default([]),
      })
      .strict(),
    /** No loss, no duplicates: acceptances vs data-service-completed counters, after a drain. */
    ledger: z
      .object({
        drainSeconds: duration.default(60),
        /**
         * Where acceptances are counted: `gateway`, its accepted and published-late counters; or
         * `messages-topic`, the records appended to jeeves.messages.v1 (read from the broker, so a
         * method may restart the gateway: its last increments before a stop are not lost to the count).
         */
        accepted: z.enum(LEDGER_ACCEPTED_FROM).default('gateway'),
      })
      .strict()
      .optional(),
    measurements: z.array(measurementSchema).default([]),
    /** Extra charts for the report, beside the standard ones. */
    charts: z
      .array(
        z
          .object({ title: z.string(), unit: z.string().default(''), queries: z.record(z.string(), z.string()) })
          .strict(),
      )
      .default([]),
    short: z.unknown().optional(),
  })
  .strict()
  .superRefine((e, ctx) => {
    const ids = new Set(e.method.map((s) => s.id).filter((id): id is string => id !== undefined));
    const refs = [
      ...e.measurements.flatMap((m) => [m.at, m.from, m.to, m.step === undefined ? undefined : `${m.step}.start`]),
    ].filter((r): r is string => r !== undefined);
    for (const ref of refs) {
      const id = /^([a-z][a-zA-Z0-9-]*)\.(start|end)/.exec(ref)?.[1];
      if (id && !ids.has(id))
        ctx.addIssue({
          code: 'custom',
          path: ['measurements'],
          message: `"${ref}" names no step; step ids: ${[...ids].join(', ') || 'none'}`,
        });
    }
    if (e.ledger) {
      // The ledger counts from /metrics samples: what a counting process did after its last sample
      // and before it died or stopped is not seen, so a kill, restart or scale-in would show as loss.
      const counting = (target: string): boolean =>
        (e.ledger?.accepted === 'gateway' ? /^(gateway|data-service)(-\d+)?$/ : /^data-service(-\d+)?$/).test(target);
      for (const [i, step] of e.method.entries()) {
        const target =
          'kill' in step
            ? step.kill
            : 'restart' in step
              ? step.restart
              : 'scale' in step
                ? step.scale.app
                : 'inject' in step && step.inject.fault.type === 'crash'
                  ? step.inject.service
                  : undefined;
        if (target !== undefined && counting(target))
          ctx.addIssue({
            code: 'custom',
            path: ['method', i],
            message: `the ledger counts from ${e.ledger.accepted === 'gateway' ? "gateway's and " : ''}data-service's /metrics; a step that stops ${target} would show its last increments as loss — ${/^gateway/.test(target) ? 'count acceptances on the topic (ledger: { accepted: messages-topic }), ' : ''}drop the ledger (check loss another way) or the step`,
          });
      }
      // Settings are fine: they restart the app before the ledger's first sample, and a ledger
      // counter's rollback waits until the ledger has drained (phases/setup.ts).
    }
    // A partition's leader is a broker of a cluster: one broker has no other to hand leadership to.
    for (const [i, step] of e.method.entries()) {
      const target = 'kill' in step ? step.kill : 'restart' in step ? step.restart : undefined;
      if (target !== undefined && LEADER_TARGET.test(target) && (e.requires?.brokers ?? 1) < 2)
        ctx.addIssue({
          code: 'custom',
          path: ['method', i],
          message: `${target} is a broker of a cluster: add requires: { brokers: 3 } (the lab's --brokers 3)`,
        });
    }
    const variantNames = e.variants.map((v) => v.name);
    for (const [i, name] of variantNames.entries())
      if (variantNames.indexOf(name) !== i)
        ctx.addIssue({ code: 'custom', path: ['variants', i, 'name'], message: `variant "${name}" is named twice` });
    const last = Math.max(...e.method.map((s) => s.at + ('for' in s ? s.for : 0)));
    if (last >= e.load.durationSeconds)
      ctx.addIssue({
        code: 'custom',
        path: ['load', 'durationSeconds'],
        message: `the load ends at ${e.load.durationSeconds} s but the method runs until ${last} s`,
      });
  });

export type Experiment = z.infer<typeof experimentSchema>;

export class ExperimentError extends Error {
  readonly code = 'EEXPERIMENT';
  override readonly name = 'ExperimentError';
}

/** experiments/ in the source tree, from src or from dist (definitions are YAML, never compiled). */
export const EXPERIMENTS_DIR = findExperimentsDir(__dirname);

function findExperimentsDir(from: string): string {
  for (let dir = resolve(from, '..'); dir !== resolve(dir, '..'); dir = resolve(dir, '..')) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'experiments');
  }
  return resolve(from, '..');
}

export function experimentNames(dir = EXPERIMENTS_DIR): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((d) => existsSync(join(dir, d, 'experiment.yaml')))
    .sort();
}

/** Objects merge key by key; arrays and scalars are replaced. */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (isPlainObject(base) && isPlainObject(over)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
    return out;
  }
  return over;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Validates raw definition data; `short` merges the `short:` block over it first. */
export function parseExperiment(raw: unknown, options: { short?: boolean; source?: string } = {}): Experiment {
  const source = options.source ?? 'experiment';
  const merged = options.short && isPlainObject(raw) ? deepMerge(raw, raw.short) : raw;
  const result = experimentSchema.safeParse(merged);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ExperimentError(
      `${source}${options.short ? ' (--short)' : ''} is not a valid experiment:\n  - ${problems.join('\n  - ')}`,
    );
  }
  return result.data;
}

export function loadExperiment(name: string, options: { short?: boolean; dir?: string } = {}): Experiment {
  const dir = options.dir ?? EXPERIMENTS_DIR;
  const file = name.endsWith('.yaml') ? resolve(name) : join(dir, name, 'experiment.yaml');
  if (!existsSync(file))
    throw new ExperimentError(
      `No experiment "${name}" (${file}). Known: ${experimentNames(dir).join(', ') || 'none'}.`,
    );
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ExperimentError(`${file} is not YAML: ${(error as Error).message}`);
  }
  return parseExperiment(raw, { short: options.short, source: file });
}

/**
 * The experiments to run for `selected` variant names (all of them when none are named): each
 * with its variant's env merged over the experiment's, and `variants` emptied. An experiment
 * without variants is one run. Throws ExperimentError for a name it does not define.
 */
export function variantRuns(
  experiment: Experiment,
  selected: readonly string[] = [],
): Array<{ variant: string | undefined; experiment: Experiment }> {
  const known = experiment.variants.map((v) => v.name);
  if (known.length === 0) {
    if (selected.length > 0) throw new ExperimentError(`${experiment.name} has no variants; run it without --variant.`);
    return [{ variant: undefined, experiment }];
  }
  const unknown = selected.filter((name) => !known.includes(name));
  if (unknown.length > 0)
    throw new ExperimentError(
      `${experiment.name} has no variant ${unknown.map((n) => `"${n}"`).join(', ')}; its variants: ${known.join(', ')}.`,
    );
  return experiment.variants
    .filter((v) => selected.length === 0 || selected.includes(v.name))
    .map((v) => ({
      variant: v.name,
      experiment: {
        ...experiment,
        env: deepMerge(experiment.env, v.env) as Experiment['env'],
        topicConfig: { ...experiment.topicConfig, ...v.topicConfig },
        variants: [],
      },
    }));
}

/** Resolves `outage.end+5s` to seconds from the run's start, given when each step started and ended. */
export function resolveMoment(
  moment: string,
  events: ReadonlyMap<string, { startS: number; endS: number }>,
  runEndS: number,
): number | undefined {
  const m = /^(start|end|([a-z][a-zA-Z0-9-]*)\.(start|end))\s*(?:([+-])\s*(\d+(?:\.\d+)?(?:ms|s|m)?))?$/.exec(
    moment.trim(),
  );
  if (!m) return undefined;
  let base: number | undefined;
  if (m[1] === 'start') base = 0;
  else if (m[1] === 'end') base = runEndS;
  else {
    const e = events.get(m[2]);
    base = e === undefined ? undefined : m[3] === 'start' ? e.startS : e.endS;
  }
  if (base === undefined) return undefined;
  const offset = m[5] ? parseDuration(m[5]).seconds * (m[4] === '-' ? -1 : 1) : 0;
  return base + offset;
}
