import { appendFileSync, existsSync } from 'node:fs';
import { REPO_ROOT } from '../../../tools/lab';
import { aloneWaitsFile, loadSpecTable, shardEndedFile, specKey } from '../../../tools/test/sharding';
import { waitFor } from './lab';
import { TEST_SHARD } from './settings';

/** How long a spec that runs alone waits for the other shards: longer than any shard takes. */
const ALONE_WAIT_MS = 45 * 60_000;

/**
 * Runs before every integration spec (jest.config.js `setupFilesAfterEnv`). A spec the table lists
 * as running alone (`alone` in tools/test/integration-spec-seconds.json) comes last in shard 1
 * (tools/test/sequencer.js); in a sharded run it first waits until every other shard's process has
 * ended — tools/test/run.js marks each in LAB_TEST_RUN_DIR — so that no other spec or lab loads the
 * machine while it runs (docs/decisions/0016).
 */
beforeAll(async () => {
  const key = specKey(REPO_ROOT, expect.getState().testPath ?? '');
  if (TEST_SHARD.count === 1 || !loadSpecTable().alone.includes(key)) return;
  const runDir = process.env.LAB_TEST_RUN_DIR;
  if (!runDir) {
    process.stderr.write(
      `[alone] ${key}: LAB_TEST_RUN_DIR is unset (not run by npm test): not waiting for other shards\n`,
    );
    return;
  }
  const others = Array.from({ length: TEST_SHARD.count }, (_, i) => i + 1).filter((i) => i !== TEST_SHARD.index);
  const startedAt = Date.now();
  await waitFor(() => others.every((i) => existsSync(shardEndedFile(runDir, i))), {
    timeoutMs: ALONE_WAIT_MS,
    intervalMs: 1000,
    what: `shards ${others.map((i) => `${i}/${TEST_SHARD.count}`).join(', ')} to end before ${key} runs alone`,
  });
  const seconds = (Date.now() - startedAt) / 1000;
  appendFileSync(aloneWaitsFile(runDir), `${JSON.stringify({ spec: key, seconds })}\n`);
  process.stderr.write(`[alone] ${key}: waited ${seconds.toFixed(1)} s for the other shards to end\n`);
}, ALONE_WAIT_MS + 60_000);
