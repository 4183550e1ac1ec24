import { LAB_CLIENTS, TOPICS, topicName, type TopicName } from '#libs/contracts';
import { TokenSource } from '../../../tools/common';
import {
  type AppName,
  kill,
  openLab,
  pause,
  readLabDescription,
  restart,
  type LabDescription,
  waitFor as poll,
} from '../../../tools/lab';
import { TEST_STATE_DIR } from './settings';

/** The running test lab, as global-setup described it. */
export interface TestLab extends LabDescription {
  /** Base URL per app, e.g. `urls.gateway` → http://127.0.0.1:3100. */
  readonly urls: Record<AppName, string>;
  /** The contract topic's name in this run (`t<timestamp>.jeeves.messages.v1`). */
  topic(base: TopicName): string;
}

let cached: TestLab | undefined;

export function lab(): TestLab {
  if (cached) return cached;
  const description = readLabDescription(TEST_STATE_DIR);
  if (!description) {
    throw new Error(
      `No test lab description in ${TEST_STATE_DIR}/lab.json. Integration specs need the jest globalSetup: run them with \`npm test\` or \`npx jest --selectProjects integration\`.`,
    );
  }
  const urls = Object.fromEntries(Object.entries(description.apps).map(([name, a]) => [name, a.url])) as Record<
    AppName,
    string
  >;
  cached = { ...description, urls, topic: (base) => topicName(base, description.topicPrefix) };
  return cached;
}

export { TOPICS };

/** Lab default OAuth clients (token-dealer): `LAB_CLIENTS` of libs/contracts. */
export const CLIENTS = { demo: LAB_CLIENTS.demo, admin: LAB_CLIENTS.admin } as const;

/** An access token from the test lab's token-dealer (client_credentials, fresh each call). Throws TokenDealerError. */
export function getToken(clientId: string, secret: string, scope?: string): Promise<string> {
  return new TokenSource(lab().urls['token-dealer'], { id: clientId, secret }, scope).get();
}

const quiet = (): void => undefined;

/** SIGKILL one app instance of the test lab (`worker`, `worker-2`). */
export async function killApp(name: string): Promise<void> {
  await kill(openLab(process.env, { stateDir: TEST_STATE_DIR }), name, quiet);
}

/** Restarts an app instance (or `kafka`) and resolves once it is ready again. */
export async function restartApp(name: string, readyTimeoutMs = 90_000): Promise<void> {
  await restart(openLab(process.env, { stateDir: TEST_STATE_DIR }), name, quiet, readyTimeoutMs);
}

/** Freezes the test lab's broker (`kafka`) or an app instance for `durationMs` (SIGSTOP, then SIGCONT). */
export async function pauseApp(name: string, durationMs: number): Promise<void> {
  await pause(openLab(process.env, { stateDir: TEST_STATE_DIR }), name, durationMs, quiet);
}

export interface WaitForOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Named in the timeout error. */
  what?: string;
}

/**
 * Polls `fn` until it returns something other than undefined/false (throws count as "not yet") and
 * returns that value; fails after `timeoutMs` with the last error. Use it instead of sleeps.
 */
export function waitFor<T>(
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  options: WaitForOptions,
): Promise<T> {
  return poll(fn, { timeoutMs: options.timeoutMs, intervalMs: options.intervalMs ?? 200, what: options.what });
}
