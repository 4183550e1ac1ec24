// The one poll-with-deadline lives in libs/resilience (the apps' topic setup uses it too).
export { waitFor, WaitTimeoutError } from '#libs/resilience';
export type { WaitOptions } from '#libs/resilience';

/** GET a URL with a per-request timeout; true when it answers 2xx. Never throws. */
export async function httpOk(url: string, timeoutMs = 2000): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}
