import { experimentNames, loadExperiment } from './definition';
import { experimentNeeds, missingBrokers } from './preflight';
import type { LabDescription } from '../../tools/lab';
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

describe('missingBrokers: requires.brokers against the lab that runs', () => {
  const lab = (brokerCount: number | undefined): LabDescription =>
    ({ brokers: '127.0.0.1:9092', ...(brokerCount === undefined ? {} : { brokerCount }) }) as LabDescription;
  const failover = loadExperiment('broker-failover', { short: true });

  it('names the cluster broker-failover needs and how to start it when the lab runs one broker', () => {
    expect(missingBrokers(failover, lab(1))).toEqual({
      name: 'A 3-broker Kafka cluster',
      url: '127.0.0.1:9092',
      why: 'this lab runs 1 broker; broker-failover needs 3',
      start: 'npm run lab -- down, then npm run lab -- up --brokers 3',
    });
    // A lab.json from before clusters has no brokerCount: one broker.
    expect(missingBrokers(failover, lab(undefined))?.why).toBe('this lab runs 1 broker; broker-failover needs 3');
  });

  it('is satisfied by a three-broker lab, by an experiment that requires nothing, and leaves a lab that is not up to the other checks', () => {
    expect(missingBrokers(failover, lab(3))).toBeUndefined();
    expect(missingBrokers(loadExperiment('broker-restart'), lab(1))).toBeUndefined();
    expect(missingBrokers(failover, undefined)).toBeUndefined();
  });
});
