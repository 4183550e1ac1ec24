import { randomUUID } from 'node:crypto';
import { LAB_CLIENTS } from '#libs/contracts';
import { answerBody, TokenSource } from '../common';

/** Something done to the lab mid-run (kill -9 a worker, restart the broker). */
export interface Disruption {
  name: string;
  /** Starts once this share of the messages has been sent (0…1). */
  atFraction: number;
  run: () => Promise<void>;
}

export interface LedgerOptions {
  gatewayUrl: string;
  dataServiceUrl: string;
  tokenDealerUrl: string;
  messages: number;
  /** POSTs in flight at once. */
  concurrency?: number;
  clientId?: string;
  clientSecret?: string;
  disruptions?: readonly Disruption[];
  /** How long, after the last send, messages may take to reach replied/failed before they count as lost. */
  settleTimeoutMs?: number;
  /** Per message: how long to keep retrying a POST that gets 429/503 or no answer. */
  sendDeadlineMs?: number;
  /**
   * Share of the messages (0…1) sent without an Idempotency-Key, by a client that cannot retry
   * safely: a 503 that names the message (`publish-unconfirmed`) or no answer ends its attempts,
   * and it keeps the id it was given. Default 0.
   */
  keylessShare?: number;
  /** After settling: how long to wait for messages named in a 503 to show up in the store (they may never). */
  unconfirmedWaitMs?: number;
  log?: (line: string) => void;
}

export interface LedgerReport {
  sent: number;
  accepted: number;
  /** POSTs that never got a 202 before their deadline, by last status (0: no answer). */
  notAccepted: Record<string, number>;
  replied: number;
  failed: number;
  failedByReason: Record<string, number>;
  degraded: number;
  /** Accepted ids data-service never settled (unknown, or still accepted/processing at the deadline). */
  lost: string[];
  /** Ids with an effect applied twice (two distinct envelopes of one type in their event history). */
  duplicated: string[];
  /** POST retries made with the same Idempotency-Key. */
  postRetries: number;
  /** Messages sent without an Idempotency-Key. */
  keyless: number;
  /** 503 answers naming a message id (`publish-unconfirmed`: it may still be published). */
  unconfirmedAnswers: number;
  /** Keyless messages whose last answer was such a 503: the client gave up, holding the id. */
  gaveUp: number;
  /** Messages the store holds for this run's users. */
  stored: number;
  /** Stored messages that never got a 202 but whose id a 503 named: published after "not confirmed". */
  storedAfterUnconfirmed: number;
  /** Stored messages nobody was told about: neither answered 202 nor named in a 503. Must be empty. */
  unacknowledged: string[];
  disruptions: { name: string; atMessage: number; tookMs: number; error?: string }[];
  sendSeconds: number;
  settleSeconds: number;
}

const TEXTS = [
  'weather in Paris',
  'time in Tokyo',
  'help',
  'echo ledger',
  'weather in Oslo',
  'time in Europe/Paris',
  'weather in Lima',
  'time in UTC',
];
const FINAL = new Set(['replied', 'failed']);

async function fetchJson(
  url: string,
  init: RequestInit = {},
  timeoutMs = 10_000,
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  return { status: response.status, body: answerBody(await response.text()), headers: response.headers };
}

async function pool<T>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        await task(items[index]!, index);
      }
    }),
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The message id a 503 `publish-unconfirmed` answer names (ADR 0041), if this is one. */
function unconfirmedId(status: number, body: unknown): string | undefined {
  if (status !== 503 || typeof body !== 'object' || body === null) return undefined;
  const problem = body as { code?: unknown; messageId?: unknown };
  return problem.code === 'publish-unconfirmed' && typeof problem.messageId === 'string'
    ? problem.messageId
    : undefined;
}

/** Ids of every message data-service holds for `users`, page by page. */
async function storedIds(dataServiceUrl: string, users: readonly string[]): Promise<Set<string>> {
  const ids = new Set<string>();
  await pool(users, 8, async (user) => {
    let before: string | null = null;
    do {
      const query: string = `limit=100${before ? `&before=${encodeURIComponent(before)}` : ''}`;
      const answer = await fetchJson(`${dataServiceUrl}/v1/users/${encodeURIComponent(user)}/messages?${query}`);
      if (answer.status !== 200) throw new Error(`data-service answered ${answer.status} listing ${user}'s messages`);
      const page = answer.body as { items: { id: string }[]; nextBefore: string | null };
      for (const item of page.items) ids.add(item.id);
      before = page.nextBefore;
    } while (before);
  });
  return ids;
}

/**
 * The no-loss ledger: sends `messages` through the gateway (each with its own Idempotency-Key,
 * retried with that key on 429/503/no answer), runs the disruptions mid-run, then asks data-service
 * what became of every accepted id. Lost and duplicated must both be 0.
 */
export async function runLedger(options: LedgerOptions): Promise<LedgerReport> {
  const log = options.log ?? (() => undefined);
  const concurrency = options.concurrency ?? 16;
  const sendDeadlineMs = options.sendDeadlineMs ?? 180_000;
  const tokens = new TokenSource(options.tokenDealerUrl, {
    id: options.clientId ?? LAB_CLIENTS.demo.id,
    secret: options.clientSecret ?? LAB_CLIENTS.demo.secret,
  });
  let bearer = await tokens.get();
  const report: LedgerReport = {
    sent: 0,
    accepted: 0,
    notAccepted: {},
    replied: 0,
    failed: 0,
    failedByReason: {},
    degraded: 0,
    lost: [],
    duplicated: [],
    postRetries: 0,
    keyless: 0,
    unconfirmedAnswers: 0,
    gaveUp: 0,
    stored: 0,
    storedAfterUnconfirmed: 0,
    unacknowledged: [],
    disruptions: [],
    sendSeconds: 0,
    settleSeconds: 0,
  };
  const accepted: string[] = [];
  /** Ids named by 503 publish-unconfirmed answers. */
  const unconfirmed = new Set<string>();
  const users = new Set<string>();
  const keylessEvery = (options.keylessShare ?? 0) > 0 ? Math.max(1, Math.round(1 / options.keylessShare!)) : 0;
  const pendingDisruptions = [...(options.disruptions ?? [])].sort((a, b) => a.atFraction - b.atFraction);
  // One disruption at a time: a broker restart while a worker is still booting would test the boot,
  // not the pipeline (an app that cannot reach Kafka at boot exits).
  let chain: Promise<void> = Promise.resolve();
  const runId = randomUUID().slice(0, 8);
  const sendStarted = Date.now();

  const send = async (index: number): Promise<void> => {
    report.sent++;
    while (pendingDisruptions.length > 0 && report.sent >= pendingDisruptions[0]!.atFraction * options.messages) {
      const disruption = pendingDisruptions.shift()!;
      const atMessage = report.sent;
      log(`disruption at message ${atMessage}: ${disruption.name}`);
      chain = chain.then(() => {
        const started = Date.now();
        return disruption.run().then(
          () => void report.disruptions.push({ name: disruption.name, atMessage, tookMs: Date.now() - started }),
          (error: unknown) =>
            void report.disruptions.push({
              name: disruption.name,
              atMessage,
              tookMs: Date.now() - started,
              error: error instanceof Error ? error.message : String(error),
            }),
        );
      });
    }
    const keyless = keylessEvery > 0 && index % keylessEvery === 0;
    if (keyless) report.keyless++;
    const key = `ledger-${runId}-${index}`;
    const user = `ledger-${runId}-${index % 50}`;
    users.add(user);
    const body = JSON.stringify({ user, text: TEXTS[index % TEXTS.length] });
    const deadline = Date.now() + sendDeadlineMs;
    let lastStatus = 0;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) report.postRetries++;
      try {
        const answer = await fetchJson(`${options.gatewayUrl}/v1/messages`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${bearer}`,
            'content-type': 'application/json',
            ...(keyless ? {} : { 'idempotency-key': key }),
          },
          body,
        });
        lastStatus = answer.status;
        if (answer.status === 202) {
          accepted.push((answer.body as { id: string }).id);
          report.accepted++;
          return;
        }
        const named = unconfirmedId(answer.status, answer.body);
        if (named) {
          report.unconfirmedAnswers++;
          unconfirmed.add(named);
          // Without a key a retry would be a second message: keep the id and stop.
          if (keyless) {
            report.gaveUp++;
            break;
          }
        }
        if (answer.status === 401) bearer = await tokens.refresh().catch(() => bearer);
        else if (answer.status !== 429 && answer.status !== 503) break;
        const retryAfter = Number(answer.headers.get('retry-after') ?? '1');
        await sleep(
          Math.min(5, Math.max(0.1, Number.isFinite(retryAfter) ? retryAfter : 1)) * 1000 * (0.5 + Math.random() / 2),
        );
      } catch {
        lastStatus = 0;
        // No answer: a keyless client cannot know whether it was published, nor retry safely.
        if (keyless) break;
        await sleep(500);
      }
      if (Date.now() > deadline) break;
    }
    report.notAccepted[String(lastStatus)] = (report.notAccepted[String(lastStatus)] ?? 0) + 1;
  };

  await pool(
    Array.from({ length: options.messages }, (_, i) => i),
    concurrency,
    (_item, index) => send(index),
  );
  report.sendSeconds = (Date.now() - sendStarted) / 1000;
  log(
    `sent ${report.sent}, accepted ${report.accepted} in ${report.sendSeconds.toFixed(1)} s; waiting for disruptions to finish`,
  );
  await chain;

  const settleStarted = Date.now();
  const settleDeadline = settleStarted + (options.settleTimeoutMs ?? 300_000);
  const views = new Map<string, { status: string; degraded: boolean; failureReason: string | null }>();
  let pending = [...accepted];
  while (pending.length > 0) {
    const still: string[] = [];
    await pool(pending, concurrency, async (id) => {
      try {
        const answer = await fetchJson(`${options.dataServiceUrl}/v1/messages/${id}`);
        const view = answer.body as { status: string; degraded: boolean; failureReason: string | null };
        if (answer.status === 200 && FINAL.has(view.status)) views.set(id, view);
        else still.push(id);
      } catch {
        still.push(id);
      }
    });
    pending = still;
    if (pending.length === 0 || Date.now() > settleDeadline) break;
    log(`${pending.length} of ${accepted.length} not settled yet`);
    await sleep(2000);
  }
  report.settleSeconds = (Date.now() - settleStarted) / 1000;
  report.lost = pending;

  // Every message in the store for this run's users must be one a client was told about.
  const acknowledged = new Set(accepted);
  const waitUntil = Date.now() + (options.unconfirmedWaitMs ?? 30_000);
  let stored = await storedIds(options.dataServiceUrl, [...users]);
  const missingUnconfirmed = () => [...unconfirmed].filter((id) => !acknowledged.has(id) && !stored.has(id));
  while (missingUnconfirmed().length > 0 && Date.now() < waitUntil) {
    log(`${missingUnconfirmed().length} message(s) named in a 503 not in the store (yet?)`);
    await sleep(2000);
    stored = await storedIds(options.dataServiceUrl, [...users]);
  }
  report.stored = stored.size;
  report.storedAfterUnconfirmed = [...stored].filter((id) => !acknowledged.has(id) && unconfirmed.has(id)).length;
  report.unacknowledged = [...stored].filter((id) => !acknowledged.has(id) && !unconfirmed.has(id));

  for (const view of views.values()) {
    if (view.status === 'replied') report.replied++;
    else {
      report.failed++;
      const reason = (view.failureReason ?? 'unknown').split(':')[0]!;
      report.failedByReason[reason] = (report.failedByReason[reason] ?? 0) + 1;
    }
    if (view.degraded) report.degraded++;
  }

  await pool([...views.keys()], concurrency, async (id) => {
    const answer = await fetchJson(`${options.dataServiceUrl}/v1/messages/${id}/events`).catch(() => undefined);
    const items = (answer?.body as { items?: { envelopeId: string; type: string }[] } | undefined)?.items ?? [];
    const byType = new Map<string, Set<string>>();
    for (const item of items) byType.set(item.type, (byType.get(item.type) ?? new Set()).add(item.envelopeId));
    if ([...byType.values()].some((envelopes) => envelopes.size > 1)) report.duplicated.push(id);
  });
  return report;
}

export function formatLedger(report: LedgerReport): string {
  const reasons =
    Object.entries(report.failedByReason)
      .map(([reason, count]) => `${reason} ${count}`)
      .join(', ') || '-';
  const refused =
    Object.entries(report.notAccepted)
      .map(([status, count]) => `${status === '0' ? 'no answer' : status} ${count}`)
      .join(', ') || '-';
  return [
    'No-loss ledger',
    `  sent                 ${report.sent}`,
    `  accepted (202)       ${report.accepted}   (POST retries with the same Idempotency-Key: ${report.postRetries}; never accepted: ${refused})`,
    `  unconfirmed (503)    ${report.unconfirmedAnswers} answers naming a message id; ${report.gaveUp} of the ${report.keyless} keyless clients gave up there`,
    `  in the store         ${report.stored}   (${report.storedAfterUnconfirmed} published after their 503; told about neither way: ${report.unacknowledged.length}${report.unacknowledged.length ? `, e.g. ${report.unacknowledged.slice(0, 5).join(', ')}` : ''})`,
    `  replied              ${report.replied}   (degraded answers among replied+failed: ${report.degraded})`,
    `  failed               ${report.failed}   (${reasons})`,
    `  lost                 ${report.lost.length}${report.lost.length ? `   e.g. ${report.lost.slice(0, 5).join(', ')}` : ''}`,
    `  duplicated effects   ${report.duplicated.length}${report.duplicated.length ? `   e.g. ${report.duplicated.slice(0, 5).join(', ')}` : ''}`,
    `  disruptions          ${report.disruptions.map((d) => `${d.name} at #${d.atMessage} (${(d.tookMs / 1000).toFixed(1)} s${d.error ? `, FAILED: ${d.error}` : ''})`).join('; ') || '-'}`,
    `  timing               send ${report.sendSeconds.toFixed(1)} s, settle ${report.settleSeconds.toFixed(1)} s`,
    `  verdict              ${ledgerPassed(report) ? 'PASS (lost 0, duplicated 0, unacknowledged 0)' : 'FAIL'}`,
  ].join('\n');
}

/** Nothing accepted was lost, nothing took effect twice, nothing in the store was unknown to its client. */
export function ledgerPassed(report: LedgerReport): boolean {
  return report.lost.length === 0 && report.duplicated.length === 0 && report.unacknowledged.length === 0;
}
