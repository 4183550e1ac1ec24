import { performance } from 'node:perf_hooks';
import {
  DEFAULT_CLIENTS,
  type JeevesTarget,
  progressLine,
  runScenario,
  type SecondSummary,
  loadScenario,
  parseScenario,
  type FlowName,
  type Scenario,
  type ThresholdResult,
} from '../../load-tests/src';
import type { Experiment } from './definition';

/** One load the runner asks for: the experiment's own (`main`) or a flood step's second client. */
export interface LoadRequest {
  readonly experiment: Experiment;
  readonly role: 'main' | 'flood';
  readonly client: 'demo' | 'admin';
  readonly rate?: number;
  readonly flow?: FlowName;
  readonly durationSeconds?: number;
}

export interface LoadOutcome {
  readonly passed: boolean;
  readonly thresholds: readonly ThresholdResult[];
  /** 202s the driver got: what the ledger must find accepted and completed. */
  readonly accepted: number;
  readonly requests: number;
  readonly failedRate: number;
  readonly timeline: readonly SecondSummary[];
  readonly aborted?: string;
}

/** Runs a load until its schedule ends or the signal aborts; `onLine` gets a progress line each second. */
export interface LoadHandle {
  /**
   * `performance.now()` when the load's schedule began: after the driver's readiness check and
   * token fetch, which take seconds on a busy machine. The method's timeline counts from here.
   */
  readonly started: Promise<number>;
  readonly done: Promise<LoadOutcome>;
}

/** Starts a load that runs until its schedule ends or the signal aborts; `onLine` gets a progress line each second. */
export type LoadStarter = (request: LoadRequest, signal: AbortSignal, onLine: (line: string) => void) => LoadHandle;

/**
 * The experiment's load as a load-tests scenario: the base scenario lends texts, users and polling;
 * the experiment sets a ramp then a constant arrival rate, and its own thresholds. Faults are the
 * experiment's method, never the scenario's.
 */
export function scenarioFor(request: LoadRequest): Scenario {
  const { experiment } = request;
  const base = loadScenario(experiment.load.scenario);
  if (request.role === 'flood') {
    const rate = request.rate ?? 1;
    return parseScenario({
      ...base,
      name: `${experiment.name}-flood`,
      description: `flood for experiment ${experiment.name}`,
      startRate: rate,
      stages: [{ durationSeconds: request.durationSeconds ?? 10, targetRate: rate }],
      mix: [{ flow: request.flow ?? 'post', weight: 1 }],
      // Enough in flight that the flood keeps its rate even when answers slow down.
      maxVUs: Math.max(base.maxVUs, Math.ceil(rate * 2)),
      thresholds: {},
      faults: [],
    });
  }
  const { rate, rampSeconds, durationSeconds } = experiment.load;
  const ramp = Math.min(rampSeconds, durationSeconds / 2);
  return parseScenario({
    ...base,
    name: experiment.name,
    description: experiment.description,
    startRate: 0,
    stages: [
      ...(ramp > 0 ? [{ durationSeconds: ramp, targetRate: rate }] : []),
      { durationSeconds: durationSeconds - ramp, targetRate: rate },
    ],
    maxVUs: experiment.load.maxVUs,
    mix: experiment.load.mix ?? base.mix,
    texts: experiment.load.texts ?? base.texts,
    e2e: {
      ...base.e2e,
      ...(experiment.load.e2eDeadlineMs ? { deadlineMs: experiment.load.e2eDeadlineMs } : {}),
      ...(experiment.load.e2ePollIntervalMs ? { pollIntervalMs: experiment.load.e2ePollIntervalMs } : {}),
    },
    thresholds: experiment.load.thresholds,
    faults: [],
  });
}

/** The load-tests built-in open-model driver, used as a library. */
export function driverLoad(urls: { gateway: string; 'token-dealer': string } & Record<string, string>): LoadStarter {
  return (request, signal, onLine) => {
    let markStarted: (ms: number) => void = () => undefined;
    let notStarted: (error: unknown) => void = () => undefined;
    const started = new Promise<number>((resolve, reject) => {
      markStarted = resolve;
      notStarted = reject;
    });
    const run = async (): Promise<LoadOutcome> => {
      const scenario = scenarioFor(request);
      const target: JeevesTarget = {
        gatewayUrl: urls.gateway,
        tokenDealerUrl: urls['token-dealer'],
        serviceUrls: urls,
        client: request.client === 'demo' ? DEFAULT_CLIENTS.client : DEFAULT_CLIENTS.admin,
        admin: DEFAULT_CLIENTS.admin,
      };
      let first = true;
      const result = await runScenario({
        scenario,
        target,
        signal,
        gracefulStopMs: 15_000,
        onSecond: (state) => {
          // The driver ticks once a second from its own start: the first tick dates that start.
          if (first) markStarted(performance.now() - state.elapsedSeconds * 1000);
          first = false;
          onLine(progressLine(scenario.name, state).replace(/^\S+\s+\S+\s+s\s+/, ''));
        },
      });
      const acceptedSelector = { metric: 'checks', tags: { check: 'message accepted (202)' } };
      const acceptedRate = result.metrics.aggregate(acceptedSelector, { kind: 'rate' }) ?? 0;
      return {
        passed: result.passed,
        thresholds: result.thresholds,
        accepted: Math.round(acceptedRate * result.metrics.sampleCount(acceptedSelector)),
        requests: result.metrics.aggregate({ metric: 'http_reqs', tags: {} }, { kind: 'count' }) ?? 0,
        failedRate: result.metrics.aggregate({ metric: 'http_req_failed', tags: {} }, { kind: 'rate' }) ?? 0,
        timeline: result.timeline.summarize(),
        ...(result.aborted ? { aborted: result.aborted } : {}),
      };
    };
    const done = run();
    // A load that ends (or fails) before its first tick has "started" when it ended.
    done.then(
      () => markStarted(performance.now()),
      (error: unknown) => notStarted(error),
    );
    return { started, done };
  };
}
