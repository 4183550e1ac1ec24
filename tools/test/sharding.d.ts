// Types of sharding.js (plain JavaScript, loaded by jest and run.js uncompiled).

/** A spec and its expected seconds. */
export interface WeightedSpec {
  readonly key: string;
  readonly seconds: number;
}

/** How a spec may share the machine with the other shards' specs (sharding.js). */
export type SpecClass = 'exclusive' | 'light' | 'sensitive' | 'alone';

/** The table: seconds per spec key, and the keys of each class but `light`. */
export interface SpecTable {
  readonly seconds: Map<string, number>;
  readonly alone: readonly string[];
  readonly exclusive: readonly string[];
  readonly sensitive: readonly string[];
}

export const SHARDS_VARIABLE: 'LAB_TEST_SHARDS';
export const DEFAULT_SHARDS: number;
export const MAX_SHARDS: number;
export const SPEC_SECONDS_FILE: string;
export const UNLISTED_SPEC_SECONDS: number;
/** The classes in the order a shard runs them. */
export const CLASSES: readonly SpecClass[];
export function shardCount(env: NodeJS.ProcessEnv): number;
export function loadSpecTable(file?: string): SpecTable;
export function specClass(key: string, table: Pick<SpecTable, 'alone' | 'exclusive' | 'sensitive'>): SpecClass;
export function specKey(rootDir: string, path: string): string;
export function planShards(
  specs: readonly WeightedSpec[],
  count: number,
  table: Pick<SpecTable, 'alone' | 'exclusive' | 'sensitive'>,
): string[][];
export function weigh(
  keys: readonly string[],
  table: ReadonlyMap<string, number>,
): { specs: WeightedSpec[]; unlisted: string[] };
/** Per spec, the median of its seconds over the runs, rounded, at least 1. */
export function medianSeconds(runs: readonly Readonly<Record<string, number>>[]): Record<string, number>;
export function shardEndedFile(runDir: string, index: number): string;
export function turnWaitsFile(runDir: string): string;
