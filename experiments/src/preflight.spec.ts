import { experimentNames, loadExperiment } from './definition';
import { experimentNeeds } from './preflight';
import { miniExperiment } from './testing';

describe('experimentNeeds: what an experiment reads and drives, from its definition', () => {
  it('provider-outage: Prometheus, the broker, the load driver, the faulted provider and the watched worker', () => {
    expect(experimentNeeds(loadExperiment('provider-outage', { short: true })).sort()).toEqual(
      ['prometheus', 'kafka', 'gateway', 'token-dealer', 'provider', 'worker/metrics'].sort(),
    );
  });

  it("adds the ledger's counters (gateway and data-service /metrics) and every watched app of measurements", () => {
    const e = miniExperiment({
      ledger: { drainSeconds: 5 },
      measurements: [
        {
          name: 'stall',
          unit: 's',
          from: 'start',
          to: 'end',
          stall: { app: 'bot', metric: 'jeeves_messages_handled_total' },
        },
      ],
    });
    expect(experimentNeeds(e)).toEqual(
      expect.arrayContaining(['gateway/metrics', 'data-service/metrics', 'bot/metrics', 'worker/metrics']),
    );
  });

  it('needs Prometheus even with no PromQL probe: every report plots the standard charts from it', () => {
    const e = miniExperiment({ steadyState: [], deviation: [] });
    expect(experimentNeeds(e)).toContain('prometheus');
  });

  it('every shipped experiment needs the load driver targets and no part twice', () => {
    for (const name of experimentNames()) {
      const needs = experimentNeeds(loadExperiment(name));
      expect(needs).toEqual(expect.arrayContaining(['prometheus', 'kafka', 'gateway', 'token-dealer']));
      expect(new Set(needs).size).toBe(needs.length);
    }
  });
});
