/**
 * The lab's Prometheus over its HTTP API: instant and range queries, alerts, and a config reload.
 * Behind an interface so the runner and the report are tested against canned answers.
 */
export interface RangeSeries {
  readonly labels: Readonly<Record<string, string>>;
  /** [unix seconds, value] */
  readonly points: ReadonlyArray<readonly [number, number]>;
}

export interface ActiveAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly state: 'pending' | 'firing' | 'inactive';
  readonly activeAt?: string;
}

export interface PrometheusApi {
  /** First series' value at `timeS` (now when omitted); undefined when the query returns nothing. */
  instant(query: string, timeS?: number): Promise<number | undefined>;
  range(query: string, startS: number, endS: number, stepS: number): Promise<RangeSeries[]>;
  alerts(): Promise<ActiveAlert[]>;
  /** Re-reads config and rule files (`POST /-/reload`, needs --web.enable-lifecycle). */
  reload(): Promise<void>;
}

export class PrometheusError extends Error {
  readonly code = 'EPROMETHEUS';
  override readonly name = 'PrometheusError';
}

interface ApiAnswer<T> {
  status: 'success' | 'error';
  data?: T;
  error?: string;
}

type VectorOrScalar =
  | { resultType: 'vector'; result: Array<{ metric: Record<string, string>; value: [number, string] }> }
  | { resultType: 'scalar'; result: [number, string] };

export class HttpPrometheus implements PrometheusApi {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs = 10_000,
  ) {
    const host = new URL(baseUrl).hostname;
    if (host !== '127.0.0.1' && host !== 'localhost')
      throw new PrometheusError(`${baseUrl} is not a loopback address; experiments read this machine's lab only`);
  }

  private async get<T>(path: string, params: Record<string, string>): Promise<T> {
    const url = `${this.baseUrl}${path}?${new URLSearchParams(params)}`;
    const response = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) });
    const body = (await response
      .json()
      .catch(() => ({ status: 'error', error: `HTTP ${response.status}` }))) as ApiAnswer<T>;
    if (body.status !== 'success' || body.data === undefined)
      throw new PrometheusError(
        `Prometheus ${path} failed for ${params.query ?? ''}: ${body.error ?? response.status}`,
      );
    return body.data;
  }

  async instant(query: string, timeS?: number): Promise<number | undefined> {
    const data = await this.get<VectorOrScalar>('/api/v1/query', {
      query,
      ...(timeS !== undefined ? { time: String(timeS) } : {}),
    });
    if (data.resultType === 'scalar') return Number(data.result[1]);
    if (data.result.length === 0) return undefined;
    return Number(data.result[0].value[1]);
  }

  async range(query: string, startS: number, endS: number, stepS: number): Promise<RangeSeries[]> {
    const data = await this.get<{ result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> }>(
      '/api/v1/query_range',
      {
        query,
        start: String(startS),
        end: String(endS),
        step: String(stepS),
      },
    );
    return data.result.map((r) => ({ labels: r.metric, points: r.values.map(([t, v]) => [t, Number(v)] as const) }));
  }

  async alerts(): Promise<ActiveAlert[]> {
    const data = await this.get<{ alerts: ActiveAlert[] }>('/api/v1/alerts', {});
    return data.alerts;
  }

  async reload(): Promise<void> {
    const response = await fetch(`${this.baseUrl}/-/reload`, {
      method: 'POST',
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!response.ok)
      throw new PrometheusError(
        `Prometheus reload answered ${response.status}: ${(await response.text()).slice(0, 200)}`,
      );
  }
}
