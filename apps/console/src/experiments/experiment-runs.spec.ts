import type { ExperimentEvent } from '#libs/contracts';
import { ProblemError } from '#libs/platform';
import { ExperimentRuns } from './experiment-runs';
import { FakeLabCli } from './testing/fake-lab-cli';

const verdict = (passed: boolean): ExperimentEvent => ({
  type: 'verdict',
  passed,
  failures: passed ? [] : ['during: "breaker opens" expected == 1, measured 0, out of bounds'],
  noData: [],
  durationSeconds: 55,
  recoverySeconds: 1.2,
  interrupted: false,
});

describe('experiment runs: one at a time, cancel, feed', () => {
  it('applies the redaction to every string of an event too, not only to printed lines', async () => {
    const cli = new FakeLabCli();
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    const redact = (line: string) => line.split(jwt).join('[token]').split('s3cret').join('[secret]');
    const runs = new ExperimentRuns(cli, { cancelGraceMs: 1000, redact });
    runs.start('provider-outage', false);
    cli.runs[0].event({
      type: 'step',
      state: 'ended',
      index: 0,
      label: 'inject error into provider',
      startS: 10,
      error: `chaos API answered 401: Bearer ${jwt}`,
    });
    cli.runs[0].event({ type: 'rollback', action: 'clear faults', ok: false, error: 'client_secret=s3cret refused' });
    cli.runs[0].event({
      type: 'verdict',
      passed: false,
      failures: [`probe saw ${jwt}`],
      noData: [],
      durationSeconds: 55,
      recoverySeconds: null,
      interrupted: false,
    });
    cli.runs[0].exit({ code: 1, signal: null });
    await runs.settled();
    const text = JSON.stringify(runs.read());
    expect(text).not.toContain(jwt);
    expect(text).not.toContain('s3cret');
    expect(text).toContain('chaos API answered 401: Bearer [token]');
    expect(text).toContain('client_secret=[secret] refused');
    expect(runs.read()?.run.state).toBe('failed');
  });

  it('refuses a second run while one is in progress (409 naming it), and takes one once it ended', async () => {
    const cli = new FakeLabCli();
    const runs = new ExperimentRuns(cli, { cancelGraceMs: 1000 });
    const first = runs.start('provider-outage', true);
    expect(first).toMatchObject({ experiment: 'provider-outage', short: true, state: 'running' });
    let refused: unknown;
    try {
      runs.start('flood', false);
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(ProblemError);
    expect(refused).toMatchObject({ status: 409, code: 'conflict', extensions: { runId: first.id } });
    expect((refused as Error).message).toMatch(/provider-outage \(short\) is running .*one experiment runs at a time/);
    expect(cli.runs).toHaveLength(1);

    cli.runs[0].event(verdict(true));
    cli.runs[0].exit({ code: 0, signal: null });
    await runs.settled();
    expect(runs.read()?.run.state).toBe('passed');
    const second = runs.start('flood', false);
    expect(second.id).not.toBe(first.id);
    expect(cli.runs.map((r) => `${r.name}${r.short ? ' --short' : ''}`)).toEqual(['provider-outage --short', 'flood']);
  });

  it.each([
    [{ code: 0, signal: null }, true, 'passed', undefined],
    [{ code: 1, signal: null }, true, 'failed', undefined],
    [{ code: 2, signal: null }, false, 'could-not-run', /Prometheus is not answering/],
    [{ code: 1, signal: null }, false, 'crashed', /exit code 1: lab experiment: Prometheus/],
    [{ code: null, signal: 'SIGSEGV' as const }, false, 'crashed', /on SIGSEGV/],
    [{ code: null, signal: null, error: 'spawn ENOENT' }, false, 'crashed', /could not start: spawn ENOENT/],
  ])('ends %j (verdict told: %s) as %s', async (exit, withVerdict, state, problem) => {
    const cli = new FakeLabCli();
    const runs = new ExperimentRuns(cli, { cancelGraceMs: 1000 });
    runs.start('provider-outage', false);
    cli.runs[0].log('lab experiment: Prometheus is not answering on http://127.0.0.1:9090 (not running)');
    if (withVerdict) cli.runs[0].event(verdict(exit.code === 0));
    cli.runs[0].exit(exit);
    await runs.settled();
    const run = runs.read()!.run;
    expect(run.state).toBe(state);
    if (problem) expect(run.problem).toMatch(problem);
    else expect(run.problem).toBeUndefined();
    expect(run.endedAt).toBeDefined();
  });

  it('cancels by interrupting the CLI, which rolls back and ends: cancelled, never killed', async () => {
    const cli = new FakeLabCli();
    const runs = new ExperimentRuns(cli, { cancelGraceMs: 60_000 });
    const { id } = runs.start('provider-outage', true);
    expect(runs.cancel(id).state).toBe('cancelling');
    await runs.settled();
    expect(cli.runs[0].interrupts).toBe(1);
    expect(cli.runs[0].kills).toBe(0);
    const run = runs.read()!.run;
    expect(run.state).toBe('cancelled');
    expect(run.problem).toBeUndefined();
    // A cancel of an ended run is a conflict; of another run, not found.
    expect(() => runs.cancel(id)).toThrow(expect.objectContaining({ status: 409 }));
    expect(() => runs.cancel('8e0e5b5e-0000-4000-8000-000000000000')).toThrow(expect.objectContaining({ status: 404 }));
  });

  it('kills a CLI still running when the grace after the cancel is over (bounded), and says so', async () => {
    jest.useFakeTimers();
    try {
      const cli = new FakeLabCli();
      const runs = new ExperimentRuns(cli, { cancelGraceMs: 5000 });
      const { id } = runs.start('provider-outage', false);
      cli.runs[0].onInterrupt = () => undefined; // stuck in its rollback
      runs.cancel(id);
      runs.cancel(id); // a second click interrupts nothing more
      await jest.advanceTimersByTimeAsync(4900);
      expect(cli.runs[0].kills).toBe(0);
      await jest.advanceTimersByTimeAsync(200);
      expect(cli.runs[0].interrupts).toBe(1);
      expect(cli.runs[0].kills).toBe(1);
      await runs.settled();
      const run = runs.read()!.run;
      expect(run.state).toBe('cancelled');
      expect(run.problem).toMatch(/killed before it finished rolling back/);
    } finally {
      jest.useRealTimers();
    }
  });

  it('numbers the feed so the page reads only what is new, and keeps phases and the verdict when it trims', async () => {
    const cli = new FakeLabCli();
    const runs = new ExperimentRuns(cli, { cancelGraceMs: 1000, maxFeedEntries: 10 });
    runs.start('provider-outage', true);
    const run = cli.runs[0];
    run.event({ type: 'phase', phase: 'baseline', atS: 0 });
    for (let i = 0; i < 30; i++) run.log(`progress line ${i}`);
    run.event({ type: 'phase', phase: 'method', atS: 20 });
    run.event(verdict(true));
    const all = runs.read(0)!;
    expect(all.entries).toHaveLength(10);
    expect(all.entries.map((e) => (e.kind === 'event' ? e.event.type : 'log'))).toEqual([
      'phase',
      ...Array(7).fill('log'),
      'phase',
      'verdict',
    ]);
    expect(all.run.lastSeq).toBe(33);
    expect(runs.read(31)!.entries.map((e) => e.seq)).toEqual([32, 33]);
    expect(runs.read(33)!.entries).toEqual([]);
  });

  it('on shutdown interrupts a run in progress and kills it if it outlasts the wait', async () => {
    const cli = new FakeLabCli();
    const runs = new ExperimentRuns(cli, { cancelGraceMs: 60_000 });
    runs.start('provider-outage', false);
    cli.runs[0].onInterrupt = () => undefined;
    await runs.stop(50);
    expect(cli.runs[0].interrupts).toBe(1);
    expect(cli.runs[0].kills).toBe(1);
    expect(runs.read()!.run.state).toBe('cancelled');
  });
});
