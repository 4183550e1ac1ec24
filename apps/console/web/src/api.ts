/** A problem+json answer of the console's API (RFC 9457), as an Error the page can show. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly fieldErrors: ReadonlyArray<{ field: string; message: string }> = [],
  ) {
    super(message);
  }
}

async function answer<T>(response: Response): Promise<T> {
  if (response.status === 204) return undefined as T;
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const problem = (body ?? {}) as {
      detail?: string;
      title?: string;
      errors?: Array<{ field: string; message: string }>;
    };
    throw new ApiError(
      problem.detail ?? problem.title ?? `HTTP ${response.status}`,
      response.status,
      problem.errors ?? [],
    );
  }
  return body as T;
}

/** GET a console API path (`/api/...`). */
export async function apiGet<T>(path: string): Promise<T> {
  return answer<T>(await fetch(path, { headers: { accept: 'application/json' } }));
}

/**
 * A state-changing call: JSON body and the console's CSRF header (`x-console-request: 1`), which
 * the server requires on every POST/DELETE (ADR 0100). Same-origin only; no credentials involved.
 */
export async function apiSend<T>(method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  return answer<T>(
    await fetch(path, {
      method,
      headers: {
        accept: 'application/json',
        'x-console-request': '1',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  );
}
