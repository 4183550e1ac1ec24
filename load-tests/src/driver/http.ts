import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import type { MetricStore, Tags } from '../metrics';
import type { Timeline } from './timeline';

export interface HttpResult {
  readonly status: number;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  readonly json: unknown;
  readonly durationMs: number;
  /** The answer's ETag, when it has one (a 304's names the representation the client already holds). */
  readonly etag?: string;
}

/** The endpoint tag of every request, as thresholds select them (`http_req_duration{endpoint:post_message}`). */
export type Endpoint = 'post_message' | 'get_message' | 'user_history' | 'token' | 'chaos';

export interface RequestSpec {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly path: string;
  readonly endpoint: Endpoint;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /**
   * When the request was meant to start (performance.now() ms). The first request of an iteration
   * passes its scheduled time, so time spent waiting for the event loop or a pooled connection is
   * counted: that wait is the queueing an overloaded system causes, which a closed-model client hides.
   */
  readonly intendedStartMs?: number;
  readonly timeoutMs?: number;
}

/**
 * An undici connection pool to one origin that records k6's `http_reqs`, `http_req_duration` and
 * `http_req_failed` (status outside 200..399, or no response) for every request.
 */
export class RecordingHttp {
  private readonly pool: Pool;

  constructor(
    readonly origin: string,
    private readonly metrics: MetricStore,
    private readonly timeline: Timeline,
    private readonly runStartMs: number,
    connections: number,
    private readonly baseTags: Tags = {},
  ) {
    this.pool = new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
  }

  async request(spec: RequestSpec, tags: Tags = {}): Promise<HttpResult> {
    const started = spec.intendedStartMs ?? performance.now();
    let status = 0;
    let json: unknown;
    let etag: string | undefined;
    try {
      const response = await this.pool.request({
        method: spec.method,
        path: spec.path,
        headers: {
          accept: 'application/json',
          ...(spec.body ? { 'content-type': 'application/json' } : {}),
          ...spec.headers,
        },
        body: spec.body,
        headersTimeout: spec.timeoutMs ?? 30_000,
        bodyTimeout: spec.timeoutMs ?? 30_000,
      });
      status = response.statusCode;
      const tag = response.headers.etag;
      etag = typeof tag === 'string' ? tag : undefined;
      const text = await response.body.text();
      try {
        json = text ? (JSON.parse(text) as unknown) : undefined;
      } catch {
        json = undefined;
      }
    } catch {
      // k6 records a failed connection as status 0 with http_req_failed=1; so do we.
      status = 0;
    }
    const ended = performance.now();
    const durationMs = ended - started;
    const failed = status < 200 || status >= 400;
    const allTags = { ...this.baseTags, ...tags, endpoint: spec.endpoint, method: spec.method, status: String(status) };
    this.metrics.add('http_reqs', 1, allTags);
    this.metrics.add('http_req_duration', durationMs, allTags);
    this.metrics.add('http_req_failed', failed ? 1 : 0, allTags);
    const second = this.timeline.at(ended - this.runStartMs);
    second.requests += 1;
    if (failed) second.failed += 1;
    second.durationsMs.push(durationMs);
    return { status, json, durationMs, ...(etag === undefined ? {} : { etag }) };
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
