import { Controller, Get, Inject, Query } from '@nestjs/common';
import { z } from 'zod';
import { SERVICE_NAMES, type ServiceName } from '#libs/contracts';
import { parseOrProblem, ProblemError } from '#libs/platform';
import type { ChartsView, EdgeView, LagView, OverviewView, RatesView, ServiceView } from '../api-types';
import {
  PrometheusUnavailableError,
  type PrometheusProblem,
  PrometheusQueries,
  type PromSample,
} from '../prometheus/prometheus-client';
import { LabServices } from '../upstream/lab-services';
import { CHARTS, chartData, rangeWindow } from './charts';
import {
  COUNTER_FAMILIES,
  CounterHistory,
  type CounterFamily,
  EDGES,
  edgesFromPrometheus,
  RATE_WINDOW_SECONDS,
  readCounters,
  reporterOf,
} from './edges';
import { type MetricSample, parseSamples } from './metrics-text';

export type { BreakerView, ChartsView, LagView, OverviewView, RatesView, ServiceView } from '../api-types';

const METRICS = new Set([
  'jeeves_breaker_state',
  'jeeves_kafka_consumer_lag_messages',
  ...COUNTER_FAMILIES.map((f) => f.metric),
]);

const chartsQuerySchema = z
  .object({
    /** Minutes back from now, 1–360 (six hours); 15 by default. */
    minutes: z.coerce.number().int().min(1).max(360).default(15),
  })
  .strict();

/**
 * The Overview's data. Readiness, breaker states and lag come from every service's /health/ready
 * and /metrics on each call (the page polls every few seconds): no Prometheus round trip between a
 * breaker opening and the page. Edge rates come from Prometheus (per-second rates over 1 min), or,
 * when it does not answer, from the increase of the apps' own counters between the console's polls.
 * Charts are Prometheus range queries made here: the page never talks to Prometheus.
 */
@Controller('api/overview')
export class OverviewController {
  private readonly history = new CounterHistory();

  constructor(
    @Inject(LabServices) private readonly services: LabServices,
    @Inject(PrometheusQueries) private readonly prometheus: PrometheusQueries,
  ) {}

  @Get()
  async overview(): Promise<OverviewView> {
    const [reads, rates] = await Promise.all([
      Promise.all(SERVICE_NAMES.map((service) => this.read(service))),
      this.prometheusRates(),
    ]);
    const samplesByApp = new Map<string, MetricSample[]>(
      reads.filter((r) => r.metricsAnswered).map((r) => [r.view.service, r.samples]),
    );
    this.history.add(readCounters(Date.now(), samplesByApp));
    const measured = 'edges' in rates ? rates.edges : this.history.edges();
    const edges = EDGES.map((e): EdgeView => ({
      id: e.id,
      from: e.from,
      to: e.to,
      kind: e.kind,
      errorName: e.errorName,
      ...(measured.get(e.id) ?? { ratePerSecond: null, errorShare: null }),
      ...(e.group === undefined ? {} : lagOf(e.group, samplesByApp.get(reporterOf(e)))),
    }));
    const view: RatesView =
      'edges' in rates
        ? { source: 'prometheus', windowSeconds: RATE_WINDOW_SECONDS, prometheus: 'ok' }
        : {
            source: 'metrics',
            windowSeconds: this.history.windowSeconds(),
            prometheus: rates.problem,
            problem: rates.message,
          };
    return { services: reads.map((r) => r.view), edges, rates: view };
  }

  /** The charts over the last `minutes` (query `?minutes=`, 1–360, default 15); 503 without Prometheus. */
  @Get('charts')
  async charts(@Query() query: unknown): Promise<ChartsView> {
    const { minutes } = parseOrProblem(chartsQuerySchema, query ?? {}, 'query');
    const window = rangeWindow(minutes, Date.now() / 1000);
    try {
      const charts = await Promise.all(
        CHARTS.map(async (spec) =>
          chartData(
            spec,
            window,
            await Promise.all(
              spec.queries.map((q) => this.prometheus.range(q.promql, window.startS, window.endS, window.stepS)),
            ),
          ),
        ),
      );
      return { minutes, stepSeconds: window.stepS, charts };
    } catch (error) {
      if (error instanceof PrometheusUnavailableError)
        throw new ProblemError(503, 'dependency-unavailable', { detail: error.message, cause: error });
      throw error;
    }
  }

  private async prometheusRates(): Promise<
    { edges: ReturnType<typeof edgesFromPrometheus> } | { problem: PrometheusProblem; message: string }
  > {
    // Settled, not Promise.all: the overview never answers with a query still running behind it.
    const settled = await Promise.allSettled(COUNTER_FAMILIES.map((f) => this.prometheus.vector(f.promql)));
    const answers = new Map<CounterFamily, PromSample[]>();
    for (const [i, result] of settled.entries()) {
      if (result.status === 'fulfilled') answers.set(COUNTER_FAMILIES[i], result.value);
      else if (result.reason instanceof PrometheusUnavailableError)
        return { problem: result.reason.problem, message: result.reason.message };
      else throw result.reason;
    }
    return { edges: edgesFromPrometheus(answers) };
  }

  private async read(
    service: ServiceName,
  ): Promise<{ view: ServiceView; samples: MetricSample[]; metricsAnswered: boolean }> {
    const [ready, metrics] = await Promise.all([
      this.services.getText(service, '/health/ready'),
      this.services.getText(service, '/metrics'),
    ]);
    const readiness = ready === undefined ? 'down' : ready.status === 200 ? 'ready' : 'not-ready';
    const samples = metrics?.status === 200 ? parseSamples(metrics.text, METRICS) : [];
    const breakers = samples
      .filter((s) => s.name === 'jeeves_breaker_state' && s.value === 1)
      .map((s) => ({ dependency: s.labels.dependency ?? '', state: s.labels.state ?? '' }))
      .sort((a, b) => a.dependency.localeCompare(b.dependency));
    const lag = new Map<string, LagView>();
    for (const s of samples.filter((x) => x.name === 'jeeves_kafka_consumer_lag_messages')) {
      const key = `${s.labels.group}\u0000${s.labels.topic}`;
      const before = lag.get(key)?.lagMessages ?? 0;
      lag.set(key, { group: s.labels.group ?? '', topic: s.labels.topic ?? '', lagMessages: before + s.value });
    }
    return {
      view: { service, readiness, breakers, lag: [...lag.values()] },
      samples,
      metricsAnswered: metrics?.status === 200,
    };
  }
}

/** A group's lag summed over its topics and partitions, from its app's /metrics; nothing when that did not answer. */
function lagOf(group: string, samples: readonly MetricSample[] | undefined): { lagMessages?: number } {
  if (!samples) return {};
  let lag = 0;
  for (const s of samples)
    if (s.name === 'jeeves_kafka_consumer_lag_messages' && s.labels.group === group) lag += s.value;
  return { lagMessages: lag };
}
