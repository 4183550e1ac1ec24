import { setTimeout as delay } from 'node:timers/promises';

export interface WaitOptions {
  /** Give up after this long. */
  timeoutMs: number;
  /** Pause between attempts. */
  intervalMs?: number;
  /** Named in the timeout error, e.g. "kafka to accept admin requests". */
  what?: string;
  /** Called after each failed attempt (progress lines). */
  onPending?: (elapsedMs: number, lastError: unknown) => void;
}

/** `waitFor` gave up: the message names what it waited for, `cause` is the last error seen. */
export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}

/**
 * Polls `probe` until it returns a value other than `undefined`/`false` (a throw counts as "not
 * yet"), or the deadline passes. Readiness is always polled against a deadline: fixed sleeps are
 * either too short on a busy 2-core box or waste time on a fast one.
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  options: WaitOptions,
): Promise<T> {
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  const intervalMs = options.intervalMs ?? 250;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    const now = Date.now();
    if (now >= deadline) {
      const why = lastError instanceof Error ? `: last error: ${lastError.message}` : '';
      throw new WaitTimeoutError(
        `Timed out after ${options.timeoutMs} ms waiting for ${options.what ?? 'a condition'}${why}`,
        lastError,
      );
    }
    options.onPending?.(now - started, lastError);
    await delay(Math.min(intervalMs, deadline - now));
  }
}
