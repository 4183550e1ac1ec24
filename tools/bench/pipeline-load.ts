import { constantRateScenario, perArrivalSecond, runScenario, DEFAULT_CLIENTS } from '../../load-tests/src';
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
  /** GET polls per second: the load the polling itself adds. */
  readonly getsPerSecond: number;
}

/**
 * Offers `rate` post-and-poll iterations per second for `durationSeconds` through the built-in
 * driver (open model), polling every 25 ms so the end-to-end latency is resolved finely enough
 * for a 250 ms SLO.
 */
export async function loadPipeline(lab: BenchLab, rate: number, durationSeconds: number): Promise<PipelineRun> {
  const scenario = constantRateScenario({
    name: 'bench',
    rate,
    durationSeconds,
    flow: 'e2e',
    texts: ['weather in Paris', 'time in Tokyo', 'help', 'echo hi'],
    maxVUs: 2000,
    e2e: { pollIntervalMs: 25, deadlineMs: 10_000 },
  });
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
    getsPerSecond: perArrivalSecond(
      m.aggregate({ metric: 'http_reqs', tags: { endpoint: 'get_message' } }, { kind: 'count' }) ?? 0,
      result,
    ),
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

/** What a run of POSTs only came to: counts over the run, POST latency as the driver saw it. */
export interface PostRun {
  /** Arrivals the schedule offered (sent + dropped at the driver's in-flight ceiling). */
  readonly offered: number;
  /** Answered 202. */
  readonly accepted: number;
  /** Sent and answered anything else, or not at all. */
  readonly failed: number;
  /** Not sent: the driver's in-flight ceiling was reached. */
  readonly dropped: number;
  /** The run's length, first arrival to the last answer, in seconds. */
  readonly seconds: number;
  readonly postP50Ms: number;
  readonly postP99Ms: number;
}

export interface PostTarget {
  readonly url: string;
  /** The lab's token-dealer: POST /v1/messages with the demo client's token. Absent: a bare target, POST / without auth. */
  readonly tokenDealerUrl?: string;
}

/**
 * Offers `rate` POSTs a second for `durationSeconds` (open model, built-in driver), `texts` in
 * turn, and reads no reply: the load a capacity step puts on the system and nothing else.
 */
export async function offerPosts(
  target: PostTarget,
  rate: number,
  durationSeconds: number,
  texts: readonly string[],
): Promise<PostRun> {
  const scenario = constantRateScenario({
    name: 'bench-posts',
    rate,
    durationSeconds,
    flow: 'post',
    texts,
    maxVUs: 5000,
  });
  let n = 0;
  const result = await runScenario({
    scenario,
    target: {
      gatewayUrl: target.url,
      tokenDealerUrl: target.tokenDealerUrl ?? target.url,
      serviceUrls: {},
      ...DEFAULT_CLIENTS,
    },
    connections: 64,
    gracefulStopMs: 10_000,
    ...(target.tokenDealerUrl
      ? {}
      : {
          skipReadyCheck: true,
          flowRunner: async (_flow, ctx, intendedStartMs) => {
            const i = n++;
            await ctx.http.request({
              method: 'POST',
              path: '/',
              endpoint: 'post_message',
              body: JSON.stringify({ user: `load-user-${i % 200}`, text: texts[i % texts.length] }),
              intendedStartMs,
            });
          },
        }),
  });
  const m = result.metrics;
  const sent = m.aggregate({ metric: 'http_reqs', tags: { endpoint: 'post_message' } }, { kind: 'count' }) ?? 0;
  const accepted =
    m.aggregate({ metric: 'http_reqs', tags: { endpoint: 'post_message', status: '202' } }, { kind: 'count' }) ?? 0;
  const dropped = m.aggregate({ metric: 'dropped_iterations', tags: {} }, { kind: 'count' }) ?? 0;
  const p = (q: number): number =>
    m.aggregate({ metric: 'http_req_duration', tags: { endpoint: 'post_message' } }, { kind: 'p', percentile: q }) ??
    NaN;
  return {
    offered: sent + dropped,
    accepted,
    failed: sent - accepted,
    dropped,
    seconds: result.durationSeconds,
    postP50Ms: p(50),
    postP99Ms: p(99),
  };
}
