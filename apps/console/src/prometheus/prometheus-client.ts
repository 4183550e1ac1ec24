import { z } from 'zod';
import type { PrometheusProblem } from '../api-types';
import { httpCall, jsonOrUndefined, UpstreamUnreachableError } from '../upstream/http-json';

export type { PrometheusProblem } from '../api-types';

/** One series of an instant query: its labels and value (NaN and ±Inf as Prometheus sent them). */
export interface PromSample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** One series of a range query: labels and `[unix seconds, value]` points. */
export interface PromRangeSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly points: ReadonlyArray<readonly [number, number]>;
}

/** Prometheus could not answer a query; `problem` says why, the message says it to a person. */
export class PrometheusUnavailableError extends Error {
  readonly code = 'EPROMETHEUS';
  override readonly name = 'PrometheusUnavailableError';
  constructor(
    message: string,
    readonly problem: PrometheusProblem,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The two queries the console makes (HTTP API v1); also the injection token. A fake in unit specs. */
export abstract class PrometheusQueries {
  /** Base URL, or undefined when the console has none (CONSOLE_PROMETHEUS_URL blank). */
  abstract readonly url: string | undefined;
  /** `GET /api/v1/query`: every series of an instant query now. Throws PrometheusUnavailableError. */
  abstract vector(query: string): Promise<PromSample[]>;
  /** `GET /api/v1/query_range`, `startS`…`endS` (unix seconds) every `stepS` s. Throws PrometheusUnavailableError. */
  abstract range(query: string, startS: number, endS: number, stepS: number): Promise<PromRangeSeries[]>;
}

/** A sample value as the API writes it: a decimal string, `NaN`, `+Inf` or `-Inf`. */
export function sampleValue(text: string): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

/** A sample as the API writes it: `[unix seconds, "value"]`. */
const apiSample = z.tuple([z.number(), z.string()]);
const labels = z.record(z.string(), z.string()).default({});
/** The `result` of an instant query's `vector` and of a range query's `matrix`. */
const vectorResult = z.array(z.object({ metric: labels, value: apiSample }));
const matrixResult = z.array(z.object({ metric: labels, values: z.array(apiSample) }));

/** `result` in the shape `schema` says, else "refused": an answer not of the API is not read field by field. */
function resultOf<T>(schema: z.ZodType<T>, result: unknown, query: string): T {
  const parsed = schema.safeParse(result);
  if (!parsed.success)
    throw new PrometheusUnavailableError(
      `Prometheus answered a result that is not of its API for ${query}: ${parsed.error.issues[0]?.message ?? ''}`.slice(
        0,
        500,
      ),
      'refused',
    );
  return parsed.data;
}

interface ApiAnswer {
  status?: string;
  error?: string;
  data?: { resultType?: string; result?: unknown };
}

/**
 * Prometheus' HTTP API (https://prometheus.io/docs/prometheus/latest/querying/api/), instant and
 * range queries only. The lab side has its own client (tools/common); apps do not import the lab side.
 */
export class HttpPrometheusQueries extends PrometheusQueries {
  /** `url`: base URL or undefined (none); `timeoutMs`: per query. */
  constructor(
    readonly url: string | undefined,
    private readonly timeoutMs: number,
  ) {
    super();
  }

  async vector(query: string): Promise<PromSample[]> {
    const data = await this.get('/api/v1/query', { query });
    if (data.resultType === 'scalar') {
      const [, value] = resultOf(apiSample, data.result, query);
      return [{ labels: {}, value: sampleValue(value) }];
    }
    if (data.resultType !== 'vector')
      throw new PrometheusUnavailableError(`Prometheus answered ${String(data.resultType)} for ${query}`, 'refused');
    return resultOf(vectorResult, data.result, query).map((r) => ({
      labels: r.metric,
      value: sampleValue(r.value[1]),
    }));
  }

  async range(query: string, startS: number, endS: number, stepS: number): Promise<PromRangeSeries[]> {
    const data = await this.get('/api/v1/query_range', {
      query,
      start: String(startS),
      end: String(endS),
      step: String(stepS),
    });
    if (data.resultType !== 'matrix')
      throw new PrometheusUnavailableError(`Prometheus answered ${String(data.resultType)} for ${query}`, 'refused');
    return resultOf(matrixResult, data.result, query).map((r) => ({
      labels: r.metric,
      points: r.values.map(([t, v]) => [t, sampleValue(v)] as const),
    }));
  }

  private async get(path: string, params: Record<string, string>): Promise<NonNullable<ApiAnswer['data']>> {
    if (!this.url)
      throw new PrometheusUnavailableError(
        'no Prometheus configured (CONSOLE_PROMETHEUS_URL is blank)',
        'not-configured',
      );
    let status: number;
    let text: string;
    try {
      ({ status, text } = await httpCall(`${this.url}${path}?${new URLSearchParams(params)}`, {
        timeoutMs: this.timeoutMs,
      }));
    } catch (error) {
      if (error instanceof UpstreamUnreachableError)
        throw new PrometheusUnavailableError(`Prometheus at ${this.url} does not answer`, 'unreachable', {
          cause: error,
        });
      throw error;
    }
    const answer = (jsonOrUndefined(text) ?? {}) as ApiAnswer;
    if (answer.status !== 'success' || !answer.data)
      throw new PrometheusUnavailableError(
        `Prometheus at ${this.url} refused ${params.query}: ${answer.error ?? `HTTP ${status}`}`.slice(0, 500),
        'refused',
      );
    return answer.data;
  }
}
