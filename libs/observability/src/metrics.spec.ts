import { Counter, Histogram } from 'prom-client';
import { createMetricsRegistry, renderMetrics, toPrometheusText } from './metrics';

describe('metrics rendering', () => {
  it('serves OpenMetrics with exemplars only to scrapers that ask for it', async () => {
    const registry = createMetricsRegistry({ service: 'test', defaultMetrics: false });
    const counter = new Counter({
      name: 'jeeves_things_total',
      help: 'things',
      labelNames: ['kind'],
      registers: [registry],
    });
    const histogram = new Histogram({
      name: 'jeeves_wait_seconds',
      help: 'wait',
      buckets: [0.1, 1],
      registers: [registry],
      enableExemplars: true,
    });
    counter.inc({ kind: 'a' });
    histogram.observe({ value: 0.05, labels: {}, exemplarLabels: { trace_id: 'abc' } });

    const open = await renderMetrics(registry, 'application/openmetrics-text; version=1.0.0');
    expect(open.contentType).toContain('application/openmetrics-text');
    expect(open.body).toContain('trace_id="abc"');
    expect(open.body.trimEnd().endsWith('# EOF')).toBe(true);

    const text = await renderMetrics(registry, 'text/plain');
    expect(text.contentType).toContain('text/plain');
    expect(text.body).not.toContain('# EOF');
    expect(text.body).not.toContain('trace_id');
    expect(text.body).toContain('# TYPE jeeves_things_total counter');
    expect(text.body).toContain('jeeves_things_total{kind="a",service="test"} 1');
  });

  it('converts counter metadata names to their _total form', () => {
    const text = toPrometheusText('# HELP a counted\n# TYPE a counter\na_total 1\n# EOF\n');
    expect(text).toBe('# HELP a_total counted\n# TYPE a_total counter\na_total 1\n');
  });
});
