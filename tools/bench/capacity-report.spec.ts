import { PIPELINE_SLO } from './capacity-math';
import {
  type CapacityResult,
  type CapacityRound,
  CAPACITY_SECTIONS,
  capacityMarkdown,
  capacitySvg,
  headlineOf,
  referenceStep,
} from './capacity-report';
import type { HttpStep, PipelineStep } from './capacity-steps';

const pipe = (system: string, offered: number, ok: boolean, extra: Partial<PipelineStep> = {}): PipelineStep => ({
  system,
  intent: 'mixed',
  offeredPerSecond: offered,
  acceptedPerSecond: offered,
  repliedPerSecond: ok ? offered : offered * 0.8,
  completedPerSecond: ok ? offered : offered * 0.8,
  failedShare: 0,
  e2eP50Ms: 20,
  e2eP99Ms: ok ? 100 : 900,
  postP99Ms: 5,
  unfinished: 0,
  lag: { 'jeeves-bot': 0 },
  cpuPercent: { gateway: 50, kafka: 40 },
  cpuMsPerMessage: { gateway: 1000 / offered, kafka: 800 / offered },
  messagesInWindow: offered * 10,
  ok,
  note: ok ? 'ok' : 'p99 900 ms ≥ 250',
  ...extra,
});

const http = (system: string, offered: number, ok: boolean): HttpStep => ({
  system,
  offeredPerSecond: offered,
  acceptedPerSecond: offered,
  completedPerSecond: offered,
  failedShare: 0,
  postP50Ms: 2,
  postP99Ms: ok ? 20 : 300,
  cpuPercent: { gateway: 90 },
  cpuMsPerRequest: { gateway: 0.6 },
  ok,
  note: ok ? 'ok' : 'p99 300 ms ≥ 100',
});

const round = (n: number, labTop: number, bareTop: number): CapacityRound => ({
  round: n,
  lab: [pipe('lab', 100, true), pipe('lab', labTop, true), pipe('lab', 600, false), pipe('lab', 700, false)],
  intents: ['echo', 'weather'].map((intent) => pipe('lab', 100, true, { intent })),
  polling: {
    offeredPerSecond: 100,
    pollIntervalMs: 25,
    clientP50Ms: 60,
    clientP99Ms: 300,
    serverP50Ms: 20,
    serverP99Ms: 90,
    repliedPerSecond: 100,
    getsPerSecond: 250,
  },
  gateway: [http('gateway', 1000, true), http('gateway', 2000, false), http('gateway', 3000, false)],
  bareNest: [http('bare-nest', 10_000, true), http('bare-nest', 20_000, true)],
  bare: [pipe('bare', 200, true), pipe('bare', bareTop, true), pipe('bare', 5000, false), pipe('bare', 6000, false)],
  labIdleCpu: { gateway: 5, kafka: 10 },
  bareIdleCpu: { kafka: 10 },
});

const result = (rounds: CapacityRound[]): CapacityResult => ({
  startedAt: '2026-11-30T12:00:00.000Z',
  settings: {
    rounds: rounds.length,
    stepSeconds: 10,
    httpStepSeconds: 5,
    intentRate: 100,
    intentSeconds: 8,
    warmupSeconds: 30,
    pipelineSlo: PIPELINE_SLO,
    httpSlo: { keptUpShare: 0.95, maxFailedShare: 0.01, p99LimitMs: 100 },
    mixedTexts: ['echo hi'],
    reproduce: 'npm run bench -- capacity',
  },
  rounds,
  broker: [{ offeredPerSecond: 50_000, achievedPerSecond: 49_800, p99Ms: 40 }],
});

describe('capacity report', () => {
  it('takes the highest passing step for the headline, and its ratios', () => {
    const h = headlineOf(round(1, 300, 2000));
    expect(h).toEqual({
      labSustained: 300,
      bareSustained: 2000,
      labToBare: 0.15,
      gatewaySustained: 1000,
      bareNestSustained: 20_000,
      gatewayToBareNest: 0.05,
    });
    expect(referenceStep(round(1, 300, 2000).lab)?.offeredPerSecond).toBe(300);
    expect(referenceStep([pipe('lab', 50, false), pipe('lab', 100, false)])?.offeredPerSecond).toBe(50);
  });

  it('shows every headline number as the median with the min–max over rounds, and every section', () => {
    const md = capacityMarkdown(result([round(1, 300, 2000), round(2, 200, 1500), round(3, 400, 2500)]), 'img/c.svg');
    expect(md).toContain('| lab, mixed intents: sustained replies/s | 300 (200–400) | ≥ 300 |');
    expect(md).toContain('| **lab ÷ bare pipeline** | 0.150 (0.133–0.160) | ≥ 0.5 |');
    expect(md).toContain('| **lab gateway ÷ bare handler** | 0.050 (0.050–0.050) | ≥ 0.1 |');
    expect(md).toContain('](img/c.svg)');
    // The fixture's gateway costs 1000 ms a second: 3.33 ms a message at 300/s, of which its 5 % idle
    // (50 ms a second) is 0.17; at 400/s 2.50 less 0.125, at 200/s 5.00 less 0.25.
    expect(md).toContain('| gateway | 3.33 (2.50–5.00) | 5 (5–5) | 3.17 (2.38–4.75) |');
    for (const heading of Object.values(CAPACITY_SECTIONS)) expect(md).toContain(heading);
    expect(md).toContain('| 100 (100–100) | 250 (250–250) | 100 (100–100) | 60.0 (60.0–60.0) | 300 (300–300) |');
  });

  it('plots offered rate against p99 (capped) and replies/s, one line per system and round', () => {
    const svg = capacitySvg(result([round(1, 300, 2000)]));
    expect(svg).toContain('data-series="lab r1" data-points="4"');
    expect(svg).toContain('data-series="bare r1" data-points="4"');
    expect(svg).toContain('capped at 1000 ms');
  });
});
