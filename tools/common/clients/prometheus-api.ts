/**
 * The lab's Prometheus over its HTTP API (https://prometheus.io/docs/prometheus/latest/querying/api/):
 * instant and range queries, alerts, and a config reload. Behind an interface so the experiment
 * runner and its report are tested against canned answers (FakePrometheus in tools/common/testing).
 */
export interface RangeSeries {
  readonly labels: Readonly<Record<string, string>>;
  /** [unix seconds, value] */
  readonly points: ReadonlyArray<readonly [number, number]>;
}

/** One sample of an instant query's answer. */
export interface InstantSample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface ActiveAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly state: 'pending' | 'firing' | 'inactive';
  readonly activeAt?: string;
}

export interface PrometheusApi {
  /** First series' value at `timeS` (now when omitted); undefined when the query returns nothing. */
  instant(query: string, timeS?: number): Promise<number | undefined>;
  /** Every series of an instant query at `timeS` (now when omitted); a scalar is one sample without labels. */
  vector(query: string, timeS?: number): Promise<InstantSample[]>;
  /** Series of a range query, `startS`…`endS` (unix seconds) every `stepS` seconds. */
  range(query: string, startS: number, endS: number, stepS: number): Promise<RangeSeries[]>;
  /** Alerts pending or firing (`GET /api/v1/alerts`). */
  alerts(): Promise<ActiveAlert[]>;
  /** Re-reads config and rule files (`POST /-/reload`, needs --web.enable-lifecycle). */
  reload(): Promise<void>;
}

/** Prometheus answered an error (or no JSON); the message names the path and the query. */
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

/** PrometheusApi over HTTP; `baseUrl` must be loopback (throws PrometheusError otherwise); `timeoutMs` per request. */
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
    return (await this.vector(query, timeS))[0]?.value;
  }

  async vector(query: string, timeS?: number): Promise<InstantSample[]> {
    const data = await this.get<VectorOrScalar>('/api/v1/query', {
      query,
      ...(timeS !== undefined ? { time: String(timeS) } : {}),
    });
    if (data.resultType === 'scalar') return [{ labels: {}, value: Number(data.result[1]) }];
    return data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
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
