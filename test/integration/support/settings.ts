import { isAppName, APP_NAMES, type AppName, REPO_ROOT } from '../../../tools/lab';
import {
  specBrokerPortRange,
  specLabPortOffset,
  testLabSettings,
  testShard,
  type SpecLab,
} from '../../../tools/test/shard-lab';

/**
 * The shard of the integration tier this jest process runs (`LAB_TEST_SHARD=k/n` from
 * tools/test/run.js; 1/1 when jest runs alone).
 */
export const TEST_SHARD = testShard(process.env);

/**
 * The test lab's settings: its own state dir and ports 100 above the default lab's, so a
 * developer's `npm run lab -- up` and `npm test` run side by side on one broker (topics prefixed).
 * In a sharded run each shard's lab has its own state dir, ports and broker (tools/test/shard-lab.ts).
 */
export const TEST_LAB = testLabSettings(process.env, REPO_ROOT);
/** `LAB_TEST_STATE_DIR` moves it (a sharded run adds `-shard-<k>`). */
export const TEST_STATE_DIR = TEST_LAB.stateDir;
/** `LAB_TEST_PORT_OFFSET` moves it again when two test labs share a machine (say, two checkouts). */
export const TEST_PORT_OFFSET = TEST_LAB.portOffset;

/** The port offset (LAB_PORT_OFFSET) of a lab a spec starts of its own, clear of every other shard's labs. */
export function specLabOffset(lab: SpecLab): number {
  return specLabPortOffset(lab, TEST_SHARD);
}

/** This shard's range for brokers that specs start on free ports (`freeBrokerPorts(min, max)`). */
export function specBrokerPorts(): { min: number; max: number } {
  return specBrokerPortRange(TEST_SHARD);
}

/**
 * Apps the harness starts: all of them, unless `LAB_TEST_APPS` narrows it (`none`, or a comma
 * list) for working on the harness or the broker alone.
 */
export function testApps(env: NodeJS.ProcessEnv = process.env): AppName[] {
  const raw = env.LAB_TEST_APPS?.trim();
  if (!raw) return [...APP_NAMES];
  if (raw === 'none') return [];
  const names = raw.split(',').map((s) => s.trim());
  const bad = names.filter((n) => !isAppName(n));
  if (bad.length > 0)
    throw new Error(`LAB_TEST_APPS has unknown apps: ${bad.join(', ')}. Known: ${APP_NAMES.join(', ')}, or "none".`);
  return names as AppName[];
}
