import { randomUUID } from 'node:crypto';

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
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  return { status: response.status, body, headers: response.headers };
}

async function token(options: LedgerOptions): Promise<string> {
  const body = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: options.clientId ?? 'jeeves-demo',
    client_secret: options.clientSecret ?? 'jeeves-demo-secret',
  });
  const answer = await fetchJson(`${options.tokenDealerUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  const accessToken = (answer.body as { access_token?: unknown } | undefined)?.access_token;
  if (answer.status !== 200 || typeof accessToken !== 'string')
    throw new Error(`token-dealer answered ${answer.status}`);
  return accessToken;
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

/**
 * The no-loss ledger: sends `messages` through the gateway (each with its own Idempotency-Key,
 * retried with that key on 429/503/no answer), runs the disruptions mid-run, then asks data-service
 * what became of every accepted id. Lost and duplicated must both be 0.
 */
export async function runLedger(options: LedgerOptions): Promise<LedgerReport> {
  const log = options.log ?? (() => undefined);
  const concurrency = options.concurrency ?? 16;
  const sendDeadlineMs = options.sendDeadlineMs ?? 180_000;
  let bearer = await token(options);
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
    disruptions: [],
    sendSeconds: 0,
    settleSeconds: 0,
  };
  const accepted: string[] = [];
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
    const key = `ledger-${runId}-${index}`;
    const body = JSON.stringify({ user: `ledger-${runId}-${index % 50}`, text: TEXTS[index % TEXTS.length] });
    const deadline = Date.now() + sendDeadlineMs;
    let lastStatus = 0;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) report.postRetries++;
      try {
        const answer = await fetchJson(`${options.gatewayUrl}/v1/messages`, {
          method: 'POST',
          headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json', 'idempotency-key': key },
          body,
        });
        lastStatus = answer.status;
        if (answer.status === 202) {
          accepted.push((answer.body as { id: string }).id);
          report.accepted++;
          return;
        }
        if (answer.status === 401) bearer = await token(options).catch(() => bearer);
        else if (answer.status !== 429 && answer.status !== 503) break;
        const retryAfter = Number(answer.headers.get('retry-after') ?? '1');
        await sleep(
          Math.min(5, Math.max(0.1, Number.isFinite(retryAfter) ? retryAfter : 1)) * 1000 * (0.5 + Math.random() / 2),
        );
      } catch {
        lastStatus = 0;
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
    `  replied              ${report.replied}   (degraded answers among replied+failed: ${report.degraded})`,
    `  failed               ${report.failed}   (${reasons})`,
    `  lost                 ${report.lost.length}${report.lost.length ? `   e.g. ${report.lost.slice(0, 5).join(', ')}` : ''}`,
    `  duplicated effects   ${report.duplicated.length}${report.duplicated.length ? `   e.g. ${report.duplicated.slice(0, 5).join(', ')}` : ''}`,
    `  disruptions          ${report.disruptions.map((d) => `${d.name} at #${d.atMessage} (${(d.tookMs / 1000).toFixed(1)} s${d.error ? `, FAILED: ${d.error}` : ''})`).join('; ') || '-'}`,
    `  timing               send ${report.sendSeconds.toFixed(1)} s, settle ${report.settleSeconds.toFixed(1)} s`,
    `  verdict              ${report.lost.length === 0 && report.duplicated.length === 0 ? 'PASS (lost 0, duplicated 0)' : 'FAIL'}`,
  ].join('\n');
}
