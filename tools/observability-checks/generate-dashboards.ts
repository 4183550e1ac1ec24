/**
 * Source of the Grafana dashboards in grafana/dashboards/*.json. The JSON files are what Grafana
 * loads and what users edit and export; this module is how we write them with one layout, one
 * datasource and one style of query. A unit test fails when the two differ, so edit here and run:
 *
 *   npm run build && node dist/tools/observability-checks/generate-dashboards.js
 *
 * from the repo root. A dashboard changed in Grafana's UI can be exported over the JSON file; then
 * port the change here before the test passes again.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const PROMETHEUS_DATASOURCE = { type: 'prometheus', uid: 'prometheus' } as const;
const SCHEMA_VERSION = 39;
const GRID_COLUMNS = 24;

type Unit = 'reqps' | 'percentunit' | 's' | 'short' | 'bytes' | 'ops' | 'none';

interface Query {
  readonly expr: string;
  readonly legend: string;
  /** Show exemplars (trace links) for histogram queries. */
  readonly exemplar?: boolean;
}

interface PanelSpec {
  readonly title: string;
  readonly description: string;
  readonly queries: readonly Query[];
  readonly unit: Unit;
  readonly type?: 'timeseries' | 'stat' | 'state-timeline';
  /** Grid columns (of 24). */
  readonly width?: number;
  readonly height?: number;
  readonly stacked?: boolean;
  readonly max?: number;
  readonly mappings?: readonly unknown[];
  readonly thresholds?: readonly { readonly value: number | null; readonly color: string }[];
}

interface RowSpec {
  readonly row: string;
}

type Item = PanelSpec | RowSpec;

interface DashboardSpec {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly variables: readonly ('service' | 'instance' | 'gateway-instance')[];
  readonly items: readonly Item[];
}

// ---- query helpers ----------------------------------------------------------------------------

/** Matchers every per-service query carries. */
const SEL = 'service=~"$service", instance=~"$instance"';
const RI = '$__rate_interval';

/** A series selector; no braces when there are no matchers. */
const sel = (series: string, ...matchers: string[]): string => {
  const m = matchers.filter(Boolean).join(', ');
  return m ? `${series}{${m}}` : series;
};
const rate = (series: string, matchers: string, by: string): string =>
  `sum by (${by}) (rate(${sel(series, matchers)}[${RI}]))`;
const quantile = (q: number, histogram: string, matchers: string, by: string): string =>
  `histogram_quantile(${q}, sum by (${[by, 'le'].filter(Boolean).join(', ')}) (rate(${sel(`${histogram}_bucket`, matchers)}[${RI}])))`;
/**
 * Share of `series` matching `bad`, e.g. 5xx among all requests. The `or ... * 0` makes it 0, not
 * "no data", while there has been traffic but no bad series yet (a 5xx series is born on the first 5xx).
 */
const ratio = (series: string, bad: string, matchers: string, by: string): string => {
  const sum = by ? `sum by (${by})` : 'sum';
  const all = `${sum} (rate(${sel(series, matchers)}[${RI}]))`;
  return `(${sum} (rate(${sel(series, matchers, bad)}[${RI}])) or ${all} * 0) / ${all}`;
};

// ---- dashboards -------------------------------------------------------------------------------

const overview: DashboardSpec = {
  uid: 'jeeves-overview',
  title: 'Jeeves overview',
  description: 'RED per service, end-to-end message latency and outcomes, edge admission, runtime health.',
  tags: ['jeeves', 'red'],
  variables: ['service', 'instance'],
  items: [
    { row: 'Requests, errors, duration (per service)' },
    {
      title: 'Request rate',
      description: 'HTTP requests per second answered by each service.',
      unit: 'reqps',
      queries: [{ expr: rate('http_server_request_duration_seconds_count', SEL, 'service'), legend: '{{service}}' }],
    },
    {
      title: '5xx error ratio',
      description: 'Share of requests answered 5xx (the availability SLI; the SLO allows 0.5%).',
      unit: 'percentunit',
      queries: [
        {
          expr: ratio('http_server_request_duration_seconds_count', 'status_class="5xx"', SEL, 'service'),
          legend: '{{service}}',
        },
      ],
      thresholds: [
        { value: null, color: 'green' },
        { value: 0.005, color: 'red' },
      ],
    },
    {
      title: 'Latency p95',
      description: '95th percentile of HTTP request duration per service. Dots are exemplars: click one for its trace.',
      unit: 's',
      queries: [
        {
          expr: quantile(0.95, 'http_server_request_duration_seconds', SEL, 'service'),
          legend: '{{service}}',
          exemplar: true,
        },
      ],
    },
    {
      title: 'Latency p99',
      description: '99th percentile of HTTP request duration per service.',
      unit: 's',
      queries: [
        {
          expr: quantile(0.99, 'http_server_request_duration_seconds', SEL, 'service'),
          legend: '{{service}}',
          exemplar: true,
        },
      ],
    },
    {
      title: 'Requests by route and status class',
      description: 'Where the traffic goes and how it is answered (route templates, not raw paths).',
      unit: 'reqps',
      width: 16,
      queries: [
        {
          expr: rate('http_server_request_duration_seconds_count', SEL, 'service, method, route, status_class'),
          legend: '{{service}} {{method}} {{route}} {{status_class}}',
        },
      ],
    },
    {
      title: 'In-flight requests',
      description: 'Requests being handled right now; grows when a service slows down or a dependency hangs.',
      unit: 'short',
      queries: [{ expr: `sum by (service) (http_server_requests_in_flight{${SEL}})`, legend: '{{service}}' }],
    },
    { row: 'Messages end to end' },
    {
      title: 'End-to-end latency',
      description: 'From acceptance at the gateway to the stored reply (observed by data-service), all intents.',
      unit: 's',
      queries: [0.5, 0.95, 0.99].map((q) => ({
        expr: quantile(q, 'jeeves_message_end_to_end_seconds', '', ''),
        legend: `p${Math.round(q * 100)}`,
        exemplar: true,
      })),
    },
    {
      title: 'End-to-end latency p95 by intent',
      description: 'Weather and time go through the worker and the provider; help is answered by the bot.',
      unit: 's',
      queries: [{ expr: quantile(0.95, 'jeeves_message_end_to_end_seconds', '', 'intent'), legend: '{{intent}}' }],
    },
    {
      title: 'Message outcomes',
      description:
        'Messages completed per second by intent, final status and whether the reply was degraded (a fallback).',
      unit: 'ops',
      stacked: true,
      queries: [
        {
          expr: 'sum by (intent, status, degraded) (rate(jeeves_messages_completed_total[$__rate_interval]))',
          legend: '{{intent}} {{status}} degraded={{degraded}}',
        },
      ],
    },
    {
      title: 'Accepted vs rate-limited',
      description: 'Messages the gateway accepted, and requests it turned away with 429, per client.',
      unit: 'reqps',
      queries: [
        {
          expr: 'sum by (client) (rate(jeeves_messages_accepted_total[$__rate_interval]))',
          legend: 'accepted {{client}}',
        },
        {
          expr: 'sum by (client) (rate(jeeves_rate_limited_requests_total[$__rate_interval]))',
          legend: 'rate-limited {{client}}',
        },
      ],
    },
    {
      title: 'Intents parsed',
      description: 'What users ask for, as the bot understood it.',
      unit: 'ops',
      stacked: true,
      queries: [{ expr: 'sum by (intent) (rate(jeeves_bot_intents_total[$__rate_interval]))', legend: '{{intent}}' }],
    },
    {
      title: 'Degraded replies',
      description: 'Share of completed messages answered from a fallback instead of the provider.',
      unit: 'percentunit',
      queries: [{ expr: ratio('jeeves_messages_completed_total', 'degraded="true"', '', ''), legend: 'degraded' }],
    },
    { row: 'Runtime' },
    {
      title: 'Targets up',
      description: 'Scrape health per service: 1 per healthy instance.',
      unit: 'short',
      type: 'stat',
      queries: [{ expr: `sum by (service) (up{job="jeeves", ${SEL}})`, legend: '{{service}}' }],
    },
    {
      title: 'Event loop lag p99',
      description: "Node's event loop delay; past ~100 ms every request on that instance waits.",
      unit: 's',
      queries: [
        {
          expr: `max by (service, instance) (nodejs_eventloop_lag_p99_seconds{${SEL}})`,
          legend: '{{service}} {{instance}}',
        },
      ],
    },
    {
      title: 'CPU',
      description: 'CPU seconds per second (1 = one full core).',
      unit: 'short',
      queries: [
        { expr: rate('process_cpu_seconds_total', SEL, 'service, instance'), legend: '{{service}} {{instance}}' },
      ],
    },
    {
      title: 'Resident memory',
      description: 'RSS per instance; the memory chaos fault shows here.',
      unit: 'bytes',
      queries: [
        {
          expr: `sum by (service, instance) (process_resident_memory_bytes{${SEL}})`,
          legend: '{{service}} {{instance}}',
        },
      ],
    },
    {
      title: 'Heap used',
      description: 'V8 heap in use per instance.',
      unit: 'bytes',
      queries: [
        {
          expr: `sum by (service, instance) (nodejs_heap_size_used_bytes{${SEL}})`,
          legend: '{{service}} {{instance}}',
        },
      ],
    },
  ],
};

const kafka: DashboardSpec = {
  uid: 'jeeves-kafka',
  title: 'Jeeves Kafka',
  description: 'Produce and consume throughput, handler outcomes and duration, consumer lag, rebalances, dead letters.',
  tags: ['jeeves', 'kafka'],
  variables: ['service', 'instance'],
  items: [
    { row: 'Throughput' },
    {
      title: 'Produced per topic',
      description: 'Messages produced per second, by topic and outcome (ok | error).',
      unit: 'ops',
      queries: [
        { expr: rate('jeeves_kafka_messages_produced_total', SEL, 'topic, outcome'), legend: '{{topic}} {{outcome}}' },
      ],
    },
    {
      title: 'Consumed per topic',
      description: 'Messages handled per second, by topic and consumer group.',
      unit: 'ops',
      queries: [
        { expr: rate('jeeves_kafka_messages_consumed_total', SEL, 'topic, group'), legend: '{{group}} ← {{topic}}' },
      ],
    },
    {
      title: 'Consume outcomes',
      description: 'ok, retried, dead_lettered, duplicate (already processed: idempotency at work).',
      unit: 'ops',
      stacked: true,
      queries: [
        { expr: rate('jeeves_kafka_messages_consumed_total', SEL, 'group, outcome'), legend: '{{group}} {{outcome}}' },
      ],
    },
    {
      title: 'Producer errors',
      description: 'Failed sends per second (broker down, produce-failure chaos).',
      unit: 'ops',
      queries: [
        { expr: rate('jeeves_kafka_producer_errors_total', SEL, 'service, topic'), legend: '{{service}} → {{topic}}' },
      ],
    },
    { row: 'Lag and group health' },
    {
      title: 'Consumer lag per group',
      description: 'Messages behind the log end, summed over partitions (each partition counted once).',
      unit: 'short',
      queries: [
        {
          expr: `sum by (group, topic) (max by (group, topic, partition) (jeeves_kafka_consumer_lag_messages{${SEL}}))`,
          legend: '{{group}} {{topic}}',
        },
      ],
    },
    {
      title: 'Consumer lag per partition',
      description: 'A single hot partition means a hot key (messages are keyed by user).',
      unit: 'short',
      queries: [
        {
          expr: `max by (group, topic, partition) (jeeves_kafka_consumer_lag_messages{${SEL}})`,
          legend: '{{group}} {{topic}}/{{partition}}',
        },
      ],
    },
    {
      title: 'Rebalances',
      description: 'Group rebalances (scaling, crashes, slow handlers missing heartbeats).',
      unit: 'short',
      queries: [
        {
          expr: `sum by (service, group) (increase(jeeves_kafka_consumer_rebalances_total{${SEL}}[${RI}]))`,
          legend: '{{service}} {{group}}',
        },
      ],
    },
    { row: 'Handlers and dead letters' },
    {
      title: 'Handler duration p95',
      description: 'Time to handle one message, per topic and group.',
      unit: 's',
      queries: [
        {
          expr: quantile(0.95, 'jeeves_kafka_handler_duration_seconds', SEL, 'topic, group'),
          legend: '{{group}} {{topic}}',
          exemplar: true,
        },
      ],
    },
    {
      title: 'Handler duration p99',
      description: 'Tail of message handling; near the session timeout it causes rebalances.',
      unit: 's',
      queries: [
        {
          expr: quantile(0.99, 'jeeves_kafka_handler_duration_seconds', SEL, 'topic, group'),
          legend: '{{group}} {{topic}}',
        },
      ],
    },
    {
      title: 'Dead letters by reason',
      description: 'Messages sent to jeeves.dlq.v1 per second, by source topic and reason.',
      unit: 'ops',
      stacked: true,
      queries: [
        {
          expr: rate('jeeves_kafka_dead_letters_total', SEL, 'source_topic, reason'),
          legend: '{{source_topic}} {{reason}}',
        },
      ],
    },
  ],
};

const BREAKER_MAPPINGS = [
  {
    type: 'value',
    options: {
      '0': { text: 'closed', color: 'green', index: 0 },
      '1': { text: 'half-open', color: 'yellow', index: 1 },
      '2': { text: 'open', color: 'red', index: 2 },
    },
  },
];

const resilience: DashboardSpec = {
  uid: 'jeeves-resilience',
  title: 'Jeeves resilience',
  description: 'Circuit breakers, fallbacks, retries, bulkheads and the chaos faults that exercise them.',
  tags: ['jeeves', 'resilience', 'chaos'],
  variables: ['service', 'instance'],
  items: [
    { row: 'Breakers' },
    {
      title: 'Breaker state',
      description: 'closed / half-open / open per service and dependency.',
      unit: 'none',
      type: 'state-timeline',
      width: 24,
      height: 6,
      mappings: BREAKER_MAPPINGS,
      queries: [
        {
          expr:
            `max by (service, dependency) (jeeves_breaker_state{state="half_open", ${SEL}})` +
            ` + 2 * max by (service, dependency) (jeeves_breaker_state{state="open", ${SEL}})`,
          legend: '{{service}} → {{dependency}}',
        },
      ],
    },
    {
      title: 'Calls by outcome',
      description: 'success, failure, timeout, rejected (breaker open), fallback.',
      unit: 'ops',
      stacked: true,
      queries: [
        { expr: rate('jeeves_breaker_calls_total', SEL, 'dependency, outcome'), legend: '{{dependency}} {{outcome}}' },
      ],
    },
    {
      title: 'Fallbacks',
      description: 'Calls answered by the fallback (degraded replies).',
      unit: 'ops',
      queries: [
        {
          expr: rate('jeeves_breaker_calls_total', `outcome="fallback", ${SEL}`, 'service, dependency'),
          legend: '{{service}} → {{dependency}}',
        },
      ],
    },
    {
      title: 'Breaker transitions',
      description: 'State changes per interval, by the state entered.',
      unit: 'short',
      queries: [
        {
          expr: `sum by (dependency, to) (increase(jeeves_breaker_transitions_total{${SEL}}[${RI}]))`,
          legend: '{{dependency}} → {{to}}',
        },
      ],
    },
    { row: 'Gateway reads over Kafka request-reply (GATEWAY_READS=kafka)' },
    {
      title: 'Kafka reads by outcome',
      description:
        'Request-reply calls per second by request topic and outcome: replied, timeout (503 after DATA_SERVICE_TIMEOUT_MS), error (not sent, or the responder failed). ADR 0042.',
      unit: 'ops',
      stacked: true,
      queries: [
        {
          expr: rate('jeeves_kafka_request_duration_seconds_count', SEL, 'topic, outcome'),
          legend: '{{topic}} {{outcome}}',
        },
      ],
    },
    {
      title: 'Kafka read duration p99',
      description:
        'From send() to the reply or to giving up; a rebalance of the responders shows as a jump to the deadline.',
      unit: 's',
      queries: [
        {
          expr: quantile(0.99, 'jeeves_kafka_request_duration_seconds', SEL, 'topic'),
          legend: '{{topic}}',
        },
      ],
    },
    {
      title: 'Timeouts, late and stray replies',
      description:
        'Per interval: reads given up at their deadline; replies that came after that (late); replies for another gateway instance, delivered here after its reply partition moved (stray).',
      unit: 'short',
      queries: [
        {
          expr: `sum by (topic) (increase(jeeves_kafka_request_timeouts_total{${SEL}}[${RI}]))`,
          legend: 'timeouts {{topic}}',
        },
        {
          expr: `sum by (topic) (increase(jeeves_kafka_late_replies_total{${SEL}}[${RI}]))`,
          legend: 'late {{topic}}',
        },
        {
          expr: `sum by (topic) (increase(jeeves_kafka_stray_replies_total{${SEL}}[${RI}]))`,
          legend: 'stray {{topic}}',
        },
      ],
    },
    {
      title: 'Kafka reads in flight',
      description: 'Request-reply calls sent and not yet answered or given up, per gateway instance.',
      unit: 'short',
      queries: [
        {
          expr: `sum by (instance, topic) (jeeves_kafka_requests_in_flight{${SEL}})`,
          legend: '{{instance}} {{topic}}',
        },
      ],
    },
    { row: 'Retries and bulkheads' },
    {
      title: 'Retries',
      description: 'Retry attempts per second (each retry is extra load on a dependency that may be struggling).',
      unit: 'ops',
      queries: [
        { expr: rate('jeeves_retries_total', SEL, 'service, dependency'), legend: '{{service}} → {{dependency}}' },
      ],
    },
    {
      title: 'Bulkhead rejections',
      description: 'Calls refused because the bulkhead was full.',
      unit: 'ops',
      queries: [
        {
          expr: rate('jeeves_bulkhead_rejections_total', SEL, 'service, dependency'),
          legend: '{{service}} → {{dependency}}',
        },
      ],
    },
    {
      title: 'Bulkhead active',
      description: 'Calls in progress inside each bulkhead.',
      unit: 'short',
      queries: [
        {
          expr: `sum by (service, dependency) (jeeves_bulkhead_active{${SEL}})`,
          legend: '{{service}} → {{dependency}}',
        },
      ],
    },
    { row: 'Chaos' },
    {
      title: 'Active chaos faults',
      description: 'Faults in force right now, by service, type and target.',
      unit: 'short',
      width: 12,
      queries: [
        {
          expr: `sum by (service, type, target) (jeeves_chaos_active_faults{${SEL}})`,
          legend: '{{service}} {{type}} {{target}}',
        },
      ],
    },
    {
      title: 'Faults injected',
      description: 'Fault injections per interval, by type.',
      unit: 'short',
      width: 12,
      queries: [
        {
          expr: `sum by (service, type) (increase(jeeves_chaos_faults_injected_total{${SEL}}[${RI}]))`,
          legend: '{{service}} {{type}}',
        },
      ],
    },
    {
      title: '5xx error ratio',
      description: 'What the users see while the faults are on.',
      unit: 'percentunit',
      width: 12,
      queries: [
        {
          expr: ratio('http_server_request_duration_seconds_count', 'status_class="5xx"', SEL, 'service'),
          legend: '{{service}}',
        },
      ],
    },
    {
      title: 'Degraded replies',
      description: 'Share of completed messages answered from a fallback.',
      unit: 'percentunit',
      width: 12,
      queries: [{ expr: ratio('jeeves_messages_completed_total', 'degraded="true"', '', ''), legend: 'degraded' }],
    },
  ],
};

/** The gateway panels of the load dashboard: the server's view next to the driver's. */
const GW = 'service="gateway", instance=~"$instance"';

const loadTest: DashboardSpec = {
  uid: 'jeeves-load-test',
  title: 'Jeeves load test',
  description:
    "The load driver's view (k6 names: the built-in driver and k6's Prometheus remote-write output) next to the gateway's own RED metrics.",
  tags: ['jeeves', 'load', 'k6'],
  variables: ['gateway-instance'],
  items: [
    { row: 'Load driver' },
    {
      title: 'Request rate',
      description: 'Requests per second sent by the driver, per scenario.',
      unit: 'reqps',
      queries: [{ expr: `sum by (scenario) (rate(k6_http_reqs_total[${RI}]))`, legend: '{{scenario}}' }],
    },
    {
      title: 'Requests by status',
      description: 'Responses the driver received, by HTTP status.',
      unit: 'reqps',
      stacked: true,
      queries: [{ expr: `sum by (status) (rate(k6_http_reqs_total[${RI}]))`, legend: '{{status}}' }],
    },
    {
      title: 'Failure rate',
      description:
        'Share of requests with an unexpected response (counted), and the highest http_req_failed rate the driver reports.',
      unit: 'percentunit',
      queries: [
        {
          expr: ratio('k6_http_reqs_total', 'expected_response="false"', '', ''),
          legend: 'unexpected responses',
        },
        { expr: 'max(k6_http_req_failed_rate)', legend: 'http_req_failed (max)' },
      ],
    },
    {
      title: 'Request duration (driver)',
      description: 'Trend stats of http_req_duration as the driver measures it (slowest request group).',
      unit: 's',
      queries: (['p99', 'p95', 'p90', 'med', 'avg'] as const).map((s) => ({
        expr: `max(k6_http_req_duration_${s})`,
        legend: s,
      })),
    },
    {
      title: 'End-to-end latency (driver vs server)',
      description: 'Accept-to-reply latency as the driver polls it, next to the histogram data-service records.',
      unit: 's',
      queries: [
        { expr: 'max(k6_jeeves_e2e_latency_p95)', legend: 'driver p95' },
        { expr: 'max(k6_jeeves_e2e_latency_p99)', legend: 'driver p99' },
        { expr: quantile(0.95, 'jeeves_message_end_to_end_seconds', '', ''), legend: 'server p95' },
        { expr: quantile(0.99, 'jeeves_message_end_to_end_seconds', '', ''), legend: 'server p99' },
      ],
    },
    {
      title: 'Virtual users and iterations',
      description: 'Active VUs and completed iterations per second.',
      unit: 'short',
      queries: [
        { expr: 'sum(k6_vus)', legend: 'VUs' },
        { expr: `sum(rate(k6_iterations_total[${RI}]))`, legend: 'iterations/s' },
      ],
    },
    {
      title: 'Checks passing',
      description: 'Lowest pass rate among the checks.',
      unit: 'percentunit',
      max: 1,
      queries: [{ expr: 'min(k6_checks_rate)', legend: 'checks' }],
    },
    { row: 'Gateway (server view)' },
    {
      title: 'Gateway request rate',
      description: 'Requests the gateway answered, by route and status class.',
      unit: 'reqps',
      stacked: true,
      queries: [
        {
          expr: rate('http_server_request_duration_seconds_count', GW, 'route, status_class'),
          legend: '{{route}} {{status_class}}',
        },
      ],
    },
    {
      title: 'Gateway 5xx ratio',
      description: 'Share of gateway requests answered 5xx.',
      unit: 'percentunit',
      queries: [
        { expr: ratio('http_server_request_duration_seconds_count', 'status_class="5xx"', GW, ''), legend: '5xx' },
      ],
    },
    {
      title: 'Gateway latency',
      description: 'p95 and p99 of gateway request duration, to compare with the driver.',
      unit: 's',
      queries: [
        { expr: quantile(0.95, 'http_server_request_duration_seconds', GW, ''), legend: 'p95', exemplar: true },
        { expr: quantile(0.99, 'http_server_request_duration_seconds', GW, ''), legend: 'p99', exemplar: true },
      ],
    },
    {
      title: 'Accepted vs rate-limited',
      description: 'Messages accepted and requests rejected with 429 by the gateway.',
      unit: 'reqps',
      queries: [
        { expr: `sum(rate(jeeves_messages_accepted_total{${GW}}[${RI}]))`, legend: 'accepted' },
        { expr: `sum(rate(jeeves_rate_limited_requests_total{${GW}}[${RI}]))`, legend: 'rate-limited' },
      ],
    },
    {
      title: 'Gateway in-flight',
      description: 'Concurrent requests inside the gateway.',
      unit: 'short',
      queries: [{ expr: `sum(http_server_requests_in_flight{${GW}})`, legend: 'in flight' }],
    },
  ],
};

export const DASHBOARD_SPECS: readonly DashboardSpec[] = [overview, kafka, resilience, loadTest];

// ---- JSON model -------------------------------------------------------------------------------

function variable(kind: DashboardSpec['variables'][number]): Record<string, unknown> {
  const [name, label, selector] =
    kind === 'service'
      ? ['service', 'Service', 'http_server_request_duration_seconds_count']
      : kind === 'instance'
        ? ['instance', 'Instance', 'up{job="jeeves", service=~"$service"}']
        : ['instance', 'Gateway instance', 'up{job="jeeves", service="gateway"}'];
  const labelName = name;
  const query = `label_values(${selector}, ${labelName})`;
  return {
    name,
    label,
    type: 'query',
    datasource: PROMETHEUS_DATASOURCE,
    definition: query,
    query: { qryType: 1, query, refId: 'PrometheusVariableQueryEditor-VariableQuery' },
    refresh: 2,
    includeAll: true,
    multi: true,
    allValue: '.*',
    current: { selected: true, text: ['All'], value: ['$__all'] },
    options: [],
    regex: '',
    sort: 1,
    hide: 0,
  };
}

function panelJson(spec: PanelSpec, id: number, gridPos: GridPos): Record<string, unknown> {
  const type = spec.type ?? 'timeseries';
  const defaults: Record<string, unknown> = {
    unit: spec.unit,
    min: 0,
    ...(spec.max !== undefined ? { max: spec.max } : {}),
    ...(spec.mappings ? { mappings: spec.mappings } : {}),
    thresholds: {
      mode: 'absolute',
      steps: spec.thresholds ?? [{ value: null, color: 'green' }],
    },
    ...(type === 'timeseries'
      ? {
          custom: {
            drawStyle: 'line',
            lineWidth: 1,
            fillOpacity: spec.stacked ? 30 : 10,
            showPoints: 'never',
            stacking: { mode: spec.stacked ? 'normal' : 'none', group: 'A' },
            thresholdsStyle: { mode: spec.thresholds ? 'line' : 'off' },
          },
        }
      : {}),
  };
  const options =
    type === 'stat'
      ? {
          reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
          colorMode: 'value',
          graphMode: 'area',
          textMode: 'auto',
        }
      : type === 'state-timeline'
        ? {
            showValue: 'auto',
            mergeValues: true,
            alignValue: 'left',
            rowHeight: 0.9,
            legend: { showLegend: true, displayMode: 'list', placement: 'bottom' },
          }
        : {
            legend: { showLegend: true, displayMode: 'list', placement: 'bottom', calcs: [] },
            tooltip: { mode: 'multi', sort: 'desc' },
          };
  return {
    id,
    type,
    title: spec.title,
    description: spec.description,
    datasource: PROMETHEUS_DATASOURCE,
    gridPos,
    fieldConfig: { defaults, overrides: [] },
    options,
    targets: spec.queries.map((q, i) => ({
      refId: String.fromCharCode(65 + i),
      datasource: PROMETHEUS_DATASOURCE,
      expr: q.expr,
      legendFormat: q.legend,
      range: true,
      instant: false,
      ...(q.exemplar ? { exemplar: true } : {}),
    })),
  };
}

interface GridPos {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** Lays panels left to right, wrapping at 24 columns; a row starts a new line. */
function layout(items: readonly Item[]): Record<string, unknown>[] {
  const panels: Record<string, unknown>[] = [];
  let x = 0;
  let y = 0;
  let lineHeight = 0;
  let id = 1;
  for (const item of items) {
    if ('row' in item) {
      y += lineHeight;
      panels.push({
        id: id++,
        type: 'row',
        title: item.row,
        collapsed: false,
        gridPos: { x: 0, y, w: GRID_COLUMNS, h: 1 },
        panels: [],
      });
      y += 1;
      x = 0;
      lineHeight = 0;
      continue;
    }
    const w = item.width ?? 8;
    const h = item.height ?? 8;
    if (x + w > GRID_COLUMNS) {
      y += lineHeight;
      x = 0;
      lineHeight = 0;
    }
    panels.push(panelJson(item, id++, { x, y, w, h }));
    x += w;
    lineHeight = Math.max(lineHeight, h);
  }
  return panels;
}

/** Dashboard JSON models by file name. */
export function buildDashboards(): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const spec of DASHBOARD_SPECS) {
    out[`${spec.uid}.json`] = {
      uid: spec.uid,
      title: spec.title,
      description: spec.description,
      tags: [...spec.tags],
      schemaVersion: SCHEMA_VERSION,
      version: 1,
      editable: true,
      graphTooltip: 1,
      timezone: 'browser',
      refresh: '10s',
      time: { from: 'now-30m', to: 'now' },
      links: DASHBOARD_SPECS.filter((d) => d.uid !== spec.uid).map((d) => ({
        type: 'link',
        title: d.title,
        url: `/d/${d.uid}`,
        keepTime: true,
        includeVars: false,
        targetBlank: false,
        icon: 'dashboard',
        tags: [],
        asDropdown: false,
        tooltip: d.description,
      })),
      annotations: {
        list: [
          {
            builtIn: 1,
            datasource: { type: 'grafana', uid: '-- Grafana --' },
            enable: true,
            hide: true,
            iconColor: 'rgba(0, 211, 255, 1)',
            name: 'Annotations & Alerts',
            type: 'dashboard',
          },
        ],
      },
      templating: { list: spec.variables.map(variable) },
      panels: layout(spec.items),
    };
  }
  return out;
}

export function renderDashboard(model: Record<string, unknown>): string {
  return JSON.stringify(model, null, 2) + '\n';
}

/** Writes grafana/dashboards/*.json; `dir` defaults to the one under the working directory (the repo root). */
export function writeDashboards(dir = resolve('grafana', 'dashboards')): string[] {
  return Object.entries(buildDashboards()).map(([file, model]) => {
    const path = join(dir, file);
    writeFileSync(path, renderDashboard(model));
    return path;
  });
}

if (require.main === module) {
  for (const path of writeDashboards()) console.log(`wrote ${path}`);
}
