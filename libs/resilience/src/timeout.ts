import { DependencyTimeoutError } from './errors';

/**
 * A signal that aborts after `timeoutMs` (with a `DependencyTimeoutError`, code ETIMEDOUT) or when
 * `parent` aborts, whichever comes first. Pass it to fetch/undici/kafkajs so a deadline really stops
 * the work instead of leaving it running in the background. The timer is unref'd and cleared once
 * the signal aborts, so it never keeps a process alive.
 */
export function withTimeout(parent: AbortSignal | undefined, timeoutMs: number, dependency = 'call'): AbortSignal {
  const controller = new AbortController();
  if (parent?.aborted) {
    controller.abort(parent.reason);
    return controller.signal;
  }
  const timer = setTimeout(() => controller.abort(new DependencyTimeoutError(dependency, timeoutMs)), timeoutMs);
  timer.unref();
  const onParentAbort = () => controller.abort(parent?.reason);
  parent?.addEventListener('abort', onParentAbort, { once: true });
  controller.signal.addEventListener(
    'abort',
    () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParentAbort);
    },
    { once: true },
  );
  return controller.signal;
}

/**
 * Runs `work` with a deadline: rejects with the signal's reason as soon as it aborts, even if `work`
 * ignores the signal (then its result is dropped, but at least the caller is not held).
 */
export async function runWithTimeout<T>(
  work: (signal: AbortSignal) => Promise<T>,
  timeoutMs: number,
  options: { signal?: AbortSignal; dependency?: string } = {},
): Promise<T> {
  const signal = withTimeout(options.signal, timeoutMs, options.dependency);
  if (signal.aborted) throw signal.reason;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work(signal), aborted]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}
