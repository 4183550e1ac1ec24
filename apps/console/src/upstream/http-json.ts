/** What an HTTP call answered: its status and body text. */
export interface HttpAnswer {
  readonly status: number;
  readonly text: string;
}

/** The upstream did not answer at all (refused, reset, timed out): `cause` says how. */
export class UpstreamUnreachableError extends Error {
  readonly code = 'EUPSTREAMUNREACHABLE';
  override readonly name = 'UpstreamUnreachableError';
}

/**
 * One HTTP call of the console to a lab part that needs no token (Prometheus, Toxiproxy): a JSON
 * body when `body` is given, `timeoutMs` for the whole call. Throws UpstreamUnreachableError when
 * nothing answered; any status is an answer.
 */
export async function httpCall(
  url: string,
  options: { readonly method?: string; readonly body?: unknown; readonly timeoutMs: number },
): Promise<HttpAnswer> {
  try {
    const response = await fetch(url, {
      method: options.method ?? 'GET',
      headers: {
        accept: 'application/json',
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    return { status: response.status, text: await response.text() };
  } catch (error) {
    const why = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.name) : 'error';
    throw new UpstreamUnreachableError(`${new URL(url).origin} does not answer (${why})`, { cause: error });
  }
}

/** The text as JSON, or undefined when it is empty or not JSON. */
export function jsonOrUndefined(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
