import { experimentEventSchema, type ExperimentEvent } from '#libs/contracts';
import { FakePrometheus } from '../../tools/common/testing';
import { breakerLab, miniExperiment, passingLoad } from './testing';
import { runExperiment } from './runner';

const quiet = (): void => undefined;
const fast = { pollIntervalMs: 20, watchIntervalMs: 20, log: quiet };

/** What `lab experiment --events` writes, as the runner tells it: in the order things happen, each in the contract's shape. */
describe('the run as events', () => {
  it('tells phases, steps, probes, measurements, rollbacks and the verdict as they happen, in the contract shape', async () => {
    const seen: Array<{ event: ExperimentEvent; at: number }> = [];
    const started = Date.now();
    const record = await runExperiment(miniExperiment(), {
      lab: breakerLab(),
      prometheus: new FakePrometheus(() => 0),
      load: passingLoad(),
      ...fast,
      onEvent: (event) => seen.push({ event, at: Date.now() - started }),
    });
    const events = seen.map((s) => s.event);
    for (const event of events) expect(experimentEventSchema.parse(event)).toEqual(event);

    const phases = events.flatMap((e) => (e.type === 'phase' ? [e.phase] : []));
    expect(phases).toEqual(['setup', 'baseline', 'method', 'recovery', 'load-end', 'rollback', 'measure']);
    const kinds = events.filter((e) => e.type !== 'progress').map((e) => (e.type === 'phase' ? e.phase : e.type));
    // The steady state is told before the first step starts; the verdict comes last.
    expect(kinds.indexOf('probe')).toBeLessThan(kinds.indexOf('step'));
    expect(kinds.at(-1)).toBe('verdict');
    const steps = events.filter((e) => e.type === 'step');
    expect(steps).toEqual([
      expect.objectContaining({ state: 'started', id: 'outage', index: 0 }),
      expect.objectContaining({ state: 'ended', id: 'outage', endS: expect.any(Number) }),
    ]);
    expect(events.filter((e) => e.type === 'probe').map((e) => `${e.phase}:${e.name}:${e.outcome}`)).toEqual(
      record.probes.map((p) => `${p.phase}:${p.name}:${p.outcome}`),
    );
    expect(events.filter((e) => e.type === 'measurement').map((e) => e.name)).toEqual(['reaction', 'recovery']);
    expect(events.filter((e) => e.type === 'rollback')).toEqual([
      expect.objectContaining({ type: 'rollback', ok: true }),
    ]);
    expect(events.at(-1)).toEqual(
      expect.objectContaining({ type: 'verdict', passed: true, failures: [], interrupted: false }),
    );
    // Live, not at the end: the first probe was told before the method's step ended.
    const firstProbe = seen.find((s) => s.event.type === 'probe')!.at;
    const stepEnded = seen.find((s) => s.event.type === 'step' && s.event.state === 'ended')!.at;
    expect(firstProbe).toBeLessThan(stepEnded);
  });

  it('tells the progress about once a second with every watched series', async () => {
    const events: ExperimentEvent[] = [];
    await runExperiment(miniExperiment({ load: { rate: 1, durationSeconds: 2.5, rampSeconds: 0 } }), {
      lab: breakerLab(),
      prometheus: new FakePrometheus(() => 0),
      load: passingLoad(),
      ...fast,
      onEvent: (event) => events.push(event),
    });
    const progress = events.filter((e) => e.type === 'progress');
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress[0].watched.map((w) => w.name)).toEqual(
      expect.arrayContaining(['breaker_state{closed} on worker', 'breaker_state{open} on worker']),
    );
  });

  it('a cancel that comes during the preflight stops the run before its method (interrupted, rolled back)', async () => {
    const lab = breakerLab();
    const cancel = new AbortController();
    const events: ExperimentEvent[] = [];
    const record = await runExperiment(miniExperiment(), {
      lab,
      prometheus: new FakePrometheus(() => 0),
      load: passingLoad(),
      ...fast,
      signal: cancel.signal,
      preflight: async () => cancel.abort(),
      onEvent: (event) => events.push(event),
    });
    expect(record.interrupted).toBe(true);
    expect(lab.calls).toEqual([]);
    expect(events.at(-1)).toEqual(expect.objectContaining({ type: 'verdict', passed: false, interrupted: true }));
  });
});
