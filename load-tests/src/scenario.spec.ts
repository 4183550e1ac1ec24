import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadScenario, parseScenario, SCENARIO_DIR, scenarioNames, ScenarioError } from './scenario';
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
