import { join } from 'node:path';
import { isAppName, APP_NAMES, type AppName, REPO_ROOT } from '../../../tools/lab';

/**
 * The test lab's fixed settings: its own state dir and ports 100 above the default lab's, so a
 * developer's `npm run lab -- up` and `npm test` run side by side on one broker (topics prefixed).
 */
export const TEST_STATE_DIR = process.env.LAB_TEST_STATE_DIR || join(REPO_ROOT, '.lab', 'test');
/** `LAB_TEST_PORT_OFFSET` moves it again when two test labs share a machine (say, two checkouts). */
export const TEST_PORT_OFFSET = Number(process.env.LAB_TEST_PORT_OFFSET || 100);

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
