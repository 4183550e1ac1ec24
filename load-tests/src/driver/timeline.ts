import { percentile } from '../metrics';

/** One second of a run, for the progress line, live metrics and the HTML charts. */
export interface Second {
  /** Iterations started in this second (arrivals the driver ran; `dropped` ones are not among them). */
  started: number;
  /** HTTP requests that finished in this second. */
  requests: number;
  failed: number;
  iterations: number;
  dropped: number;
  vusMax: number;
  durationsMs: number[];
  e2eMs: number[];
}

export interface SecondSummary {
  readonly t: number;
  /** Iterations started in this second; with `dropped`, the rate the driver offered. */
  readonly started: number;
  readonly requests: number;
  readonly failed: number;
  readonly iterations: number;
  readonly dropped: number;
  readonly vus: number;
  readonly p95Ms: number | null;
  readonly p99Ms: number | null;
  readonly e2eP95Ms: number | null;
  readonly e2eP99Ms: number | null;
}

/** Per-second buckets, indexed from the start of the run. */
export class Timeline {
  private readonly seconds: Second[] = [];

  at(elapsedMs: number): Second {
    const index = Math.max(0, Math.floor(elapsedMs / 1000));
    while (this.seconds.length <= index)
      this.seconds.push({
        started: 0,
        requests: 0,
        failed: 0,
        iterations: 0,
        dropped: 0,
        vusMax: 0,
        durationsMs: [],
        e2eMs: [],
      });
    return this.seconds[index];
  }

  get length(): number {
    return this.seconds.length;
  }

  /**
   * Pooled view of the last `windowSeconds` whole seconds before `elapsedMs` (progress line, live
   * metrics); `seconds` is how many whole seconds it holds, the divisor for a per-second rate.
   */
  window(
    elapsedMs: number,
    windowSeconds: number,
  ): {
    started: number;
    dropped: number;
    requests: number;
    failed: number;
    seconds: number;
    durations: number[];
    e2e: number[];
    vus: number;
  } {
    // Whole seconds only: the second under way has had part of its requests, so counting it
    // against a full second would read low (4 full seconds of 18 req/s over 5 read 14.4).
    const end = Math.min(this.seconds.length, Math.floor(elapsedMs / 1000));
    const start = Math.max(0, end - windowSeconds);
    const slice = this.seconds.slice(start, end);
    return {
      started: slice.reduce((n, s) => n + s.started, 0),
      dropped: slice.reduce((n, s) => n + s.dropped, 0),
      requests: slice.reduce((n, s) => n + s.requests, 0),
      failed: slice.reduce((n, s) => n + s.failed, 0),
      seconds: Math.max(1, end - start),
      durations: slice.flatMap((s) => s.durationsMs).sort((a, b) => a - b),
      e2e: slice.flatMap((s) => s.e2eMs).sort((a, b) => a - b),
      vus: slice.length > 0 ? slice[slice.length - 1].vusMax : 0,
    };
  }

  summarize(): SecondSummary[] {
    const p = (values: number[], q: number): number | null =>
      values.length === 0
        ? null
        : round(
            percentile(
              [...values].sort((a, b) => a - b),
              q,
            ),
          );
    return this.seconds.map((s, t) => ({
      t,
      started: s.started,
      requests: s.requests,
      failed: s.failed,
      iterations: s.iterations,
      dropped: s.dropped,
      vus: s.vusMax,
      p95Ms: p(s.durationsMs, 95),
      p99Ms: p(s.durationsMs, 99),
      e2eP95Ms: p(s.e2eMs, 95),
      e2eP99Ms: p(s.e2eMs, 99),
    }));
  }
}

const round = (n: number): number => Math.round(n * 100) / 100;
