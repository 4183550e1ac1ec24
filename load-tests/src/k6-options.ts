/**
 * Turns a scenario into k6 `options`: one `ramping-arrival-rate` scenario per flow (k6's idiom for a
 * request mix, with the flow as a tag), one single-shot scenario per chaos fault (`startTime` is
 * the fault's offset), and the thresholds as written. Pure: k6 runs a generated copy of this file.
 */
import { flowPlans, k6Duration } from './plan';
import type { FlowName, Scenario } from './scenario-types';

/** The exported function of load-tests/k6/run.js that runs each flow. */
export const FLOW_EXEC: Readonly<Record<FlowName, string>> = {
  e2e: 'e2eFlow',
  post: 'postFlow',
  history: 'historyFlow',
};

export interface K6ArrivalScenario {
  executor: 'ramping-arrival-rate';
  exec: string;
  startRate: number;
  timeUnit: '1m';
  preAllocatedVUs: number;
  maxVUs: number;
  stages: Array<{ duration: string; target: number }>;
  tags: Record<string, string>;
}

export interface K6FaultScenario {
  executor: 'shared-iterations';
  exec: 'injectFault';
  vus: 1;
  iterations: 1;
  startTime: string;
  maxDuration: string;
  env: Record<string, string>;
  tags: Record<string, string>;
}

export interface K6Options {
  scenarios: Record<string, K6ArrivalScenario | K6FaultScenario>;
  thresholds: Record<string, Array<string | { threshold: string; abortOnFail?: boolean; delayAbortEval?: string }>>;
  summaryTrendStats: string[];
  setupTimeout: string;
}

export const SUMMARY_TREND_STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)', 'count'];

export function toK6Options(scenario: Scenario): K6Options {
  const scenarios: K6Options['scenarios'] = {};
  for (const plan of flowPlans(scenario)) {
    scenarios[`${scenario.name}_${plan.flow}`] = {
      executor: 'ramping-arrival-rate',
      exec: FLOW_EXEC[plan.flow],
      startRate: plan.startPerMinute,
      timeUnit: '1m',
      preAllocatedVUs: plan.preAllocatedVUs,
      maxVUs: plan.maxVUs,
      stages: plan.stages.map((s) => ({ duration: k6Duration(s.durationMs), target: s.targetPerMinute })),
      tags: { flow: plan.flow },
    };
  }
  scenario.faults.forEach((step, index) => {
    scenarios[`fault_${index}_${step.fault.type}`] = {
      executor: 'shared-iterations',
      exec: 'injectFault',
      vus: 1,
      iterations: 1,
      startTime: k6Duration(Math.round(step.atSeconds * 1000)),
      maxDuration: '30s',
      env: { FAULT_INDEX: String(index) },
      tags: { flow: 'chaos' },
    };
  });
  const thresholds: K6Options['thresholds'] = {};
  for (const [metric, conditions] of Object.entries(scenario.thresholds)) {
    thresholds[metric] = conditions.map((c) => (typeof c === 'string' ? c : { ...c }));
  }
  return { scenarios, thresholds, summaryTrendStats: [...SUMMARY_TREND_STATS], setupTimeout: '60s' };
}
