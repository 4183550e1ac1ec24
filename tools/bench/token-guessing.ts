/**
 * `npm run bench -- token-guessing`: how many wrong-secret token requests per second the
 * token-dealer survives while good clients still get their tokens within the SLO, with its
 * failed-attempt limits on and off (TOKEN_FAILED_AUTH_LIMITS), side by side.
 *
 * Loopback only: the dealer runs alone as the lab runs it (own state dir and ports), the guessers
 * and the good clients are this process, each bound to its own 127.0.x.y source address so the
 * dealer sees distinct sources. Bounded: every step lasts --duration seconds with at most
 * MAX_IN_FLIGHT guesses in flight, a variant stops climbing at its first missed step, and the dealer
 * is restarted for every step so no backlog of scrypts leaks into the next one.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { Pool } from 'undici';
import {
  loadLabConfig,
  type LabConfig,
  appPidFile,
  describeInstance,
  startInstance,
  stopInstance,
  waitInstancesReady,
  liveProcess,
} from '../lab';
import { defineBench, fmtMs, stats, table, type LatencyStats } from './support';

/**
 * The SLO good clients are held to. The token-dealer has no latency SLO of its own (docs/): this is
 * the lab's availability SLO (99.5 % of requests without an error, docs/observability.md) and the
 * average-load scenario's request latency objective (p99 < 500 ms, docs/load-testing.md).
 */
export const GOOD_CLIENT_SLO = { successRatioMin: 0.995, p99MsMax: 500 } as const;

/** Guesses in flight at most; past it a due guess is dropped and counted (the guesser's own limit). */
const MAX_IN_FLIGHT = 512;
/** Guesses and good requests alike give up after this long (a good one then counts as failed). */
const REQUEST_TIMEOUT_MS = 5000;
const GOOD_CLIENTS = [
  { id: 'jeeves-demo', secret: 'jeeves-demo-secret', source: '127.0.1.1' },
  { id: 'lab-admin', secret: 'lab-admin-secret', source: '127.0.1.2' },
] as const;

export type Variant = 'limits on' | 'limits off';

/** One rate of one variant in one round. */
export interface Step {
  readonly variant: Variant;
  readonly round: number;
  /** Wrong-secret requests offered per second. */
  readonly offered: number;
  /** Guesses answered (any status) per second. */
  readonly answeredPerSecond: number;
  readonly guessStatuses: Readonly<Record<string, number>>;
  /** Guesses not sent because MAX_IN_FLIGHT were already waiting. */
  readonly dropped: number;
  readonly good: { readonly sent: number; readonly ok: number; readonly latency: LatencyStats };
  /** The dealer's CPU time over the step's wall time (1 = one core). */
  readonly dealerCpuCores: number | undefined;
}

/** Whether good clients got their tokens within the SLO during the step; the reason when not. */
export function judgeStep(step: Pick<Step, 'good'>): { ok: boolean; note: string } {
  const { sent, ok, latency } = step.good;
  const ratio = sent === 0 ? 0 : ok / sent;
  const problems = [
    ratio < GOOD_CLIENT_SLO.successRatioMin ? `good ${(ratio * 100).toFixed(1)} % ok` : '',
    !(latency.p99Ms < GOOD_CLIENT_SLO.p99MsMax) ? `good p99 ${fmtMs(latency.p99Ms)} ms` : '',
  ].filter(Boolean);
  return { ok: problems.length === 0, note: problems.join(', ') || 'ok' };
}

/** The highest offered rate of a climb whose steps up to it all met the SLO; 0 when the first missed. */
export function survivedRate(steps: readonly Step[]): number {
  let best = 0;
  for (const step of [...steps].sort((a, b) => a.offered - b.offered)) {
    if (!judgeStep(step).ok) break;
    best = step.offered;
  }
  return best;
}

interface Sample {
  status: number;
  latencyMs: number;
}

/**
 * Sends `count` requests at `rate` per second, each due at a fixed time (open model: a slow answer
 * does not delay the next request, and latency counts from when the request was due).
 */
async function openModel(options: {
  rate: number;
  durationSeconds: number;
  send: (index: number) => Promise<number>;
  maxInFlight: number;
}): Promise<{ samples: Sample[]; dropped: number; wallSeconds: number }> {
  const count = Math.round(options.rate * options.durationSeconds);
  const samples: Sample[] = [];
  const pending = new Set<Promise<void>>();
  let dropped = 0;
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1000) / options.rate;
    const wait = due - performance.now();
    if (wait > 1) await delay(wait);
    // Behind schedule the loop would never yield: let answers in now and then.
    else if (i % 16 === 0) await new Promise((resolve) => setImmediate(resolve));
    if (pending.size >= options.maxInFlight) {
      dropped++;
      continue;
    }
    const request: Promise<void> = options
      .send(i)
      .then(
        (status) => void samples.push({ status, latencyMs: performance.now() - due }),
        () => void samples.push({ status: 0, latencyMs: performance.now() - due }),
      )
      .finally(() => pending.delete(request));
    pending.add(request);
  }
  await Promise.all(pending);
  return { samples, dropped, wallSeconds: (performance.now() - started) / 1000 };
}

function pools(url: string, sources: readonly string[]): Pool[] {
  return sources.map((localAddress) => new Pool(url, { localAddress, connections: 64, pipelining: 1 }));
}

async function tokenRequest(pool: Pool, clientId: string, secret: string): Promise<number> {
  const response = await pool.request({
    method: 'POST',
    path: '/oauth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: secret,
    }).toString(),
    headersTimeout: REQUEST_TIMEOUT_MS,
    bodyTimeout: REQUEST_TIMEOUT_MS,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  await response.body.dump();
  return response.statusCode;
}

/** utime + stime of a process, in seconds (Linux /proc; undefined elsewhere). */
function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // Fields 14 and 15 of stat(5), counted from after the command name (which starts at field 3).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

class Dealer {
  readonly config: LabConfig;

  constructor(private readonly log: (line: string) => void) {
    const offset = Number(process.env.BENCH_PORT_OFFSET ?? 5600);
    this.config = loadLabConfig(process.env, {
      stateDir: '.lab/bench-token',
      portOffset: offset,
      topicPrefix: 'bench',
    });
  }

  get url(): string {
    return describeInstance(this.config, 'token-dealer').url;
  }

  pid(): number | undefined {
    return liveProcess(appPidFile(this.config, 'token-dealer'))?.pid;
  }

  /** A fresh dealer with `env` (TOKEN_* pass through the lab), ready. */
  async start(env: Record<string, string>): Promise<void> {
    await this.stop();
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    try {
      const target = describeInstance(this.config, 'token-dealer');
      await startInstance(this.config, target, { brokers: '' });
      await waitInstancesReady(this.config, [target], { timeoutMs: 60_000, log: this.log });
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  }

  async stop(): Promise<void> {
    await stopInstance(this.config, 'token-dealer', 5000);
  }
}

async function runStep(
  dealer: Dealer,
  variant: Variant,
  round: number,
  rate: number,
  options: { durationSeconds: number; goodRate: number; sources: number; secretCacheSeconds: number },
): Promise<Step> {
  await dealer.start({
    TOKEN_FAILED_AUTH_LIMITS: variant === 'limits on' ? 'true' : 'false',
    TOKEN_SECRET_CACHE_SECONDS: String(options.secretCacheSeconds),
    OTEL_SDK_DISABLED: 'true',
  });
  const guessers = pools(
    dealer.url,
    Array.from({ length: options.sources }, (_, i) => `127.0.2.${i + 1}`),
  );
  const good = GOOD_CLIENTS.map((client) => ({ ...client, pool: pools(dealer.url, [client.source])[0]! }));
  try {
    // Each good client authenticates once before the guessing starts, as a running service has.
    for (const client of good) {
      const status = await tokenRequest(client.pool, client.id, client.secret);
      if (status !== 200) throw new Error(`warm-up: ${client.id} got ${status} from a fresh token-dealer`);
    }
    const pid = dealer.pid();
    const cpuBefore = cpuSeconds(pid);
    const guessing =
      rate > 0
        ? openModel({
            rate,
            durationSeconds: options.durationSeconds,
            maxInFlight: MAX_IN_FLIGHT,
            // Half guess the good client's secret, half spray made-up client ids.
            send: (i) =>
              tokenRequest(guessers[i % guessers.length]!, i % 2 ? GOOD_CLIENTS[0].id : `guess-${i}`, `wrong-${i}`),
          })
        : Promise.resolve({ samples: [], dropped: 0, wallSeconds: options.durationSeconds });
    const serving = openModel({
      rate: options.goodRate,
      durationSeconds: options.durationSeconds,
      maxInFlight: 10_000,
      send: (i) => {
        const client = good[i % good.length]!;
        return tokenRequest(client.pool, client.id, client.secret);
      },
    });
    const [guesses, goods] = await Promise.all([guessing, serving]);
    const cpuAfter = cpuSeconds(pid);
    const statuses: Record<string, number> = {};
    for (const s of guesses.samples) {
      const key = s.status === 0 ? 'timeout' : String(s.status);
      statuses[key] = (statuses[key] ?? 0) + 1;
    }
    return {
      variant,
      round,
      offered: rate,
      answeredPerSecond: guesses.samples.filter((s) => s.status !== 0).length / guesses.wallSeconds,
      guessStatuses: statuses,
      dropped: guesses.dropped,
      good: {
        sent: goods.samples.length,
        ok: goods.samples.filter((s) => s.status === 200).length,
        latency: stats(goods.samples.map((s) => (s.status === 0 ? REQUEST_TIMEOUT_MS : s.latencyMs))),
      },
      dealerCpuCores:
        cpuBefore !== undefined && cpuAfter !== undefined ? (cpuAfter - cpuBefore) / guesses.wallSeconds : undefined,
    };
  } finally {
    await Promise.all([...guessers, ...good.map((g) => g.pool)].map((p) => p.destroy()));
    await dealer.stop();
  }
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** The docs/performance.md section: the survived rates per round and every step. */
export function tokenGuessingMarkdown(
  steps: readonly Step[],
  settings: { durationSeconds: number; goodRate: number; sources: number; secretCacheSeconds: number; rounds: number },
): string {
  const variants: Variant[] = ['limits off', 'limits on'];
  const survived = (variant: Variant): number[] =>
    Array.from({ length: settings.rounds }, (_, r) =>
      survivedRate(steps.filter((s) => s.variant === variant && s.round === r + 1)),
    );
  const highest = Math.max(...steps.map((s) => s.offered));
  const summary = variants.map((variant) => {
    const rounds = survived(variant);
    const top = rounds.every((r) => r === highest) ? ' (the highest rate tried)' : '';
    return [
      variant,
      rounds.map(String).join(' / '),
      `${median(rounds)}${top}`,
      `${Math.min(...rounds)}–${Math.max(...rounds)}`,
    ];
  });
  const detail = steps.map((s) => [
    s.variant,
    String(s.round),
    String(s.offered),
    s.answeredPerSecond.toFixed(0),
    Object.entries(s.guessStatuses)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([status, n]) => `${status}: ${n}`)
      .join(', ') || '-',
    String(s.dropped),
    s.good.sent === 0 ? '-' : ((100 * s.good.ok) / s.good.sent).toFixed(1),
    fmtMs(s.good.latency.p50Ms),
    fmtMs(s.good.latency.p99Ms),
    s.dealerCpuCores === undefined ? '-' : s.dealerCpuCores.toFixed(2),
    judgeStep(s).note,
  ]);
  return [
    `Wrong-secret token requests at rising rates (each step ${settings.durationSeconds} s, on a freshly started token-dealer), half of them for the good client's id and half for made-up ids, from ${settings.sources} loopback source addresses; meanwhile two good clients (each from its own address, authenticated once before the step) ask for ${settings.goodRate} tokens/s between them. \`TOKEN_SECRET_CACHE_SECONDS=${settings.secretCacheSeconds}\`${settings.secretCacheSeconds === 0 ? ': every good request pays its scrypt too, as after a restart or a cache expiry — the worst case for good clients' : ''}. The dealer survives a rate when good clients get ≥ ${GOOD_CLIENT_SLO.successRatioMin * 100} % of their tokens with p99 < ${GOOD_CLIENT_SLO.p99MsMax} ms (latency from when each request was due; the token-dealer has no latency SLO of its own, so this is the lab's availability SLO and the average-load latency objective). A variant stops climbing at its first missed step. ${settings.rounds} rounds, variants alternating.`,
    '',
    table(['variant', 'survived wrong-secret req/s, per round', 'median', 'spread'], summary),
    '',
    '<details><summary>Every step</summary>',
    '',
    table(
      [
        'variant',
        'round',
        'offered/s',
        'answered/s',
        'guess answers',
        'dropped',
        'good ok %',
        'good p50 ms',
        'good p99 ms',
        'dealer CPU (cores)',
        'verdict',
      ],
      detail,
    ),
    '',
    '</details>',
  ].join('\n');
}

export const bench = defineBench({
  summary: 'wrong-secret requests/s the token-dealer survives with and without its failed-attempt limits',
  section: 'token-guessing',
  options: {
    rates: { type: 'string', default: '10,20,40,80,160,320,640,1280,2560' },
    duration: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    'good-rate': { type: 'string', default: '4' },
    sources: { type: 'string', default: '16' },
    'secret-cache-seconds': { type: 'string', default: '0' },
  },
  async run(values, log) {
    const rates = values.rates
      .split(',')
      .map(Number)
      .sort((a, b) => a - b);
    const settings = {
      durationSeconds: Number(values.duration),
      goodRate: Number(values['good-rate']),
      sources: Number(values.sources),
      secretCacheSeconds: Number(values['secret-cache-seconds']),
      rounds: Number(values.rounds),
    };
    const bad = [
      rates.some((r) => !(r > 0) || r > 10_000) && '--rates: numbers in (0, 10000]',
      !(settings.durationSeconds >= 1 && settings.durationSeconds <= 120) && '--duration: 1…120 seconds',
      !(Number.isInteger(settings.rounds) && settings.rounds >= 1 && settings.rounds <= 10) && '--rounds: 1…10',
      !(settings.goodRate > 0 && settings.goodRate <= 100) && '--good-rate: (0, 100]',
      !(Number.isInteger(settings.sources) && settings.sources >= 1 && settings.sources <= 250) && '--sources: 1…250',
      !(Number.isInteger(settings.secretCacheSeconds) && settings.secretCacheSeconds >= 0) &&
        '--secret-cache-seconds: a whole number ≥ 0',
    ].filter(Boolean);
    if (bad.length > 0) {
      log(`bad options: ${bad.join('; ')}`);
      return 2;
    }
    const dealer = new Dealer(log);
    const steps: Step[] = [];
    try {
      for (let round = 1; round <= settings.rounds; round++) {
        const order: Variant[] = round % 2 ? ['limits off', 'limits on'] : ['limits on', 'limits off'];
        for (const variant of order) {
          for (const rate of rates) {
            const step = await runStep(dealer, variant, round, rate, settings);
            steps.push(step);
            const verdict = judgeStep(step);
            log(
              `round ${round}, ${variant}, ${rate} wrong/s: answered ${step.answeredPerSecond.toFixed(0)}/s ${JSON.stringify(step.guessStatuses)}, dropped ${step.dropped}; good ${step.good.ok}/${step.good.sent} ok, p99 ${fmtMs(step.good.latency.p99Ms)} ms; dealer ${step.dealerCpuCores?.toFixed(2) ?? '?'} cores → ${verdict.note}`,
            );
            if (!verdict.ok) break;
          }
        }
      }
    } finally {
      await dealer.stop();
    }
    const markdown = tokenGuessingMarkdown(steps, settings);
    process.stdout.write(markdown + '\n');
    return {
      markdown,
      reproduce: `npm run bench -- token-guessing --rates ${rates.join(',')} --duration ${settings.durationSeconds} --rounds ${settings.rounds} --good-rate ${settings.goodRate} --sources ${settings.sources} --secret-cache-seconds ${settings.secretCacheSeconds}`,
    };
  },
});
