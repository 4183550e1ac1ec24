import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExperimentEvent } from '#libs/contracts';
import { labCliEnv, LabCliError, parseEventLine, ProcessLabCli, repositoryRoot, whyLine } from './lab-cli';
import { sampleDescription, writeFakeLabCli } from './testing/fake-lab-cli';

/** The console's side of the lab CLI, against a stand-in CLI program run as a real child process. */
describe('ProcessLabCli', () => {
  const dir = mkdtempSync(join(tmpdir(), 'console-lab-cli-'));
  const cliPath = writeFakeLabCli(dir);
  const described = [sampleDescription('provider-outage'), sampleDescription('flood', { requiresBrokers: 3 })];
  const env = labCliEnv(
    {
      PATH: process.env.PATH,
      LAB_FAKE_DESCRIBED: JSON.stringify(described),
      CONSOLE_ADMIN_CLIENT_SECRET: 'lab-admin-secret',
      PORT: '3010',
      WORKER_CONCURRENCY: '4',
    },
    '/labs/test',
  );
  const cli = (options: Partial<{ cliPath: string; envOverride: NodeJS.ProcessEnv }> = {}) =>
    new ProcessLabCli({
      cliPath: options.cliPath ?? cliPath,
      cwd: dir,
      resultsRoot: dir,
      env: options.envOverride ?? env,
      describeTimeoutMs: 10_000,
    });

  const run = async (name: string, short = false, interruptWhen?: (e: ExperimentEvent) => boolean) => {
    const events: ExperimentEvent[] = [];
    const lines: string[] = [];
    const started = cli().runExperiment(
      name,
      { short },
      {
        event: (event) => {
          events.push(event);
          if (interruptWhen?.(event)) started.interrupt();
        },
        log: (line) => lines.push(line),
      },
    );
    const exit = await started.exited;
    return { exit, events, lines };
  };

  it('reads the described experiments, checked against the contract', async () => {
    expect(await cli().describeExperiments()).toEqual(described);
  });

  it('says why when the CLI cannot describe them (bad output, a failing or missing CLI)', async () => {
    await expect(
      cli({ envOverride: { ...env, LAB_FAKE_DESCRIBED: '[{"name":"x"}]' } }).describeExperiments(),
    ).rejects.toThrow(LabCliError);
    await expect(cli({ envOverride: { ...env, LAB_FAKE_DESCRIBED: 'nope' } }).describeExperiments()).rejects.toThrow(
      /printed no JSON/,
    );
    await expect(cli({ cliPath: join(dir, 'missing.js') }).describeExperiments()).rejects.toThrow(
      /the lab CLI is not built \(.*missing\.js\): run `sh tools\/bootstrap\.sh`/,
    );
    const crashing = join(dir, 'crashing.js');
    writeFileSync(crashing, "require('./nowhere');");
    await expect(cli({ cliPath: crashing }).describeExperiments()).rejects.toThrow(
      /lab experiments --json exited 1: Error: Cannot find module '\.\/nowhere'/,
    );
  });

  it('runs an experiment: events in order, the other lines as log, exit 0; --short and --results passed', async () => {
    const { exit, events, lines } = await run('quick', true);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(events.map((e) => e.type)).toEqual(['run', 'phase', 'phase', 'probe', 'step', 'verdict', 'report']);
    expect(events[0]).toEqual({ type: 'run', experiment: 'quick', short: true, index: 1, of: 1 });
    expect(lines).toContain('quick (short): PASSED in 2.0 s');
    expect(existsSync(join(dir, 'results', '2026-12-01T10-00-00Z-quick', 'report.html'))).toBe(true);
  });

  it("hands the CLI the lab's state dir and settings, never the console's secrets or port", async () => {
    const { lines } = await run('quick');
    expect(lines[0]).toBe('fake lab: state /labs/test, console secret none, port none');
    expect(env).toEqual(expect.objectContaining({ LAB_STATE_DIR: '/labs/test', WORKER_CONCURRENCY: '4' }));
    expect(Object.keys(env).filter((k) => k.startsWith('CONSOLE_') || k === 'PORT')).toEqual([]);
  });

  it('reports exit 2 (could not run) with the line that says why', async () => {
    const { exit, lines } = await run('down');
    expect(exit.code).toBe(2);
    expect(lines.at(-1)).toMatch(/^lab experiment: Prometheus is not answering/);
  });

  it('interrupts a run (SIGINT, the CLI rolls back and tells its verdict) and kills one that does not stop', async () => {
    const interrupted = await run('waits', false, (e) => e.type === 'phase' && e.phase === 'baseline');
    expect(interrupted.exit).toEqual({ code: 1, signal: null });
    expect(interrupted.events.at(-1)).toEqual(expect.objectContaining({ type: 'verdict', interrupted: true }));
    expect(interrupted.lines).toContain('a line that is no event');

    const stubborn = cli().runExperiment(
      'stubborn',
      { short: false },
      {
        event: (e) => {
          if (e.type === 'phase' && e.phase === 'baseline') stubborn.interrupt();
        },
        log: (line) => {
          if (/still rolling back/.test(line)) stubborn.kill();
        },
      },
    );
    expect(await stubborn.exited).toEqual({ code: null, signal: 'SIGKILL' });
  });

  it('takes only lines in the contract shape as events', () => {
    expect(parseEventLine('{"type":"phase","phase":"method","atS":20}')).toEqual({
      type: 'phase',
      phase: 'method',
      atS: 20,
    });
    for (const line of ['', 'provider-outage: PASSED', '{"type":"phase","phase":"lunch","atS":1}', '{not json', '[]'])
      expect(parseEventLine(line)).toBeUndefined();
  });

  it('picks the line of the output that says why', () => {
    expect(whyLine(['loading', 'lab experiment: Kafka is not answering', 'Node.js v24.21.0'])).toBe(
      'lab experiment: Kafka is not answering',
    );
    expect(whyLine(['x', 'TypeError: boom', '    at f (a.js:1:1)', '}', '', 'Node.js v24.21.0'])).toBe(
      'TypeError: boom',
    );
    expect(whyLine(['starting', 'killed', ''])).toBe('killed');
    expect(whyLine([])).toBeUndefined();
  });

  it('finds the repository this module was built from', () => {
    expect(existsSync(join(repositoryRoot(), 'experiments', 'provider-outage', 'experiment.yaml'))).toBe(true);
  });
});
