/** A raw request as Node (`IncomingMessage`) or light-my-request gives it. */
export interface RawHeaders {
  rawHeaders: readonly (string | readonly string[])[];
}

/**
 * Every value sent for header `name` (case-insensitive), one per header line, in order. Node keeps
 * only the first of two `Authorization` lines in `req.headers` (and joins others with commas), so
 * a check that must see each line reads `rawHeaders` instead.
 */
export function headerLines(request: RawHeaders, name: string): string[] {
  const wanted = name.toLowerCase();
  const values: string[] = [];
  const raw = request.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const header = raw[i];
    if (typeof header !== 'string' || header.toLowerCase() !== wanted) continue;
    const value = raw[i + 1]!;
    // light-my-request (app.inject) keeps a repeated header as one array entry.
    if (typeof value === 'string') values.push(value);
    else values.push(...value);
  }
  return values;
}

/** What a sane `X-Request-Id` looks like; anything else is replaced by a fresh UUID. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
