import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetricStore } from '../metrics';
import { LiveMetrics, setScrapeTarget } from './live-metrics';
import { Timeline } from './timeline';

describe('LiveMetrics (k6 remote-write names)', () => {
  it('exposes the names and labels the Load test dashboard queries, in seconds', async () => {
    const metrics = new MetricStore(() => 2);
    const timeline = new Timeline();
    for (let i = 0; i < 10; i++) {
      const status = i < 8 ? '202' : '503';
      metrics.add('http_reqs', 1, { status });
      metrics.add('http_req_duration', 100 + i, { status });
      timeline.at(1500).durationsMs.push(100 + i);
      timeline.at(1500).e2eMs.push(400);
      metrics.add('checks', i < 9 ? 1 : 0, { check: 'x' });
    }
    metrics.add('iterations', 3);
    const live = new LiveMetrics({ scenario: 'smoke', testid: 't1' });
    live.update({ elapsedSeconds: 2, totalSeconds: 10, metrics, timeline, inFlight: 4, failing: [] });
    const text = await live.registry.metrics();
    expect(text).toMatch(/k6_http_reqs_total\{scenario="smoke",testid="t1",status="202",expected_response="true"\} 8/);
    expect(text).toMatch(/k6_http_reqs_total\{scenario="smoke",testid="t1",status="503",expected_response="false"\} 2/);
    expect(text).toMatch(/k6_iterations_total\{[^}]*\} 3/);
    expect(text).toMatch(/k6_vus\{[^}]*\} 4/);
    expect(text).toMatch(/k6_checks_rate\{[^}]*\} 0\.9/);
    expect(text).toMatch(/k6_jeeves_e2e_latency_p99\{[^}]*\} 0\.4\b/);
    const p95 = Number(/k6_http_req_duration_p95\{[^}]*\} ([\d.]+)/.exec(text)?.[1]);
    expect(p95).toBeGreaterThan(0.1);
    expect(p95).toBeLessThan(0.11);
    // A second update adds only what is new: counters stay cumulative, not doubled.
    metrics.add('http_reqs', 1, { status: '202' });
    live.update({ elapsedSeconds: 3, totalSeconds: 10, metrics, timeline, inFlight: 0, failing: [] });
    expect(await live.registry.metrics()).toMatch(
      /k6_http_reqs_total\{scenario="smoke",testid="t1",status="202",expected_response="true"\} 9/,
    );
  });
});

describe('setScrapeTarget', () => {
  it('adds the driver to the lab file_sd targets and removes it again, keeping the apps', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sd-')), 'targets.json');
    const apps = [
      {
        targets: ['127.0.0.1:3000'],
        labels: { service: 'gateway', instance: '127.0.0.1:3000', instance_id: 'gateway' },
      },
    ];
    writeFileSync(file, JSON.stringify(apps));
    expect(setScrapeTarget(file, 40000, true)).toBe(true);
    const added = JSON.parse(readFileSync(file, 'utf8')) as Array<{
      targets: string[];
      labels: Record<string, string>;
    }>;
    expect(added).toHaveLength(2);
    expect(added[1]).toEqual({
      targets: ['127.0.0.1:40000'],
      labels: { service: 'load-driver', instance: '127.0.0.1:40000', instance_id: 'load-driver' },
    });
    setScrapeTarget(file, 40000, true);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toHaveLength(2);
    setScrapeTarget(file, 40000, false);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(apps);
  });

  it('does nothing without a lab Prometheus', () => {
    expect(setScrapeTarget(join(tmpdir(), 'no-such-dir', 'targets.json'), 1, true)).toBe(false);
  });
});
