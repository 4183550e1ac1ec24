import { z } from 'zod';
import { ProviderError } from './provider-errors';

const weatherReportSchema = z.object({
  city: z.string(),
  temperatureC: z.number(),
  condition: z.string(),
  humidityPercent: z.number(),
  observedAt: z.string().optional(),
});
export type WeatherReport = z.infer<typeof weatherReportSchema>;

const timeReportSchema = z.object({
  zone: z.string(),
  /** Wall-clock time in the zone, `YYYY-MM-DDTHH:mm:ss`. */
  localTime: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/),
  utcOffset: z.string(),
});
export type TimeReport = z.infer<typeof timeReportSchema>;

export type ProviderEndpoint = 'weather' | 'time';
export type ProviderCallOutcome = 'ok' | 'rejected' | 'timeout' | 'unavailable';

export interface ProviderClientOptions {
  /** The provider's base URL (`PROVIDER_URL`). */
  baseUrl: string;
  /** Longest a single call may take, body included, before it is aborted. */
  timeoutMs: number;
  fetch?: typeof fetch;
  /** Told about every call once it settles (metrics). */
  onCall?: (endpoint: ProviderEndpoint, outcome: ProviderCallOutcome, durationSeconds: number) => void;
}

export interface CallOptions {
  /** Aborts the call early (say, a breaker giving up); the per-call timeout applies as well. */
  signal?: AbortSignal;
}

const OUTCOMES: Record<ProviderError['code'], ProviderCallOutcome> = {
  'provider-rejected': 'rejected',
  'provider-timeout': 'timeout',
  'provider-unavailable': 'unavailable',
};

/**
 * The worker's one door to the provider: one method per endpoint, each call bounded by its own
 * timeout, every failure a `ProviderError` with a code. No retries here: the Kafka adapter retries
 * handlers, and the resilience layer wraps these methods.
 */
export class ProviderClient {
  private readonly fetch: typeof fetch;
  private readonly baseUrl: string;

  constructor(private readonly options: ProviderClientOptions) {
    this.fetch = options.fetch ?? globalThis.fetch;
    // Joined as text, not with `new URL(path, base)`, which would drop a base path such as `/provider`.
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  weather(city: string, options: CallOptions = {}): Promise<WeatherReport> {
    return this.call('weather', `/v1/weather?${new URLSearchParams({ city })}`, weatherReportSchema, options);
  }

  time(zone: string, options: CallOptions = {}): Promise<TimeReport> {
    return this.call('time', `/v1/time?${new URLSearchParams({ zone })}`, timeReportSchema, options);
  }

  private async call<S extends z.ZodType>(
    endpoint: ProviderEndpoint,
    path: string,
    schema: S,
    options: CallOptions,
  ): Promise<z.infer<S>> {
    const started = performance.now();
    try {
      const result = await this.request(path, schema, options);
      this.options.onCall?.(endpoint, 'ok', (performance.now() - started) / 1000);
      return result;
    } catch (error) {
      const failure =
        error instanceof ProviderError
          ? error
          : new ProviderError('provider-unavailable', `provider call failed: ${String(error)}`, { cause: error });
      this.options.onCall?.(endpoint, OUTCOMES[failure.code], (performance.now() - started) / 1000);
      throw failure;
    }
  }

  private async request<S extends z.ZodType>(path: string, schema: S, options: CallOptions): Promise<z.infer<S>> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
    const url = new URL(`${this.baseUrl}${path}`);
    try {
      const response = await this.fetch(url, { headers: { accept: 'application/json' }, signal });
      const body = await response.text();
      if (response.ok) return parseAnswer(schema, body, response.status);
      throw statusError(response.status, body);
    } catch (error) {
      if (error instanceof ProviderError) throw error;
      if (signal.aborted) {
        const why = timeout.aborted ? `no answer within ${this.options.timeoutMs} ms` : 'aborted by the caller';
        throw new ProviderError('provider-timeout', `provider ${url.pathname}: ${why}`, {
          cause: signal.reason ?? error,
        });
      }
      throw new ProviderError('provider-unavailable', `provider ${url.pathname} unreachable: ${errorText(error)}`, {
        cause: error,
      });
    }
  }
}

function parseAnswer<S extends z.ZodType>(schema: S, body: string, status: number): z.infer<S> {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw new ProviderError('provider-unavailable', `provider answered ${status} with a body that is not JSON`, {
      status,
      cause: error,
    });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success)
    throw new ProviderError('provider-unavailable', `provider answered ${status} with an unexpected body`, {
      status,
      cause: parsed.error,
    });
  return parsed.data;
}

/** 408 and 429 say "not now" rather than "never": they are retried like a 5xx. */
function statusError(status: number, body: string): ProviderError {
  const detail = problemDetail(body);
  const said = detail ? `: ${detail}` : '';
  if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
    return new ProviderError('provider-rejected', `provider rejected the request (${status})${said}`, {
      status,
      detail,
    });
  }
  return new ProviderError('provider-unavailable', `provider answered ${status}${said}`, { status, detail });
}

function problemDetail(body: string): string | undefined {
  try {
    const detail = (JSON.parse(body) as { detail?: unknown }).detail;
    return typeof detail === 'string' ? detail.slice(0, 200) : undefined;
  } catch {
    return undefined;
  }
}

/** fetch hides the socket error (ECONNREFUSED…) in `cause`. Duck-typed: fetch's errors may come from another realm. */
function errorText(error: unknown): string {
  const { message, cause } = (error ?? {}) as { message?: unknown; cause?: { code?: unknown } };
  const text = typeof message === 'string' ? message : String(error);
  return typeof cause?.code === 'string' ? `${text} (${cause.code})` : text;
}
