import { join } from 'node:path';
import { APP_NAMES, type AppName } from './apps';
import { brokersOf, type LabConfig } from './config';
import { appPidFile, describeInstance } from './instances';
import { kafkaAnswers } from './kafka/admin';
import { kafkaPaths } from './kafka/config';
import { readLabDescription } from './lab';
import { LabNotRunningError, type MissingPart } from './lab-not-running';
import { liveProcess } from './processes';
import { prometheusPaths, prometheusUrl } from './prometheus';
import { DEFAULT_TOXIPROXY_URL } from '../common';

/**
 * A part of the running lab a verb needs: `kafka` (answers a metadata request), `prometheus` (ready,
 * and an instant query works), `toxiproxy` (its API answers), an app (`gateway`: instance 1's
 * `GET /health/ready` is 200) or an app's metrics (`worker/metrics`: `GET /metrics` is 200).
 */
export type LabPart = 'kafka' | 'prometheus' | 'toxiproxy' | AppName | `${AppName}/metrics`;

/** What `up` starts: the answer for every part but an external broker and Toxiproxy. */
export const START_LAB = 'start it with npm run lab -- up';

/** Default deadline of one check: a dead port answers at once, a frozen process must not hang a verb. */
export const CHECK_TIMEOUT_MS = 2000;

/** How a check reaches a part; the real one below, fakes in unit specs. */
export interface PartProbes {
  /** GET `url`; resolves with the status and body, rejects when nothing answers within `timeoutMs`. */
  get(url: string, timeoutMs: number): Promise<{ status: number; body: string }>;
  /** True when a broker in the comma list `brokers` answers a metadata request within `timeoutMs`. */
  kafka(brokers: string, timeoutMs: number): Promise<boolean>;
}

export const REAL_PROBES: PartProbes = {
  async get(url, timeoutMs) {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return { status: response.status, body: await response.text() };
  },
  kafka(brokers, timeoutMs) {
    // kafkaAnswers never throws; a frozen broker accepts the connection and then says nothing.
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    return Promise.race([kafkaAnswers(brokers), deadline]).finally(() => clearTimeout(timer));
  },
};

export interface CheckOptions {
  /** Per check, in milliseconds; the checks run in parallel. Default CHECK_TIMEOUT_MS. */
  readonly timeoutMs?: number;
  readonly probes?: PartProbes;
}

/** `fetch failed` says nothing: name the cause (connection refused, no answer within 2 s). */
function noAnswer(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; cause?: { code?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer within ${timeoutMs / 1000} s`;
  if (e.cause?.code === 'ECONNREFUSED') return 'connection refused';
  return e.cause?.code ?? (error instanceof Error ? error.message : String(error));
}

/**
 * Checks every part in parallel (each within `timeoutMs`) and lists those that do not answer, with
 * what the lab's pid files say about them (not running, or running but silent) and how to start them.
 */
export async function checkParts(
  config: LabConfig,
  parts: readonly LabPart[],
  options: CheckOptions = {},
): Promise<MissingPart[]> {
  const timeoutMs = options.timeoutMs ?? CHECK_TIMEOUT_MS;
  const probes = options.probes ?? REAL_PROBES;
  const saved = readLabDescription(config.stateDir);
  const state = (pidFile: string, why: string): string => {
    const pid = liveProcess(pidFile)?.pid;
    if (pid !== undefined) return `pid ${pid} runs, but ${why}`;
    return why === 'connection refused' ? 'not running' : `not running; ${why}`;
  };
  const http = async (
    name: string,
    url: string,
    path: string,
    pidFile: string,
    start: string,
  ): Promise<MissingPart | undefined> => {
    try {
      const answer = await probes.get(`${url}${path}`, timeoutMs);
      if (answer.status === 200) return undefined;
      return { name, url, why: `answered ${answer.status} on ${path}`, start };
    } catch (error) {
      return { name, url, why: state(pidFile, noAnswer(error, timeoutMs)), start };
    }
  };

  const check = async (part: LabPart): Promise<MissingPart | undefined> => {
    if (part === 'kafka') {
      const brokers = saved?.brokers ?? brokersOf(config);
      if (await probes.kafka(brokers, timeoutMs)) return undefined;
      const external = saved?.kafkaMode === 'external' || config.externalBrokers !== undefined;
      if (external)
        return {
          name: 'Kafka',
          url: brokers,
          why: "external: KAFKA_BROKERS or another lab's broker",
          start: 'start it where it runs (this lab never starts or stops it)',
        };
      const pid = liveProcess(kafkaPaths(config).pidFile)?.pid;
      return {
        name: 'Kafka',
        url: brokers,
        why:
          pid === undefined
            ? 'not running'
            : `pid ${pid} runs, but no answer to a metadata request within ${timeoutMs / 1000} s`,
        start: START_LAB,
      };
    }
    if (part === 'prometheus') {
      const url = saved?.prometheusUrl ?? prometheusUrl(config);
      const pidFile = prometheusPaths(config).pidFile;
      const ready = await http('Prometheus', url, '/-/ready', pidFile, START_LAB);
      if (ready) return ready;
      // Ready is not enough: a Prometheus that cannot answer a query cannot judge a probe.
      try {
        const answer = await probes.get(`${url}/api/v1/query?query=1`, timeoutMs);
        const status = (JSON.parse(answer.body) as { status?: unknown }).status;
        if (answer.status === 200 && status === 'success') return undefined;
        return { name: 'Prometheus', url, why: `ready, but the query "1" answered ${answer.status}`, start: START_LAB };
      } catch (error) {
        return {
          name: 'Prometheus',
          url,
          why: `ready, but the query "1" failed: ${noAnswer(error, timeoutMs)}`,
          start: START_LAB,
        };
      }
    }
    if (part === 'toxiproxy')
      return http(
        'Toxiproxy',
        DEFAULT_TOXIPROXY_URL,
        '/version',
        join(config.stateDir, 'pids', 'toxiproxy.pid'),
        'start it with npm run lab -- chaos network up',
      );
    const [app, metrics] = part.split('/') as [AppName, string | undefined];
    const instance = describeInstance(config, app, 1);
    const pidFile = appPidFile(config, instance.id);
    return metrics
      ? http(`${app} /metrics`, instance.url, '/metrics', pidFile, START_LAB)
      : http(app, instance.url, '/health/ready', pidFile, START_LAB);
  };

  const unique = [...new Set(parts)];
  const results = await Promise.all(unique.map(check));
  return results.filter((m): m is MissingPart => m !== undefined);
}

/**
 * Throws LabNotRunningError (exit 2, one line) unless every part answers; call it before a verb
 * does anything, so a stopped lab is named as such instead of surfacing as `fetch failed`.
 */
export async function requireRunning(
  config: LabConfig,
  parts: readonly LabPart[],
  options: CheckOptions = {},
): Promise<void> {
  const missing = await checkParts(config, parts, options);
  if (missing.length > 0)
    throw new LabNotRunningError(missing, config.stateDir, readLabDescription(config.stateDir) !== undefined);
}

/** Every part `up` starts: what a verb that drives the whole pipeline needs. */
export const WHOLE_PIPELINE: readonly LabPart[] = ['kafka', ...APP_NAMES];
