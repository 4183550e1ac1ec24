import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  constantRateScenario,
  loadScenario,
  parseScenario,
  SCENARIO_DIR,
  scenarioNames,
  ScenarioError,
} from './scenario';
import { toK6Options } from './k6-options';
import { peakRate } from './plan';
import { compileThresholds } from './thresholds';

const valid = (): Record<string, unknown> =>
  JSON.parse(readFileSync(join(SCENARIO_DIR, 'smoke.json'), 'utf8')) as Record<string, unknown>;

describe('scenario files', () => {
  it('ships the seven scenarios of the load-testing plan', () => {
    expect(scenarioNames()).toEqual(['average-load', 'breakpoint', 'chaos', 'smoke', 'soak', 'spike', 'stress']);
  });

  it.each(scenarioNames())(
    '%s is valid, states every field (k6 reads it unvalidated) and has parseable thresholds',
    (name) => {
      const raw = JSON.parse(readFileSync(join(SCENARIO_DIR, `${name}.json`), 'utf8')) as unknown;
      const parsed = loadScenario(name);
      expect(parsed.name).toBe(name);
      expect(parsed).toEqual(raw);
      expect(() => compileThresholds(parsed.thresholds)).not.toThrow();
    },
  );

  it('breakpoint aborts on its e2e SLO and soak has a stretchable plateau', () => {
    const bp = loadScenario('breakpoint');
    expect(bp.thresholds.jeeves_e2e_latency).toContainEqual(
      expect.objectContaining({ threshold: 'p(99)<250', abortOnFail: true }),
    );
    expect(loadScenario('soak').stages.filter((s) => s.stretch)).toHaveLength(1);
    expect(loadScenario('chaos').faults.length).toBeGreaterThan(0);
  });

  it('stress steps through 100 → 200 → 300 → 400 it/s and breakpoint ramps to 800 it/s: both pass the knee (~300 msgs/s)', () => {
    const stress = loadScenario('stress');
    const holds = stress.stages.filter((st, i) => i > 0 && st.targetRate === stress.stages[i - 1].targetRate);
    expect(holds.map((st) => st.targetRate)).toEqual([100, 200, 300, 400]);
    const bp = loadScenario('breakpoint');
    expect(peakRate(bp)).toBeGreaterThanOrEqual(600);
    expect(bp.stages).toHaveLength(1);
  });

  it.each(['stress', 'breakpoint'])(
    '%s is mostly POSTs: polling (e2e) and history are at most a tenth of its iterations',
    (name) => {
      const s = loadScenario(name);
      const total = s.mix.reduce((n, m) => n + m.weight, 0);
      const post = s.mix.find((m) => m.flow === 'post')?.weight ?? 0;
      expect(post / total).toBeGreaterThanOrEqual(0.9);
      expect(s.mix.find((m) => m.flow === 'e2e')).toBeDefined();
    },
  );

  it.each(['stress', 'breakpoint'])(
    "%s gives k6 valid arrival-rate options at its peak: every flow's VUs cover its pre-allocation",
    (name) => {
      const s = loadScenario(name);
      for (const k of Object.values(toK6Options(s).scenarios)) {
        if (k.executor !== 'ramping-arrival-rate') continue;
        expect(k.preAllocatedVUs).toBeGreaterThanOrEqual(1);
        expect(k.preAllocatedVUs).toBeLessThanOrEqual(k.maxVUs);
        expect(k.stages.every((st) => Number.isInteger(st.target) && st.target >= 0)).toBe(true);
      }
    },
  );

  it('smoke sends every intent and runs every flow', () => {
    const smoke = loadScenario('smoke');
    expect(smoke.texts).toEqual(expect.arrayContaining(['weather in Paris', 'time in Tokyo', 'help', 'echo hi']));
    expect(smoke.mix.map((m) => m.flow).sort()).toEqual(['e2e', 'history', 'post']);
  });
});

describe('scenario schema: invalid input', () => {
  it.each<[string, (s: Record<string, unknown>) => void, string]>([
    ['no stages', (s) => (s.stages = []), 'stages'],
    ['negative rate', (s) => (s.stages = [{ durationSeconds: 5, targetRate: -1 }]), 'stages.0.targetRate'],
    ['unknown flow', (s) => (s.mix = [{ flow: 'browse', weight: 1 }]), 'mix.0.flow'],
    [
      'a flow twice',
      (s) =>
        (s.mix = [
          { flow: 'e2e', weight: 1 },
          { flow: 'e2e', weight: 2 },
        ]),
      'each flow at most once',
    ],
    ['bad threshold key', (s) => (s.thresholds = { 'HTTP duration': ['p(95)<1'] }), 'thresholds'],
    ['unknown field', (s) => (s.rps = 5), 'rps'],
    ['missing maxVUs', (s) => delete s.maxVUs, 'maxVUs'],
    [
      'fault on an unknown service',
      (s) => (s.faults = [{ atSeconds: 1, service: 'db', fault: { type: 'crash' } }]),
      'faults.0.service',
    ],
  ])('rejects %s, naming the field', (_name, mutate, expected) => {
    const raw = valid();
    mutate(raw);
    expect(() => parseScenario(raw, 'test')).toThrow(ScenarioError);
    expect(() => parseScenario(raw, 'test')).toThrow(expected);
  });

  it('names the known scenarios when one is missing', () => {
    expect(() => loadScenario('nope')).toThrow(/Known: average-load, breakpoint/);
  });
});

describe('constantRateScenario', () => {
  it('offers one flow at one rate from the first second, with no thresholds or faults', () => {
    const s = constantRateScenario({
      name: 'step',
      rate: 150,
      durationSeconds: 10,
      flow: 'post',
      texts: ['echo hi'],
      maxVUs: 500,
    });
    expect(s.startRate).toBe(150);
    expect(s.stages).toEqual([{ durationSeconds: 10, targetRate: 150 }]);
    expect(s.mix).toEqual([{ flow: 'post', weight: 1 }]);
    expect(peakRate(s)).toBe(150);
    expect(s.thresholds).toEqual({});
    expect(s.faults).toEqual([]);
    expect(s.e2e).toEqual({ pollIntervalMs: 100, deadlineMs: 1000 });
  });

  it('refuses what a scenario file would refuse, naming the step', () => {
    expect(() =>
      constantRateScenario({ name: 'bad-step', rate: 10, durationSeconds: 5, flow: 'post', texts: [], maxVUs: 10 }),
    ).toThrow(/bad-step is not a valid scenario/);
  });
});
