import { join } from 'node:path';

/**
 * Where each shard of the integration tier runs its labs (docs/decisions/0016). `npm test` starts
 * the shards at once (tools/test/run.js) and names each in `LAB_TEST_SHARD=k/n`; every lab a shard
 * starts — its test lab, the labs some specs start of their own — is shifted by
 * `SHARD_PORT_STRIDE × (k − 1)` ports, and the brokers those specs start on random free ports pick
 * them from the shard's own slice of SPEC_BROKER_PORT_RANGE. shard-lab.spec.ts proves that no two
 * shards' labs share a port, for up to MAX_SHARDS shards (tools/test/sharding.js).
 */

/** One shard of the integration tier: `index` from 1 to `count`. */
export interface TestShard {
  readonly index: number;
  readonly count: number;
}

/** A bad LAB_TEST_SHARD: the message names the variable, its value and the expected shape. */
export class TestShardError extends Error {
  override readonly name = 'TestShardError';
}

/** Port distance between two shards' labs: clear of one lab's own port spread (apps 0–10 apart, extra instances 10 apart). */
export const SHARD_PORT_STRIDE = 50;

/**
 * The port offsets (LAB_PORT_OFFSET) of the labs that specs start beside the test lab, in shard 1;
 * shard k adds SHARD_PORT_STRIDE × (k − 1). Spread so that no shard's shift lands one on another.
 */
export const SPEC_LAB_PORT_OFFSETS = {
  /** lab-apps-listen-on-lab-host: one provider on 127.0.0.2. */
  labHost: 700,
  /** bench-capacity-short: the bench's own lab (BENCH_PORT_OFFSET; its broker 10000 above the lab's default). */
  bench: 4800,
  /** lab-verbs-say-when-the-lab-is-down: nothing may answer on its ports. */
  verbsWhenDown: 16_800,
  /** lab-down-wipe-starts-from-nothing: its labs run brokers only, on free ports. */
  wipeOwnBroker: 17_000,
  wipeSecond: 17_200,
  /** lab-three-brokers-lose-nothing-acknowledged-when-one-dies: brokers only. */
  threeBrokers: 17_400,
  /** experiment-broker-failover on three brokers: every app and Prometheus. */
  brokerFailover: 17_600,
} as const;
export type SpecLab = keyof typeof SPEC_LAB_PORT_OFFSETS;

/**
 * Client ports for brokers that specs start on free ports (`freeBrokerPorts`): above every lab's
 * ports here (the highest is a spec lab's Zipkin, about 27000 + the shift) and below Linux's
 * ephemeral range (32768–60999), so no lab and no outgoing connection takes them meanwhile.
 */
export const SPEC_BROKER_PORT_RANGE = { min: 28_000, max: 32_000 } as const;

/** The test lab's port offset when LAB_TEST_PORT_OFFSET is unset: apps on 3100–3105. */
export const DEFAULT_TEST_PORT_OFFSET = 100;

/** LAB_TEST_SHARD (`k/n`, set by tools/test/run.js); unset or blank is 1/1, the whole tier in one process. */
export function testShard(env: NodeJS.ProcessEnv): TestShard {
  const raw = env.LAB_TEST_SHARD?.trim();
  if (!raw) return { index: 1, count: 1 };
  const match = /^(\d+)\/(\d+)$/.exec(raw);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index < 1 || index > count)
    throw new TestShardError(`LAB_TEST_SHARD=${raw} is not k/n with 1 ≤ k ≤ n (tools/test/run.js sets it per shard)`);
  return { index, count };
}

/** Ports shard `shard` adds to every lab it starts. */
export function shardPortShift(shard: TestShard): number {
  return SHARD_PORT_STRIDE * (shard.index - 1);
}

/** The test lab of one shard: what global-setup gives loadLabConfig. */
export interface TestLabSettings {
  /** Its state dir: `.lab/test` alone, `.lab/test-shard-<k>` in a sharded run (LAB_TEST_STATE_DIR moves the base). */
  readonly stateDir: string;
  /** LAB_TEST_PORT_OFFSET (default 100) plus the shard's shift. */
  readonly portOffset: number;
  /**
   * A sharded run's test lab owns its broker, on 9092/9093 + its offset: a shard's spec that freezes
   * or restarts the broker must not reach another shard's. Undefined alone: KAFKA_PORT as set, where
   * the machine's broker is shared if one answers (ADR 0011).
   */
  readonly ownBroker: { readonly kafkaPort: number; readonly kafkaControllerPort: number } | undefined;
  /** Appended to the run's `t<timestamp>` topic prefix: `s<k>` in a sharded run, '' alone. */
  readonly topicPrefixSuffix: string;
}

export function testLabSettings(env: NodeJS.ProcessEnv, repoRoot: string): TestLabSettings {
  const shard = testShard(env);
  const base = env.LAB_TEST_STATE_DIR || join(repoRoot, '.lab', 'test');
  const portOffset = Number(env.LAB_TEST_PORT_OFFSET || DEFAULT_TEST_PORT_OFFSET) + shardPortShift(shard);
  const sharded = shard.count > 1;
  return {
    stateDir: sharded ? `${base}-shard-${shard.index}` : base,
    portOffset,
    ownBroker: sharded ? { kafkaPort: 9092 + portOffset, kafkaControllerPort: 9093 + portOffset } : undefined,
    topicPrefixSuffix: sharded ? `s${shard.index}` : '',
  };
}

/** The port offset of a spec's own lab in `shard`. */
export function specLabPortOffset(lab: SpecLab, shard: TestShard): number {
  return SPEC_LAB_PORT_OFFSETS[lab] + shardPortShift(shard);
}

/** `shard`'s slice of SPEC_BROKER_PORT_RANGE, [min, max): the n shards' slices do not overlap. */
export function specBrokerPortRange(shard: TestShard): { min: number; max: number } {
  const { min, max } = SPEC_BROKER_PORT_RANGE;
  const width = Math.floor((max - min) / shard.count);
  return { min: min + width * (shard.index - 1), max: min + width * shard.index };
}
