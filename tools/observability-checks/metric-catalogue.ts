/**
 * The metric names the services, the load driver and Prometheus agreed on (docs/observability.md has
 * the same catalogue in prose). Dashboards and rules may query these and nothing else, so a renamed
 * metric fails a unit test instead of leaving a panel empty.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricSpec {
  readonly name: string;
  readonly type: MetricType;
  /** Labels the producer sets (besides the ones every series carries, see COMMON_LABELS). */
  readonly labels: readonly string[];
  /** Labels that are not on every series, e.g. k6's `name` tag. */
  readonly optionalLabels?: readonly string[];
  /** Where the series come from, for the catalogue in the docs. */
  readonly source: 'app' | 'runtime' | 'prometheus' | 'load-driver';
}

/** Set on every app series (`service` by the app's registry) or by Prometheus at scrape time. */
export const COMMON_LABELS: readonly string[] = ['service', 'job', 'instance', 'instance_id'];

const app = (name: string, type: MetricType, labels: readonly string[]): MetricSpec => ({
  name,
  type,
  labels,
  source: 'app',
});
const runtime = (name: string, type: MetricType): MetricSpec => ({ name, type, labels: [], source: 'runtime' });
const k6 = (
  name: string,
  type: MetricType,
  labels: readonly string[],
  optionalLabels: readonly string[] = [],
): MetricSpec => ({
  name,
  type,
  labels,
  optionalLabels,
  source: 'load-driver',
});

/** k6 trend stats the driver emits (K6_PROMETHEUS_RW_TREND_STATS=p(90),p(95),p(99),avg,med). */
const TREND_SUFFIXES = ['p99', 'p95', 'p90', 'avg', 'med'] as const;
const K6_REQUEST_TAGS = ['method', 'status', 'expected_response', 'scenario'];

export const METRICS: readonly MetricSpec[] = [
  // HTTP, every service
  app('http_server_request_duration_seconds', 'histogram', ['method', 'route', 'status_class', 'status_code']),
  app('http_server_requests_in_flight', 'gauge', []),
  // Kafka
  app('jeeves_kafka_messages_consumed_total', 'counter', ['topic', 'group', 'outcome']),
  app('jeeves_kafka_messages_produced_total', 'counter', ['topic', 'outcome']),
  app('jeeves_kafka_handler_duration_seconds', 'histogram', ['topic', 'group']),
  app('jeeves_kafka_consumer_lag_messages', 'gauge', ['group', 'topic', 'partition']),
  app('jeeves_kafka_consumer_rebalances_total', 'counter', ['group']),
  app('jeeves_kafka_consumer_crashes_total', 'counter', ['group']),
  app('jeeves_kafka_producer_errors_total', 'counter', ['topic']),
  app('jeeves_kafka_dead_letters_total', 'counter', ['source_topic', 'reason']),
  app('jeeves_kafka_dead_letters_truncated_total', 'counter', ['source_topic', 'truncation']),
  // Kafka request-reply, the caller's side (gateway, GATEWAY_READS=kafka: ADR 0042)
  app('jeeves_kafka_request_duration_seconds', 'histogram', ['topic', 'outcome']),
  app('jeeves_kafka_request_timeouts_total', 'counter', ['topic']),
  app('jeeves_kafka_late_replies_total', 'counter', ['topic']),
  app('jeeves_kafka_stray_replies_total', 'counter', ['topic']),
  app('jeeves_kafka_requests_in_flight', 'gauge', ['topic']),
  app('jeeves_kafka_dead_letter_failures_total', 'counter', ['source_topic', 'error_type']),
  // End to end and business
  app('jeeves_message_end_to_end_seconds', 'histogram', ['intent', 'status']),
  app('jeeves_messages_accepted_total', 'counter', ['client']),
  app('jeeves_messages_unconfirmed_total', 'counter', ['client']),
  app('jeeves_messages_published_late_total', 'counter', ['client']),
  app('jeeves_messages_completed_total', 'counter', ['intent', 'status', 'degraded']),
  app('jeeves_rate_limited_requests_total', 'counter', ['client']),
  app('jeeves_bot_intents_total', 'counter', ['intent']),
  app('jeeves_concurrency_limited_requests_total', 'counter', ['client']),
  app('jeeves_idempotent_replays_total', 'counter', ['client']),
  app('jeeves_tokens_issued_total', 'counter', ['client']),
  app('jeeves_token_requests_rejected_total', 'counter', ['error']),
  app('jeeves_token_requests_throttled_total', 'counter', ['limit']),
  app('jeeves_data_duplicate_events_total', 'counter', ['type']),
  app('jeeves_data_dead_letters_observed_total', 'counter', ['source_topic', 'effect']),
  app('jeeves_provider_call_duration_seconds', 'histogram', ['endpoint', 'outcome']),
  // Resilience
  app('jeeves_breaker_state', 'gauge', ['dependency', 'state']),
  app('jeeves_breaker_calls_total', 'counter', ['dependency', 'outcome']),
  app('jeeves_breaker_transitions_total', 'counter', ['dependency', 'to']),
  app('jeeves_retries_total', 'counter', ['dependency']),
  app('jeeves_bulkhead_rejections_total', 'counter', ['dependency']),
  app('jeeves_bulkhead_active', 'gauge', ['dependency']),
  // Chaos
  app('jeeves_chaos_active_faults', 'gauge', ['type', 'target']),
  app('jeeves_chaos_faults_injected_total', 'counter', ['type']),
  // prom-client default metrics (only the ones the dashboards use)
  runtime('process_cpu_seconds_total', 'counter'),
  runtime('process_resident_memory_bytes', 'gauge'),
  runtime('nodejs_eventloop_lag_seconds', 'gauge'),
  runtime('nodejs_eventloop_lag_p99_seconds', 'gauge'),
  runtime('nodejs_heap_size_used_bytes', 'gauge'),
  { name: 'up', type: 'gauge', labels: [], source: 'prometheus' },
  // Load driver, k6 remote-write names
  k6('k6_http_reqs_total', 'counter', K6_REQUEST_TAGS, ['name', 'testid']),
  ...TREND_SUFFIXES.map((s) => k6(`k6_http_req_duration_${s}`, 'gauge', K6_REQUEST_TAGS, ['name', 'testid'])),
  k6('k6_http_req_failed_rate', 'gauge', K6_REQUEST_TAGS, ['name', 'testid']),
  k6('k6_iterations_total', 'counter', ['scenario'], ['testid']),
  k6('k6_vus', 'gauge', [], ['testid']),
  k6('k6_checks_rate', 'gauge', ['scenario'], ['check', 'testid']),
  k6('k6_jeeves_e2e_latency_p95', 'gauge', ['scenario'], ['testid']),
  k6('k6_jeeves_e2e_latency_p99', 'gauge', ['scenario'], ['testid']),
];

/** Series name → the metric it belongs to (a histogram is three series names). */
export function seriesIndex(metrics: readonly MetricSpec[] = METRICS): ReadonlyMap<string, MetricSpec> {
  const index = new Map<string, MetricSpec>();
  for (const m of metrics) {
    if (m.type === 'histogram') {
      for (const suffix of ['_bucket', '_sum', '_count']) index.set(m.name + suffix, m);
    } else {
      index.set(m.name, m);
    }
  }
  return index;
}

/**
 * Every label a series of this metric may carry. Load-driver series get no common labels here even
 * though the built-in driver is scraped (service="load-driver"): k6's remote-write series have none,
 * and a query that filters k6_* on `service` would come up empty for k6 users.
 */
export function labelsOf(metric: MetricSpec, seriesName: string): readonly string[] {
  const extra = seriesName.endsWith('_bucket') ? ['le'] : [];
  const common = metric.source === 'load-driver' ? [] : COMMON_LABELS;
  return [...common, ...metric.labels, ...(metric.optionalLabels ?? []), ...extra];
}

export interface QueryReferences {
  /** Metric (series) names the query selects. */
  readonly metrics: readonly string[];
  /** Label names used in matchers and in by/without/on/ignoring/group_* clauses. */
  readonly labels: readonly string[];
}

const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'inf',
  'nan',
  'atan2',
]);

/**
 * The metric and label names a PromQL expression references. A small scanner, not a parser: promtool
 * proves the expression parses; this only needs to find names. Template variables must already be
 * expanded.
 */
export function queryReferences(expr: string): QueryReferences {
  const labels = new Set<string>();
  const metrics = new Set<string>();
  // String literals first: they may hold braces, parentheses and anything else.
  let rest = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');
  rest = rest.replace(/\{([^}]*)\}/g, (_m, body: string) => {
    for (const match of body.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)) labels.add(match[1]);
    return ' ';
  });
  rest = rest.replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g, (_m, body: string) => {
    for (const name of body.split(',')) if (name.trim()) labels.add(name.trim());
    return ' ';
  });
  // Range and subquery selectors ([5m], [1h:30s]) and the duration after `offset`.
  rest = rest.replace(/\[[^\]]*\]/g, ' ').replace(/\boffset\s+-?[0-9a-z]+/g, ' ');
  for (const match of rest.matchAll(/(?<![\w.:])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    const [, name, call] = match;
    if (call || KEYWORDS.has(name.toLowerCase())) continue;
    metrics.add(name);
  }
  labels.delete('__name__');
  return { metrics: [...metrics].sort(), labels: [...labels].sort() };
}

/** What a query may reference beyond the catalogue: recorded series and the labels they keep. */
export interface ExtraSeries {
  readonly name: string;
  readonly labels: readonly string[];
}

/**
 * Problems with a query's names: metrics outside the catalogue (and outside `extra`), and labels that
 * none of the query's metrics carries. Empty when the query is fine.
 */
export function catalogueProblems(expr: string, extra: readonly ExtraSeries[] = []): string[] {
  const index = seriesIndex();
  const extraByName = new Map(extra.map((e) => [e.name, e]));
  const refs = queryReferences(expr);
  const problems: string[] = [];
  const allowedLabels = new Set<string>(['le']);
  if (refs.metrics.length === 0) problems.push('selects no metric');
  for (const name of refs.metrics) {
    const metric = index.get(name);
    const recorded = extraByName.get(name);
    if (metric) labelsOf(metric, name).forEach((l) => allowedLabels.add(l));
    else if (recorded) recorded.labels.forEach((l) => allowedLabels.add(l));
    else problems.push(`unknown metric ${name}`);
  }
  for (const label of refs.labels) {
    if (!allowedLabels.has(label)) problems.push(`label ${label} is on none of ${refs.metrics.join(', ')}`);
  }
  return problems;
}
