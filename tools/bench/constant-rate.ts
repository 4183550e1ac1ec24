import { runScenario, type RunResult, DEFAULT_CLIENTS, type Scenario } from '../../load-tests/src';

export interface ConstantRateOptions {
  url: string;
  rate: number;
  durationSeconds: number;
  /** Open-model ceiling on iterations in flight; past it iterations are dropped and counted. */
  maxVUs: number;
  connections: number;
  /** Names the run in the driver's own metrics. */
  name: string;
}

/**
 * `GET /` at a constant arrival rate through our open-model driver: how the benchmarks measure a
 * bare HTTP target (the driver comparison, the bare-handler capacity) the same way they measure the lab.
 */
export function constantRateGet(options: ConstantRateOptions): Promise<RunResult> {
  const { url, rate, durationSeconds } = options;
  const scenario: Scenario = {
    name: options.name,
    description: `GET / at ${rate}/s`,
    startRate: rate,
    stages: [{ durationSeconds, targetRate: rate }],
    maxVUs: options.maxVUs,
    mix: [{ flow: 'post', weight: 1 }],
    texts: ['x'],
    users: 1,
    e2e: { pollIntervalMs: 100, deadlineMs: 1000 },
    thresholds: {},
    faults: [],
  };
  return runScenario({
    scenario,
    target: { gatewayUrl: url, tokenDealerUrl: url, serviceUrls: {}, ...DEFAULT_CLIENTS },
    skipReadyCheck: true,
    connections: options.connections,
    flowRunner: async (_flow, ctx, intendedStartMs) => {
      await ctx.http.request({ method: 'GET', path: '/', endpoint: 'get_message', intendedStartMs });
    },
  });
}
