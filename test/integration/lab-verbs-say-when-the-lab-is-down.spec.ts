import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, runLabCli, type CliRun } from './support/lab-cli';
import { specLabOffset } from './support/settings';

/**
 * Every verb that needs running parts, spawned as a user runs it (`node dist/tools/lab/main.js`)
 * against a state dir where no lab was ever started, on ports no other lab of this machine uses:
 * each must exit 2 within seconds with one line naming what is down and the command that starts it
 * — not `fetch failed`, not a stack trace, not a verdict. The test lab's own parts are not touched.
 */
describe('verbs against a lab that is not running', () => {
  let stateDir: string;
  let results: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'lab-down-'));
    results = mkdtempSync(join(tmpdir(), 'lab-down-results-'));
    // Offset 16800 (+ the shard's shift): apps on 19800-19805, Prometheus on 25890; the broker on a free port.
    env = {
      ...process.env,
      LAB_STATE_DIR: stateDir,
      LAB_PORT_OFFSET: String(specLabOffset('verbsWhenDown')),
      KAFKA_PORT: String(await freePort()),
      EXPERIMENT_RESULTS_ROOT: results,
      LOAD_RESULTS_ROOT: results,
    };
    for (const name of ['KAFKA_BROKERS', 'PROMETHEUS_PORT', 'JEEVES_TOPIC_PREFIX']) delete env[name];
  });
  afterAll(() => {
    rmSync(stateDir, { recursive: true, force: true });
    rmSync(results, { recursive: true, force: true });
  });

  const lab = (...args: string[]): Promise<CliRun> => runLabCli(args, { env, timeoutMs: 30_000 });

  it.each([
    [['ledger-test'], ['Kafka', 'gateway', 'token-dealer', 'data-service', 'provider', 'bot', 'worker']],
    [
      ['experiment', 'provider-outage', '--short'],
      ['Prometheus', 'Kafka', 'gateway', 'worker /metrics'],
    ],
    [
      ['load', 'smoke', '--duration', '5s'],
      ['gateway', 'token-dealer'],
    ],
    [['dlq'], ['Kafka']],
    [
      ['chaos', 'latency', '--ms', '200', '--service', 'worker'],
      ['token-dealer', 'worker'],
    ],
    [['trace', 'a-message-id'], ['data-service']],
    [['scale', 'worker', '2'], ['Kafka']],
    [['restart', 'worker'], ['Kafka']],
  ])(
    'lab %j exits 2 naming %j and `npm run lab -- up`',
    async (args, parts) => {
      const run = await lab(...args);
      expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 2, stdout: '' });
      const lines = run.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^lab ${args[0]}: `));
      expect(lines[0]).toMatch(/: start (it|them) with npm run lab -- up$/);
      for (const part of parts) expect(lines[0]).toContain(part);
      expect(lines[0]).not.toMatch(/fetch failed|FAILED|PASSED|Error:|\n\s+at /);
      // Nothing was tried: no report, no summary, no state written for a lab that is not there.
      expect(existsSync(join(results, 'results'))).toBe(false);
      expect(run.ms).toBeLessThan(10_000);
    },
    40_000,
  );

  it('`kill` and `logs` need nothing running: they say what they found', async () => {
    const kill = await lab('kill', 'worker');
    expect({ code: kill.code, stderr: kill.stderr.trim() }).toEqual({ code: 0, stderr: 'worker: was not running' });
    const logs = await lab('logs', 'gateway');
    expect({ code: logs.code, stdout: logs.stdout.trim() }).toEqual({ code: 0, stdout: '(no log yet for gateway)' });
  }, 40_000);
});
