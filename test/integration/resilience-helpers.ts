import { createServer } from 'node:net';
import { CHAOS_SCOPE, CONSUMER_GROUPS, consumerGroupName } from '#libs/contracts';
import { HttpChaosApi, TokenSource, type ChaosApi, type ChaosFault } from '../../tools/common';
import type { AppName } from '../../tools/lab';
import { formatLedger, runLedger, type LedgerOptions, type LedgerReport } from '../../tools/ledger/ledger';
import { kafka, postMessage, uniqueUser, waitForFinal } from './pipeline-helpers';
import { CLIENTS, killApp, lab, restartApp, waitFor } from './support/lab';

/**
 * What the resilience-* and chaos-* specs share: the chaos API with a lab-admin token, and reading
 * one series off a service's /metrics.
 */

let adminTokens: TokenSource | undefined;
function adminTokenSource(): TokenSource {
  adminTokens ??= new TokenSource(lab().urls['token-dealer'], CLIENTS.admin, CHAOS_SCOPE);
  return adminTokens;
}

let api: ChaosApi | undefined;
/** The chaos API of the test lab's apps, with the lab-admin token. */
export function chaos(): ChaosApi {
  api ??= new HttpChaosApi({
    urlOf: (app) => lab().urls[app as AppName],
    tokens: adminTokenSource(),
  });
  return api;
}

export type FaultView = ChaosFault;

/** One raw chaos API request; `token` undefined: the lab-admin's, null: none. Body parsed as JSON when it is. */
export async function chaosRequest(
  app: AppName,
  method: 'GET' | 'POST' | 'DELETE',
  path = '',
  body?: unknown,
  token?: string | null,
): Promise<{ status: number; body: unknown }> {
  const answer = await chaos().send(app, { method, path, body, token });
  return { status: answer.status, body: answer.body };
}

export async function addFault(app: AppName, spec: Record<string, unknown>): Promise<FaultView> {
  const answer = await chaosRequest(app, 'POST', '', spec);
  if (answer.status !== 201)
    throw new Error(`${app} refused fault ${JSON.stringify(spec)}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body as FaultView;
}

/** Clears every fault of `app`; throws (`<app> did not clear its faults: <status>`) unless 204. */
export async function clearFaults(app: AppName): Promise<void> {
  await chaos().clear(app);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Sum of the samples of `name` whose labels include `labels` (Prometheus text from /metrics). */
export async function metricValue(app: AppName, name: string, labels: Record<string, string> = {}): Promise<number> {
  const response = await fetch(`${lab().urls[app]}/metrics`, { signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  const line = new RegExp(`^${escapeRegExp(name)}(?:\\{([^}]*)\\})? (\\S+)`, 'gm');
  let total = 0;
  for (const match of text.matchAll(line)) {
    const set = match[1] ?? '';
    if (Object.entries(labels).every(([key, value]) => set.includes(`${key}="${value}"`))) total += Number(match[2]);
  }
  return total;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * SIGKILLs an app and restarts it once its port is free again: right after a kill the port can
 * stay held for a moment (seen on this 2-core box), and the lab refuses to start on a busy port.
 */
export async function crashAndRestart(app: AppName): Promise<void> {
  await killApp(app);
  await waitFor(() => portFree(lab().apps[app].port), {
    timeoutMs: 30_000,
    intervalMs: 100,
    what: `port ${lab().apps[app].port} of ${app} to be free`,
  });
  await restartApp(app);
}

/**
 * Waits until the test lab's pipeline is back to its steady self after a spec disrupted it (a
 * broker restart, a SIGKILLed consumer): every consumer group is Stable with exactly one member per
 * running instance (a killed member lingers until its session times out, then forces a rebalance),
 * and a fresh message is replied within `roundTripMs`. Specs that disrupt the lab call it before
 * they end, so the next spec's load does not meet their aftermath. Throws on the deadline.
 */
export async function waitPipelineSettled(timeoutMs = 90_000, roundTripMs = 2000): Promise<void> {
  const admin = kafka('settle-check').admin();
  await admin.connect();
  try {
    const groups = Object.values(CONSUMER_GROUPS).map((g) => consumerGroupName(g, lab().topicPrefix));
    await waitFor(
      async () => {
        const { groups: described } = await admin.describeGroups(groups);
        const unsettled = described.filter((g) => g.state !== 'Stable' || g.members.length !== 1);
        if (unsettled.length > 0) return undefined;
        const started = Date.now();
        const { id } = await postMessage(uniqueUser('settle'), 'what time is it?');
        await waitForFinal(id, roundTripMs + 10_000);
        return Date.now() - started <= roundTripMs ? true : undefined;
      },
      { timeoutMs, intervalMs: 1000, what: 'the pipeline to settle (groups Stable, one member each, a quick reply)' },
    );
  } finally {
    await admin.disconnect();
  }
}

/** runLedger against the test lab's gateway, data-service and token-dealer; its progress and report go to stderr. */
export async function runLabLedger(
  options: Omit<LedgerOptions, 'gatewayUrl' | 'dataServiceUrl' | 'tokenDealerUrl' | 'log'>,
): Promise<LedgerReport> {
  const report = await runLedger({
    gatewayUrl: lab().urls.gateway,
    dataServiceUrl: lab().urls['data-service'],
    tokenDealerUrl: lab().urls['token-dealer'],
    log: (line) => process.stderr.write(`[ledger] ${line}\n`),
    ...options,
  });
  process.stderr.write(`${formatLedger(report)}\n`);
  return report;
}
