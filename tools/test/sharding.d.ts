// Types of sharding.js (plain JavaScript, loaded by jest and run.js uncompiled).

/** A spec and its expected seconds. */
export interface WeightedSpec {
  readonly key: string;
  readonly seconds: number;
}

export const SHARDS_VARIABLE: 'LAB_TEST_SHARDS';
export const DEFAULT_SHARDS: number;
export const MAX_SHARDS: number;
export const SPEC_SECONDS_FILE: string;
export const UNLISTED_SPEC_SECONDS: number;
export function shardCount(env: NodeJS.ProcessEnv): number;
/** The table: seconds per spec key, the groups (name → keys) whose specs must share a shard, the specs that run alone. */
export function loadSpecTable(file?: string): {
  seconds: Map<string, number>;
  groups: Map<string, string[]>;
  alone: string[];
};
export function specKey(rootDir: string, path: string): string;
export function assignShards(
  specs: readonly WeightedSpec[],
  count: number,
  groups?: readonly (readonly string[])[],
  alone?: readonly string[],
): string[][];
export function weigh(
  keys: readonly string[],
  table: ReadonlyMap<string, number>,
): { specs: WeightedSpec[]; unlisted: string[] };
/** Per spec, the median of its seconds over the runs, rounded, at least 1. */
export function medianSeconds(runs: readonly Readonly<Record<string, number>>[]): Record<string, number>;
export function shardEndedFile(runDir: string, index: number): string;
export function aloneWaitsFile(runDir: string): string;
