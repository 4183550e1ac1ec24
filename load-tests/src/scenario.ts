import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { z } from 'zod';
import { SERVICE_NAMES } from '#libs/contracts';
import type { FaultStep, FlowName, Scenario, Stage, ThresholdSpec } from './scenario-types';

/**
 * One load-test scenario, defined once as data (load-tests/scenarios/<name>.json) and run by two
 * drivers: users' k6 (load-tests/k6/run.js) and the built-in open-model driver (`lab load`). Rates
 * are iterations per second: one iteration is one run of a flow (see FLOWS).
 *
 * The schema has no defaults on purpose: k6 reads the JSON without this validator, so every field a
 * driver uses is written in the file and both drivers see exactly the same numbers.
 */

/** The request flows a scenario mixes. */
export const FLOWS = ['e2e', 'post', 'history'] as const satisfies readonly FlowName[];

const stageSchema = z
  .object({
    /** Length of this ramp. */
    durationSeconds: z.number().positive().max(86_400),
    /** Arrival rate (iterations/s) reached at the end of the stage; the rate ramps linearly to it. */
    targetRate: z.number().min(0).max(100_000),
    /** `--duration` stretches only these stages (a soak's plateau); with none marked, every stage scales. */
    stretch: z.boolean().optional(),
  })
  .strict();

const thresholdSchema = z.union([
  z.string().min(1),
  z
    .object({
      threshold: z.string().min(1),
      /** Stop the run as soon as this threshold fails (k6's `abortOnFail`). */
      abortOnFail: z.boolean().optional(),
      /** Do not judge it for abort before this much of the run has passed (k6's `delayAbortEval`). */
      delayAbortEval: z
        .string()
        .regex(/^\d+(ms|s|m)$/, 'a k6 duration such as 10s')
        .optional(),
    })
    .strict(),
]);

/** A fault posted to one service's chaos API while the load runs. */
const faultSchema = z
  .object({
    /** Seconds after the start of the load. */
    atSeconds: z.number().min(0),
    service: z.enum(SERVICE_NAMES),
    /** Body of `POST /admin/chaos/faults`: `{type, target?, durationMs?, ...params}`. */
    fault: z.looseObject({
      type: z.string().min(1),
      target: z.string().optional(),
      durationMs: z.number().int().positive().optional(),
    }),
  })
  .strict();

export const scenarioSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9-]*$/, 'lower-case letters, digits and -'),
    description: z.string().min(1),
    /** Arrival rate at t=0 (k6 `startRate`). */
    startRate: z.number().min(0),
    stages: z.array(stageSchema).min(1),
    /** Upper bound on iterations in flight (k6 `maxVUs`); an arrival beyond it is dropped and counted. */
    maxVUs: z.number().int().positive().max(10_000),
    /** Weighted request mix: each arrival runs one flow, in proportion to the weights. */
    mix: z
      .array(z.object({ flow: z.enum(FLOWS), weight: z.number().positive() }).strict())
      .min(1)
      .refine((mix) => new Set(mix.map((m) => m.flow)).size === mix.length, 'each flow at most once'),
    /** Message texts, used in turn (one per intent, so every intent is exercised). */
    texts: z.array(z.string().min(1).max(500)).min(1),
    /** Distinct users the messages spread over (the Kafka key, so it spreads partitions). */
    users: z.number().int().positive().max(100_000),
    e2e: z
      .object({
        /** Pause between `GET /v1/messages/:id` polls. */
        pollIntervalMs: z.number().int().positive(),
        /** Give up on a reply after this long; the iteration then fails its check. */
        deadlineMs: z.number().int().positive(),
      })
      .strict(),
    /** SLOs in k6 syntax: metric (with optional `{tag:value}` selector) → conditions. */
    thresholds: z.record(
      z
        .string()
        .regex(
          /^[a-z_][a-z0-9_]*(\{[a-z_]+:[A-Za-z0-9_./-]+(,[a-z_]+:[A-Za-z0-9_./-]+)*\})?$/,
          'metric or metric{tag:value}',
        ),
      z.array(thresholdSchema).min(1),
    ),
    faults: z.array(faultSchema),
  })
  .strict();

export type { FaultStep, FlowName, Scenario, Stage, ThresholdSpec };

// Compile-time proof that the schema and the plain types (which k6 sees) describe the same data.
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const schemaMatchesTypes: [
  Same<z.infer<typeof scenarioSchema>, Scenario>,
  Same<z.infer<typeof stageSchema>, Stage>,
  Same<z.infer<typeof thresholdSchema>, ThresholdSpec>,
  Same<z.infer<typeof faultSchema>, FaultStep>,
] = [true, true, true, true];
void schemaMatchesTypes;

export class ScenarioError extends Error {
  readonly code = 'ESCENARIO';
  override readonly name = 'ScenarioError';
}

/** Directory of the scenario files, from the source tree or from dist/. */
export const SCENARIO_DIR = resolve(__dirname, '..', 'scenarios');

/** Validates raw scenario data; the message lists every problem with its path. */
export function parseScenario(raw: unknown, source = 'scenario'): Scenario {
  const result = scenarioSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ScenarioError(`${source} is not a valid scenario:\n  - ${problems.join('\n  - ')}`);
  }
  return result.data;
}

export function scenarioNames(dir = SCENARIO_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => basename(f, '.json'))
    .sort();
}

/** Loads `load-tests/scenarios/<name>.json`, or a path to a JSON file. */
export function loadScenario(nameOrPath: string, dir = SCENARIO_DIR): Scenario {
  const file = nameOrPath.endsWith('.json') ? resolve(nameOrPath) : join(dir, `${nameOrPath}.json`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new ScenarioError(`No scenario "${nameOrPath}" (${file}). Known: ${scenarioNames(dir).join(', ')}.`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ScenarioError(`${file} is not JSON: ${(error as Error).message}`);
  }
  return parseScenario(raw, file);
}

/** What constantRateScenario needs; the rest of a Scenario takes a benchmark's defaults. */
export interface ConstantRateOptions {
  readonly name: string;
  /** Iterations started per second (open model), from the first second on. */
  readonly rate: number;
  readonly durationSeconds: number;
  readonly flow: FlowName;
  readonly texts: readonly string[];
  /** The driver's in-flight ceiling; arrivals past it are dropped and counted. */
  readonly maxVUs: number;
  /** The e2e flow's polling; default every 100 ms for at most 1 s (unused by other flows). */
  readonly e2e?: Scenario['e2e'];
}

/**
 * One flow at one constant arrival rate, no thresholds, no faults, 200 users: the scenario a
 * benchmark step offers. Throws ScenarioError when the result is not a valid scenario.
 */
export function constantRateScenario(options: ConstantRateOptions): Scenario {
  return parseScenario(
    {
      name: options.name,
      description: `${options.flow} at ${options.rate}/s for ${options.durationSeconds} s`,
      startRate: options.rate,
      stages: [{ durationSeconds: options.durationSeconds, targetRate: options.rate }],
      maxVUs: options.maxVUs,
      mix: [{ flow: options.flow, weight: 1 }],
      texts: [...options.texts],
      users: 200,
      e2e: options.e2e ?? { pollIntervalMs: 100, deadlineMs: 1000 },
      thresholds: {},
      faults: [],
    },
    options.name,
  );
}
