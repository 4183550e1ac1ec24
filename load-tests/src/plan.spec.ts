import { toK6Options, type K6ArrivalScenario, type K6FaultScenario } from './k6-options';
import { parseDuration } from '../../tools/common';
import { applyOverrides, flowPlans, k6Duration, totalDurationSeconds } from './plan';
import { loadScenario, scenarioNames, type Scenario } from './scenario';
import { arrivalTimes, expectedIterations } from './schedule';
import { compileThresholds } from './thresholds';

function scenario(partial: Partial<Scenario> = {}): Scenario {
  return { ...loadScenario('smoke'), ...partial };
}

describe('applyOverrides', () => {
  const base = scenario({
    startRate: 1,
    stages: [
      { durationSeconds: 10, targetRate: 4 },
      { durationSeconds: 20, targetRate: 2 },
    ],
  });

  it('--rate scales every stage so the peak is the given rate', () => {
    const s = applyOverrides(base, { rate: 8 });
    expect(s.startRate).toBe(2);
    expect(s.stages.map((x) => x.targetRate)).toEqual([8, 4]);
  });

  it('--duration scales all stages when none is stretchable', () => {
    const s = applyOverrides(base, { durationSeconds: 60 });
    expect(s.stages.map((x) => x.durationSeconds)).toEqual([20, 40]);
  });

  it('--duration only stretches the marked stages (a soak plateau) and keeps faults proportional', () => {
    const soak = scenario({
      stages: [
        { durationSeconds: 60, targetRate: 10 },
        { durationSeconds: 600, targetRate: 10, stretch: true },
        { durationSeconds: 60, targetRate: 0 },
      ],
      faults: [{ atSeconds: 360, service: 'provider', fault: { type: 'crash' } }],
    });
    const s = applyOverrides(soak, { durationSeconds: 7200 });
    expect(s.stages.map((x) => x.durationSeconds)).toEqual([60, 7080, 60]);
    expect(totalDurationSeconds(s.stages)).toBe(7200);
    expect(s.faults[0].atSeconds).toBe(3600);
    // Shorter than the fixed ramps: everything shrinks alike.
    expect(applyOverrides(soak, { durationSeconds: 72 }).stages.map((x) => x.durationSeconds)).toEqual([6, 60, 6]);
  });

  it('--vus sets maxVUs; nonsense is refused', () => {
    expect(applyOverrides(base, { vus: 7 }).maxVUs).toBe(7);
    expect(() => applyOverrides(base, { vus: 0 })).toThrow(/--vus/);
    expect(() => applyOverrides(base, { rate: -1 })).toThrow(/--rate/);
  });

  it('leaves the input alone', () => {
    const copy = structuredClone(base);
    applyOverrides(base, { rate: 100, durationSeconds: 5, vus: 3 });
    expect(base).toEqual(copy);
  });
});

describe('flowPlans', () => {
  it('splits the rate by weight in whole iterations per minute', () => {
    const s = scenario({
      startRate: 0,
      stages: [{ durationSeconds: 60, targetRate: 1 }],
      maxVUs: 10,
      mix: [
        { flow: 'e2e', weight: 3 },
        { flow: 'post', weight: 1 },
        { flow: 'history', weight: 1 },
      ],
    });
    const plans = flowPlans(s);
    expect(plans.map((p) => [p.flow, p.stages[0].targetPerMinute, p.maxVUs])).toEqual([
      ['e2e', 36, 6],
      ['post', 12, 2],
      ['history', 12, 2],
    ]);
    expect(plans.reduce((n, p) => n + p.share, 0)).toBeCloseTo(1);
  });
});

describe('both drivers get the same stages and thresholds from one scenario', () => {
  it.each(scenarioNames())('%s', (name) => {
    const s = applyOverrides(loadScenario(name), { rate: 7, durationSeconds: name === 'soak' ? 300 : 42 });
    const k6 = toK6Options(s);
    const builtin = flowPlans(s);
    // k6: one ramping-arrival-rate scenario per flow with the built-in driver's per-flow schedule.
    const arrival = Object.values(k6.scenarios).filter(
      (x): x is K6ArrivalScenario => x.executor === 'ramping-arrival-rate',
    );
    expect(arrival).toHaveLength(builtin.length);
    for (const plan of builtin) {
      const k = arrival.find((a) => a.tags.flow === plan.flow) as K6ArrivalScenario;
      expect(k.timeUnit).toBe('1m');
      expect(k.startRate).toBe(plan.startPerMinute);
      expect(k.maxVUs).toBe(plan.maxVUs);
      expect(
        k.stages.map((st) => ({
          durationMs: Math.round(parseDuration(st.duration).seconds * 1000),
          targetPerMinute: st.target,
        })),
      ).toEqual(plan.stages);
      expect(k.stages.every((st) => Number.isInteger(st.target))).toBe(true);
    }
    // Thresholds: k6 gets them verbatim; the built-in evaluator compiles exactly the same set.
    expect(k6.thresholds).toEqual(s.thresholds);
    const compiled = compileThresholds(s.thresholds).map((c) => [c.key, c.parsed.source, c.parsed.abortOnFail]);
    const fromK6 = Object.entries(k6.thresholds).flatMap(([key, list]) =>
      list.map((t) => (typeof t === 'string' ? [key, t, false] : [key, t.threshold, t.abortOnFail === true])),
    );
    expect(compiled).toEqual(fromK6);
    // Faults: one single-shot k6 scenario each, at the same offset.
    const faults = Object.values(k6.scenarios).filter((x): x is K6FaultScenario => x.executor === 'shared-iterations');
    expect(faults.map((f) => parseDuration(f.startTime).seconds)).toEqual(
      s.faults.map((f) => Math.round(f.atSeconds * 1000) / 1000),
    );
  });

  it('k6 durations are whole seconds or milliseconds', () => {
    expect(k6Duration(30_000)).toBe('30s');
    expect(k6Duration(1_500)).toBe('1500ms');
  });
});

describe('arrivalTimes (ramping arrival rate)', () => {
  it('a constant 10/s for 2 s gives 20 evenly spaced arrivals', () => {
    const times = [...arrivalTimes({ startPerMinute: 600, stages: [{ durationMs: 2000, targetPerMinute: 600 }] })];
    expect(times).toHaveLength(20);
    times.forEach((t, i) => expect(t).toBeCloseTo((i + 1) * 100, 6));
  });

  it('a ramp 0 → 10/s over 10 s gives 50 arrivals, denser at the end, t_k = sqrt(2k)', () => {
    const times = [...arrivalTimes({ startPerMinute: 0, stages: [{ durationMs: 10_000, targetPerMinute: 600 }] })];
    expect(times).toHaveLength(50);
    // N(t) = t²/2 (t in s) → t_k = sqrt(2k).
    times.forEach((t, i) => expect(t / 1000).toBeCloseTo(Math.sqrt(2 * (i + 1)), 6));
  });

  it('ramp down and multiple stages keep the count and stay sorted within the run', () => {
    const plan = {
      startPerMinute: 1200,
      stages: [
        { durationMs: 5000, targetPerMinute: 0 },
        { durationMs: 3000, targetPerMinute: 600 },
        { durationMs: 1000, targetPerMinute: 600 },
      ],
    };
    const times = [...arrivalTimes(plan)];
    expect(times).toHaveLength(expectedIterations(plan));
    expect(times.length).toBe(50 + 15 + 10);
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(times[i - 1]);
    expect(times[times.length - 1]).toBeLessThanOrEqual(9000);
  });

  it('a zero-rate stage yields nothing', () => {
    expect([...arrivalTimes({ startPerMinute: 0, stages: [{ durationMs: 5000, targetPerMinute: 0 }] })]).toEqual([]);
  });
});
