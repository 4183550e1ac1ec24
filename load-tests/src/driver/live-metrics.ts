import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Registry } from 'prom-client';
import { percentile } from '../metrics';
import type { LiveState } from './runner';

/** Seconds of the run that the live percentiles cover: recent enough to show a spike. */
const WINDOW_SECONDS = 10;

/**
 * The run's live numbers for Prometheus, under the names k6's Prometheus remote-write output uses
 * (`k6_http_reqs_total`, `k6_http_req_duration_p95` in seconds, ...), so one Grafana dashboard
 * serves both drivers. Served on `/metrics`; the lab's Prometheus finds it through file_sd.
 */
export class LiveMetrics {
  readonly registry = new Registry();
  private readonly reqs: Counter<'scenario' | 'testid' | 'status' | 'expected_response'>;
  private readonly iterations: Counter<'scenario' | 'testid'>;
  private readonly gauges: Record<
    'avg' | 'med' | 'p90' | 'p95' | 'p99' | 'failed' | 'checks' | 'vus' | 'e2e95' | 'e2e99',
    Gauge<'scenario' | 'testid'>
  >;
  private server: Server | undefined;
  private readonly seenRequests = new Map<string, number>();
  private seenIterations = 0;

  constructor(private readonly labels: { scenario: string; testid: string }) {
    const registers = [this.registry];
    const labelNames = ['scenario', 'testid'] as const;
    this.reqs = new Counter({
      name: 'k6_http_reqs_total',
      help: 'HTTP requests sent by the load driver, by status (k6: expected_response is false for a failed request)',
      labelNames: [...labelNames, 'status', 'expected_response'],
      registers,
    });
    this.iterations = new Counter({
      name: 'k6_iterations_total',
      help: 'Flow iterations completed by the load driver',
      labelNames,
      registers,
    });
    const gauge = (name: string, help: string): Gauge<'scenario' | 'testid'> =>
      new Gauge({ name, help, labelNames, registers });
    this.gauges = {
      avg: gauge('k6_http_req_duration_avg', `Mean HTTP request duration over the last ${WINDOW_SECONDS} s, seconds`),
      med: gauge('k6_http_req_duration_med', `Median HTTP request duration over the last ${WINDOW_SECONDS} s, seconds`),
      p90: gauge('k6_http_req_duration_p90', `p90 HTTP request duration over the last ${WINDOW_SECONDS} s, seconds`),
      checks: gauge('k6_checks_rate', 'Share of passed checks since the start of the run'),
      p95: gauge('k6_http_req_duration_p95', `p95 HTTP request duration over the last ${WINDOW_SECONDS} s, seconds`),
      p99: gauge('k6_http_req_duration_p99', `p99 HTTP request duration over the last ${WINDOW_SECONDS} s, seconds`),
      failed: gauge('k6_http_req_failed_rate', `Share of failed HTTP requests over the last ${WINDOW_SECONDS} s`),
      vus: gauge('k6_vus', 'Iterations in flight'),
      e2e95: gauge(
        'k6_jeeves_e2e_latency_p95',
        `p95 POST-to-reply-visible latency over the last ${WINDOW_SECONDS} s, seconds`,
      ),
      e2e99: gauge(
        'k6_jeeves_e2e_latency_p99',
        `p99 POST-to-reply-visible latency over the last ${WINDOW_SECONDS} s, seconds`,
      ),
    };
  }

  update(state: LiveState): void {
    const w = state.timeline.window(state.elapsedSeconds * 1000, WINDOW_SECONDS);
    for (const { tags } of state.metrics.snapshot().filter((x) => x.metric === 'http_reqs')) {
      const status = tags.status ?? '0';
      if (this.seenRequests.has(status)) continue;
      this.seenRequests.set(status, 0);
    }
    for (const [status, seen] of this.seenRequests) {
      const total = state.metrics.aggregate({ metric: 'http_reqs', tags: { status } }, { kind: 'count' }) ?? 0;
      const code = Number(status);
      this.reqs.inc({ ...this.labels, status, expected_response: String(code >= 200 && code < 400) }, total - seen);
      this.seenRequests.set(status, total);
    }
    const totalIterations = state.metrics.aggregate({ metric: 'iterations', tags: {} }, { kind: 'count' }) ?? 0;
    this.iterations.inc(this.labels, totalIterations - this.seenIterations);
    this.seenIterations = totalIterations;
    const set = (g: Gauge<'scenario' | 'testid'>, v: number): void => {
      if (Number.isFinite(v)) g.set(this.labels, v);
    };
    set(this.gauges.avg, w.durations.reduce((a, b) => a + b, 0) / w.durations.length / 1000);
    set(this.gauges.med, percentile(w.durations, 50) / 1000);
    set(this.gauges.p90, percentile(w.durations, 90) / 1000);
    set(this.gauges.checks, state.metrics.aggregate({ metric: 'checks', tags: {} }, { kind: 'rate' }) ?? NaN);
    set(this.gauges.p95, percentile(w.durations, 95) / 1000);
    set(this.gauges.p99, percentile(w.durations, 99) / 1000);
    set(this.gauges.failed, w.requests > 0 ? w.failed / w.requests : 0);
    set(this.gauges.vus, state.inFlight);
    set(this.gauges.e2e95, percentile(w.e2e, 95) / 1000);
    set(this.gauges.e2e99, percentile(w.e2e, 99) / 1000);
  }

  /** Listens on 127.0.0.1 (port 0: any free one) and returns the port. */
  async listen(port = 0): Promise<number> {
    this.server = createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      this.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    });
    const server = this.server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

type TargetGroup = { targets: string[]; labels: Record<string, string> };

/**
 * Adds (or removes) the driver as a target in the lab's Prometheus file_sd file. The lab rewrites
 * that file when apps start or scale, so the runner re-asserts its entry every few seconds.
 */
export function setScrapeTarget(targetsFile: string, port: number, present: boolean): boolean {
  if (!existsSync(targetsFile)) return false;
  const address = `127.0.0.1:${port}`;
  let groups: TargetGroup[];
  try {
    groups = JSON.parse(readFileSync(targetsFile, 'utf8')) as TargetGroup[];
  } catch {
    return false;
  }
  const others = groups.filter((g) => !g.targets.includes(address));
  const next = present
    ? [
        ...others,
        { targets: [address], labels: { service: 'load-driver', instance: address, instance_id: 'load-driver' } },
      ]
    : others;
  if (JSON.stringify(next) === JSON.stringify(groups)) return true;
  const temp = `${targetsFile}.load-${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(next, null, 2) + '\n');
  renameSync(temp, targetsFile);
  return true;
}
