import {
  type GatewayReads,
  describeInstance,
  instanceReady,
  knownInstances,
  startInstance,
  stopInstance,
  openLab,
  writeTargets,
} from '../../../tools/lab';
import { demoToken } from '../pipeline-helpers';
import { lab, waitFor } from './lab';
import { TEST_STATE_DIR } from './settings';

/** An instance number `lab scale` specs do not reach, for the gateway started in the other read mode. */
const OTHER_MODE_INSTANCE = 9;

/** A gateway of the test lab running the read mode the lab's own gateway does not (ADR 0042). */
export interface OtherModeGateway {
  /** Base URL per read mode: the lab's gateway for its mode, this one for the other. */
  readonly urls: Record<GatewayReads, string>;
  readonly mode: GatewayReads;
  stop(): Promise<void>;
}

/**
 * Starts gateway-9 in the other GATEWAY_READS mode against the same data-service (which answers
 * both), waits until it is ready and adds it to Prometheus's targets; `stop()` undoes both.
 */
export async function startOtherReadModeGateway(): Promise<OtherModeGateway> {
  const config = openLab(process.env, { stateDir: TEST_STATE_DIR });
  const mode: GatewayReads = config.gatewayReads === 'kafka' ? 'http' : 'kafka';
  const target = describeInstance(config, 'gateway', OTHER_MODE_INSTANCE);
  await startInstance({ ...config, gatewayReads: mode }, target, { brokers: lab().brokers });
  await waitFor(() => instanceReady(target), {
    timeoutMs: 90_000,
    intervalMs: 500,
    what: `${target.id} (reads over ${mode}) to be ready`,
  });
  writeTargets(config, knownInstances(config));
  const urls = { [config.gatewayReads]: lab().urls.gateway, [mode]: target.url } as Record<GatewayReads, string>;
  return {
    urls,
    mode,
    async stop() {
      await stopInstance(config, target.id);
      writeTargets(config, knownInstances(config));
    },
  };
}

/** The gateway's read deadline (its DATA_SERVICE_TIMEOUT_MS default unless the test lab sets it), ms. */
export const DATA_SERVICE_TIMEOUT_MS = Number(process.env.DATA_SERVICE_TIMEOUT_MS || 2000);

/** A read's answer: status, the headers the read specs check, the parsed body and its time in ms. */
export interface ReadAnswer {
  status: number;
  contentType: string | null;
  retryAfter: string | null;
  body: unknown;
  tookMs: number;
}

/** GET `path` from the gateway at `baseUrl` as the demo client, timed. */
export async function readThrough(baseUrl: string, path: string): Promise<ReadAnswer> {
  const started = Date.now();
  const response = await fetch(`${baseUrl}${path}`, {
    headers: { authorization: `Bearer ${await demoToken()}` },
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    retryAfter: response.headers.get('retry-after'),
    body: text ? (JSON.parse(text) as unknown) : undefined,
    tookMs: Date.now() - started,
  };
}
