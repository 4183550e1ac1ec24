/**
 * `npm run bench -- polling`: what a client polling `GET /v1/messages/:id` costs, with and without
 * If-None-Match, with and without compression (ADR 0043). A lab of the benchmarks' own
 * (BenchLab) stores `--messages` messages of a short and of a long text; once they are replied, the
 * bot, worker and provider stop, so the gateway and data-service serve the polls alone. Then, in
 * every round and in alternating order, each variant (body × poll mode) polls those messages
 * round-robin at `--rate` per second for `--seconds` (after an unmeasured warm-up that also gives the
 * If-None-Match variants their ETags), on fresh keep-alive connections, and reads:
 *   - bytes received per poll: what the client's sockets read (status line, headers, body as sent);
 *   - gateway (and data-service) CPU ms per poll, from /proc/<pid>/stat deltas over the window.
 * The polled messages do not change during a window, so with If-None-Match every measured poll is
 * the steady state of a poller waiting on a message: a 304. Results: docs/performance.md, "polling".
 */
import { request, Agent, type IncomingMessage } from 'node:http';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { DEFAULT_CLIENTS } from '../../load-tests/src';
import { TokenSource } from '../common';
import { waitFor } from '../lab';
import { BenchLab } from './bench-lab';
import { cpuTicksOfStat } from './capacity-math';
import { clockTicksPerSecond } from './capacity-probes';
import {
  costPerPoll,
  POLL_BODIES,
  POLL_MODES,
  pollHeaders,
  pollingTable,
  type PollBody,
  type PollCost,
  type PollMode,
  type PollRound,
  type PollWindow,
  variantKey,
} from './polling-math';
import { defineBench } from './support';

/** Texts whose stored message JSON is under (short) and well over (long) the 1 KiB compression threshold. */
const TEXTS: Record<PollBody, string> = {
  short: 'weather in Paris',
  long: `weather in Paris ${'and the forecast for the whole week, with wind and rain, please. '.repeat(25)}`.slice(
    0,
    1500,
  ),
};

const ticksOf = (pid: number): number => cpuTicksOfStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));

interface Target {
  readonly gatewayUrl: string;
  readonly token: string;
  readonly gatewayPid: number;
  readonly dataServicePid: number;
}

/** One GET on `agent`, reporting the socket it goes over to `onSocket`; resolves with the status and the ETag. */
function get(
  agent: Agent,
  target: Target,
  path: string,
  headers: Record<string, string>,
  onSocket: (socket: Socket) => void,
): Promise<{ status: number; etag?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, target.gatewayUrl),
      { agent, headers: { authorization: `Bearer ${target.token}`, accept: 'application/json', ...headers } },
      (response: IncomingMessage) => {
        response.resume();
        response.on('end', () => {
          const etag = response.headers.etag;
          resolve({ status: response.statusCode ?? 0, etag });
        });
        response.on('error', reject);
      },
    );
    req.on('socket', onSocket);
    req.setTimeout(10_000, () => req.destroy(new Error(`GET ${path}: no answer within 10 s`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Polls `ids` round-robin at `rate`/s for `seconds` in `mode`, at most `inFlight` at once (a poll
 * due while that many wait is skipped, and not counted), on a fresh keep-alive agent; `etags` is
 * read and updated as a client's cache would be.
 */
async function pollWindow(
  target: Target,
  ids: readonly string[],
  mode: PollMode,
  etags: Map<string, string>,
  options: { rate: number; seconds: number; inFlight: number },
): Promise<PollWindow> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.inFlight });
  const sockets = new Set<Socket>();
  let polls = 0;
  let notModified = 0;
  let failed = 0;
  let waiting = 0;
  const pending = new Set<Promise<void>>();
  const gatewayBefore = ticksOf(target.gatewayPid);
  const dataServiceBefore = ticksOf(target.dataServicePid);
  const intervalMs = 1000 / options.rate;
  const total = Math.round(options.rate * options.seconds);
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    const due = started + i * intervalMs;
    const now = performance.now();
    if (due > now) await delay(due - now);
    if (waiting >= options.inFlight) continue;
    const id = ids[i % ids.length]!;
    waiting += 1;
    const poll = get(agent, target, `/v1/messages/${id}`, pollHeaders(mode, etags.get(id)), (s) => sockets.add(s))
      .then((answer) => {
        polls += 1;
        if (answer.status === 304) notModified += 1;
        else if (answer.status !== 200) failed += 1;
        if (answer.status === 200 && answer.etag) etags.set(id, answer.etag);
      })
      .catch(() => {
        failed += 1;
      })
      .finally(() => {
        waiting -= 1;
        pending.delete(poll);
      });
    pending.add(poll);
  }
  await Promise.all(pending);
  const window: PollWindow = {
    polls,
    notModified,
    failed,
    bytesRead: [...sockets].reduce((sum, s) => sum + s.bytesRead, 0),
    bytesWritten: [...sockets].reduce((sum, s) => sum + s.bytesWritten, 0),
    gatewayTicks: [gatewayBefore, ticksOf(target.gatewayPid)],
    dataServiceTicks: [dataServiceBefore, ticksOf(target.dataServicePid)],
  };
  agent.destroy();
  return window;
}

async function postMessages(target: Target, text: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const response = await fetch(`${target.gatewayUrl}/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${target.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ user: `poll-user-${i % 8}`, text }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await response.json()) as { id?: string };
    if (response.status !== 202 || !body.id) throw new Error(`POST /v1/messages answered ${response.status}`);
    ids.push(body.id);
  }
  return ids;
}

async function waitReplied(target: Target, ids: readonly string[]): Promise<void> {
  for (const id of ids)
    await waitFor(
      async () => {
        const response = await fetch(`${target.gatewayUrl}/v1/messages/${id}`, {
          headers: { authorization: `Bearer ${target.token}` },
          signal: AbortSignal.timeout(10_000),
        });
        const status = response.ok ? ((await response.json()) as { status?: string }).status : undefined;
        return status === 'replied' || status === 'failed' ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: `message ${id} to be replied` },
    );
}

export const bench = defineBench({
  summary:
    'polling GET /v1/messages/:id with and without If-None-Match and br: bytes received and gateway CPU per poll',
  section: 'polling',
  options: {
    rounds: { type: 'string', default: '3' },
    rate: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '10' },
    'warmup-seconds': { type: 'string', default: '2' },
    messages: { type: 'string', default: '20' },
    'in-flight': { type: 'string', default: '8' },
  },
  async run(values, log) {
    const rounds = Number(values.rounds);
    const options = {
      rate: Number(values.rate),
      seconds: Number(values.seconds),
      inFlight: Number(values['in-flight']),
    };
    const warmup = { ...options, seconds: Number(values['warmup-seconds']) };
    const count = Number(values.messages);
    if (![rounds, options.rate, options.seconds, options.inFlight, count].every((n) => Number.isFinite(n) && n > 0)) {
      log('--rounds, --rate, --seconds, --in-flight and --messages must be positive numbers');
      return 2;
    }
    const ticksPerSecond = clockTicksPerSecond();
    const lab = new BenchLab(log);
    const done: PollRound[] = [];
    try {
      await lab.startKafka();
      // The polls must never meet the gateway's per-client rate limit.
      await lab.startApps({ RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_BURST: '100000' });
      const pids = lab.appPids();
      if (!pids.gateway || !pids['data-service'])
        throw new Error('the bench lab has no gateway or data-service running');
      const token = await new TokenSource(lab.url('token-dealer'), DEFAULT_CLIENTS.client).get();
      const target: Target = {
        gatewayUrl: lab.url('gateway'),
        token,
        gatewayPid: pids.gateway,
        dataServicePid: pids['data-service'],
      };
      const ids = {} as Record<PollBody, string[]>;
      for (const body of POLL_BODIES) ids[body] = await postMessages(target, TEXTS[body], count);
      await waitReplied(target, [...ids.short, ...ids.long]);
      // Nothing but the polls from here on: the pipeline's consumers and the provider stop.
      await lab.stopApps(['bot', 'worker', 'provider']);
      await delay(2000);
      const variants = POLL_BODIES.flatMap((body) => POLL_MODES.map((mode) => ({ body, mode })));
      // JIT warm-up of every path (200, 304, br) before anything is measured.
      for (const { body, mode } of variants) await pollWindow(target, ids[body], mode, new Map(), warmup);
      for (let round = 0; round < rounds; round++) {
        const order = round % 2 === 0 ? variants : [...variants].reverse();
        const costs: Record<string, PollCost> = {};
        for (const { body, mode } of order) {
          const etags = new Map<string, string>();
          await pollWindow(target, ids[body], mode, etags, warmup);
          const window = await pollWindow(target, ids[body], mode, etags, options);
          const cost = costPerPoll(window, ticksPerSecond);
          costs[variantKey(body, mode)] = cost;
          log(
            `round ${round + 1} ${body}/${mode}: ${window.polls} polls, ${cost.responseBytesPerPoll.toFixed(0)} B/poll received, ` +
              `gateway ${cost.gatewayCpuMsPerPoll.toFixed(3)} CPU ms/poll, data-service ${cost.dataServiceCpuMsPerPoll.toFixed(3)}, ` +
              `304s ${(cost.notModifiedShare * 100).toFixed(0)} %, failed ${window.failed}`,
          );
          if (window.failed > 0)
            throw new Error(`${window.failed} polls failed in ${body}/${mode}: the numbers would lie`);
        }
        done.push(costs);
      }
    } finally {
      await lab.close();
    }
    const markdown = [
      `${count} stored, replied messages per body polled round-robin at ${options.rate}/s for ${options.seconds} s per variant (${options.inFlight} keep-alive connections), ${rounds} rounds in alternating order; the bot, worker and provider stopped, so the gateway and data-service serve only the polls. Median (min–max) over rounds; "× plain" is the ratio to the plain poll of the same body, taken in each round. Short body: a message's JSON under the 1 KiB compression threshold (never compressed); long body: about 1.8 KB of JSON. With If-None-Match every measured poll is a 304: the steady state of a poller waiting on a message that has not changed.`,
      '',
      pollingTable(done),
      '',
    ].join('\n');
    process.stdout.write(`${markdown}\n`);
    return {
      markdown,
      reproduce: `npm run bench -- polling --rounds ${rounds} --rate ${options.rate} --seconds ${options.seconds}`,
    };
  },
});
