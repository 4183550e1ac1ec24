import { appendFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../tools/lab';
import { loadSpecTable, shardEndedFile, specClass, specKey, turnWaitsFile } from '../../../tools/test/sharding';
import { takeExclusiveTurn, takeSensitiveTurn, type Turn } from '../../../tools/test/turns';
import { waitFor } from './lab';
import { TEST_SHARD } from './settings';

/** How long a spec waits for its turn: longer than any shard takes. */
const TURN_TIMEOUT_MS = 45 * 60_000;

let turn: Turn | undefined;

/**
 * Runs around every integration spec (jest.config.js `setupFilesAfterEnv`). In a sharded run
 * (tools/test/run.js sets LAB_TEST_SHARD and LAB_TEST_RUN_DIR) a spec of a class in
 * tools/test/integration-spec-seconds.json first waits for its turn (docs/decisions/0016): an
 * exclusive spec until no other exclusive and no sensitive spec runs in another shard, a sensitive
 * one until no exclusive spec runs or waits, a spec that runs alone until every other shard's
 * process has ended. Light specs do not wait. Each wait is noted for run.js's report.
 */
beforeAll(async () => {
  const key = specKey(REPO_ROOT, expect.getState().testPath ?? '');
  const kind = specClass(key, loadSpecTable());
  const runDir = process.env.LAB_TEST_RUN_DIR;
  if (TEST_SHARD.count === 1 || kind === 'light') return;
  if (!runDir) {
    process.stderr.write(`[turns] ${key}: LAB_TEST_RUN_DIR is unset (not run by npm test): not waiting for a turn\n`);
    return;
  }
  let waitedMs: number;
  if (kind === 'alone') {
    const others = Array.from({ length: TEST_SHARD.count }, (_, i) => i + 1).filter((i) => i !== TEST_SHARD.index);
    const startedAt = Date.now();
    await waitFor(() => others.every((i) => existsSync(shardEndedFile(runDir, i))), {
      timeoutMs: TURN_TIMEOUT_MS,
      intervalMs: 1000,
      what: `shards ${others.map((i) => `${i}/${TEST_SHARD.count}`).join(', ')} to end before ${key} runs alone`,
    });
    waitedMs = Date.now() - startedAt;
  } else {
    const take = kind === 'exclusive' ? takeExclusiveTurn : takeSensitiveTurn;
    turn = await take({ dir: join(runDir, 'turns'), owner: key, timeoutMs: TURN_TIMEOUT_MS });
    waitedMs = turn.waitedMs;
  }
  const seconds = waitedMs / 1000;
  appendFileSync(turnWaitsFile(runDir), `${JSON.stringify({ spec: key, seconds, for: kind })}\n`);
  if (seconds >= 1) process.stderr.write(`[turns] ${key} (${kind}): waited ${seconds.toFixed(1)} s for its turn\n`);
}, TURN_TIMEOUT_MS + 60_000);

// Jest runs a file's root afterAll hooks in the order they were added, this one first: a spec of a
// class keeps its cleanup (brokers, labs) in its describe block's afterAll, which runs before it.
afterAll(() => {
  turn?.release();
  turn = undefined;
});
