import { z } from 'zod';

/**
 * What the lab CLI tells a program that drives it about experiments (ADR 0100): the shipped
 * experiments described (`lab experiments --json`) and a run's events as it goes (`lab experiment
 * <name> --events`, one JSON object per line on stdout). The lab side writes these shapes and the
 * console reads them; both sides compile against this one definition, and the console validates
 * every line it reads with it.
 */

/** The phases of a run, in the order the runner goes through them (experiments/src/runner.ts). */
export const EXPERIMENT_PHASES = [
  'setup',
  'baseline',
  'method',
  'recovery',
  'load-end',
  'rollback',
  'drain',
  'measure',
] as const;
export type ExperimentPhase = (typeof EXPERIMENT_PHASES)[number];

/** JSON has no `undefined` and no NaN: a value nobody measured travels as null or is left out. */
const measuredValue = z.number().nullable().optional();

const probeEventSchema = z.object({
  type: z.literal('probe'),
  phase: z.enum(['before', 'during', 'after']),
  name: z.string(),
  source: z.string(),
  expect: z.string(),
  measured: measuredValue,
  outcome: z.enum(['within bounds', 'out of bounds', 'no data']),
  note: z.string().optional(),
});

/**
 * One event of a run. Times (`atS`, `startS`, `endS`, `elapsedS`) are seconds since the run's load
 * started (the method's clock); 0 before it. Paths are relative to the results root (`results/…`).
 */
export const experimentEventSchema = z.discriminatedUnion('type', [
  /** A run begins: one per variant and round (`index` of `of`, from 1). */
  z.object({
    type: z.literal('run'),
    experiment: z.string(),
    short: z.boolean(),
    variant: z.string().optional(),
    round: z.number().int().optional(),
    index: z.number().int().min(1),
    of: z.number().int().min(1),
  }),
  z.object({ type: z.literal('phase'), phase: z.enum(EXPERIMENT_PHASES), atS: z.number() }),
  /** A step of the method started, or ended (`error` when it failed). */
  z.object({
    type: z.literal('step'),
    state: z.enum(['started', 'ended']),
    index: z.number().int(),
    id: z.string().optional(),
    label: z.string(),
    startS: z.number(),
    endS: z.number().optional(),
    error: z.string().optional(),
  }),
  /** A probe judged: before the method, over it, or at recovery. */
  probeEventSchema,
  /** About once a second while the load runs: the load driver's line and the latest watched values. */
  z.object({
    type: z.literal('progress'),
    phase: z.enum(EXPERIMENT_PHASES),
    elapsedS: z.number(),
    loadSeconds: z.number(),
    load: z.string(),
    watched: z.array(z.object({ name: z.string(), value: measuredValue })),
  }),
  z.object({
    type: z.literal('measurement'),
    name: z.string(),
    unit: z.string(),
    value: measuredValue,
    expect: z.string().optional(),
    ok: z.boolean().optional(),
  }),
  z.object({ type: z.literal('rollback'), action: z.string(), ok: z.boolean(), error: z.string().optional() }),
  z.object({
    type: z.literal('verdict'),
    passed: z.boolean(),
    failures: z.array(z.string()),
    noData: z.array(z.string()),
    durationSeconds: z.number(),
    recoverySeconds: measuredValue,
    interrupted: z.boolean(),
  }),
  /** The run's report was written. */
  z.object({ type: z.literal('report'), html: z.string(), json: z.string() }),
  /** Two runs or more: the side-by-side page was written. */
  z.object({ type: z.literal('comparison'), html: z.string() }),
]);
export type ExperimentEvent = z.infer<typeof experimentEventSchema>;
export type ExperimentProbeEvent = z.infer<typeof probeEventSchema>;

const probeDescriptionSchema = z.object({
  name: z.string(),
  source: z.string(),
  expect: z.string(),
  holds: z.enum(['always', 'sometimes']).optional(),
});

/** One version (full or `--short`) of an experiment, as planned. Seconds from the start of the load. */
export const experimentPlanSchema = z.object({
  load: z.object({
    scenario: z.string(),
    ratePerSecond: z.number(),
    rampSeconds: z.number(),
    durationSeconds: z.number(),
  }),
  /** The method's steps on the timeline. */
  steps: z.array(
    z.object({
      index: z.number().int(),
      id: z.string().optional(),
      label: z.string(),
      atS: z.number(),
      forS: z.number().optional(),
    }),
  ),
  /**
   * The planned phases: baseline (load start → first step), method (→ last step's planned end),
   * recovery (at most `withinSeconds` after it), load-end (→ the load's end), drain (ledger: at most).
   */
  phases: z.array(z.object({ phase: z.enum(EXPERIMENT_PHASES), fromS: z.number(), toS: z.number() })),
  hypothesis: z.object({
    steadyState: z.array(probeDescriptionSchema),
    deviation: z.array(probeDescriptionSchema),
    recovery: z.object({ withinSeconds: z.number(), probes: z.array(probeDescriptionSchema) }),
    loadThresholds: z.record(z.string(), z.array(z.string())),
  }),
  measurements: z.array(
    z.object({
      name: z.string(),
      unit: z.string(),
      description: z.string().optional(),
      expect: z.string().optional(),
    }),
  ),
  ledger: z.object({ drainSeconds: z.number(), accepted: z.string() }).nullable(),
  /** App settings the run restarts apps with (`env:`), per app. */
  settings: z.record(z.string(), z.record(z.string(), z.string())),
});
export type ExperimentPlan = z.infer<typeof experimentPlanSchema>;

/** A shipped experiment as `lab experiments --json` describes it. */
export const experimentDescriptionSchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9-]*$/),
  description: z.string(),
  /** Brokers the lab must run (`up --brokers 3`); absent: any lab. */
  requiresBrokers: z.number().int().optional(),
  /** Every part of the lab the run checks before it starts (its preflight): `prometheus`, `kafka`, `worker/metrics`, … */
  needs: z.array(z.string()),
  variants: z.array(z.object({ name: z.string(), description: z.string() })),
  full: experimentPlanSchema,
  short: experimentPlanSchema,
});
export type ExperimentDescription = z.infer<typeof experimentDescriptionSchema>;
