import { perArrivalSecond, runScenario, DEFAULT_CLIENTS, type Scenario } from '../../load-tests/src';
import { APPS } from '../lab';
import type { BenchLab } from './bench-lab';

export interface PipelineRun {
  readonly offeredPerSecond: number;
  /** 202s per second. */
  readonly acceptedPerSecond: number;
  /** Replies seen on GET per second (the pipeline's throughput). */
  readonly repliedPerSecond: number;
  readonly e2eP50Ms: number;
  readonly e2eP99Ms: number;
  readonly postP99Ms: number;
  readonly failedRate: number;
}

/**
 * Offers `rate` post-and-poll iterations per second for `durationSeconds` through the built-in
 * driver (open model), polling every 25 ms so the end-to-end latency is resolved finely enough
 * for a 250 ms SLO.
 */
export async function loadPipeline(lab: BenchLab, rate: number, durationSeconds: number): Promise<PipelineRun> {
  const scenario: Scenario = {
    name: 'bench',
    description: 'benchmark load',
    startRate: rate,
    stages: [{ durationSeconds, targetRate: rate }],
    maxVUs: 2000,
    mix: [{ flow: 'e2e', weight: 1 }],
    texts: ['weather in Paris', 'time in Tokyo', 'help', 'echo hi'],
    users: 200,
    e2e: { pollIntervalMs: 25, deadlineMs: 10_000 },
    thresholds: {},
    faults: [],
  };
  const result = await runScenario({
    scenario,
    target: {
      gatewayUrl: lab.url('gateway'),
      tokenDealerUrl: lab.url('token-dealer'),
      serviceUrls: {},
      ...DEFAULT_CLIENTS,
    },
    gracefulStopMs: 12_000,
  });
  const m = result.metrics;
  const e2e = (p: number): number =>
    m.aggregate({ metric: 'jeeves_e2e_latency', tags: {} }, { kind: 'p', percentile: p }) ?? NaN;
  return {
    offeredPerSecond: rate,
    acceptedPerSecond: perArrivalSecond(
      m.aggregate({ metric: 'http_reqs', tags: { endpoint: 'post_message', status: '202' } }, { kind: 'count' }) ?? 0,
      result,
    ),
    repliedPerSecond: perArrivalSecond(
      m.aggregate({ metric: 'jeeves_e2e_latency', tags: { outcome: 'replied' } }, { kind: 'count' }) ?? 0,
      result,
    ),
    e2eP50Ms: e2e(50),
    e2eP99Ms: e2e(99),
    postP99Ms:
      m.aggregate({ metric: 'http_req_duration', tags: { endpoint: 'post_message' } }, { kind: 'p', percentile: 99 }) ??
      NaN,
    failedRate: m.aggregate({ metric: 'http_req_failed', tags: {} }, { kind: 'rate' }) ?? 0,
  };
}

/** Scrapes every app's /metrics every `intervalMs`, as Prometheus would, until stopped. */
export function scrapeLoop(lab: BenchLab, intervalMs = 5000): { stop(): void } {
  const timer = setInterval(() => {
    for (const app of APPS) {
      fetch(`${lab.url(app.name)}/metrics`, { signal: AbortSignal.timeout(4000) })
        .then((r) => r.text())
        .catch(() => undefined);
    }
  }, intervalMs);
  return { stop: () => clearInterval(timer) };
}
