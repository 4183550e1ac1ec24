/**
 * tools/common: the lab side's foundation. One client per external thing the lab talks to over HTTP
 * (token-dealer, the services' chaos API, Prometheus, Toxiproxy), each behind an interface with a
 * fake in `tools/common/testing`, and the small helpers written once: the SVG line chart and the
 * k6-style duration parser. Imports only libs entries and node; everything on the lab side
 * (load-tests, tools/lab, experiments, the CLI, test/integration) may import it, through this file.
 */
export { answerBody, HttpAnswerError } from './clients/answer-error';
export { TokenSource, TokenDealerError } from './clients/token-dealer';
export type { AccessTokens, ClientCredentials } from './clients/token-dealer';
export { HttpChaosApi, ChaosApiError } from './clients/chaos-api';
export type { ChaosApi, ChaosAnswer, ChaosFault, ChaosRequest, HttpChaosApiOptions } from './clients/chaos-api';
export { HttpPrometheus, PrometheusError } from './clients/prometheus-api';
export type { PrometheusApi, RangeSeries, InstantSample, ActiveAlert } from './clients/prometheus-api';
export { HttpToxiproxy, ToxiproxyError, DEFAULT_TOXIPROXY_URL } from './clients/toxiproxy-api';
export type {
  ToxiproxyApi,
  ProxySpec,
  Proxy,
  Toxic,
  ToxicSpec,
  ToxicType,
  ToxicAttributes,
} from './clients/toxiproxy-api';
export {
  CHART_CSS,
  CHART_PALETTE,
  escapeHtml,
  niceTicks,
  renderLineChart,
  renderSvgDocument,
  type Chart,
  type ChartSeries,
  type ChartWindow,
  type LineChartOptions,
} from './charts';
export { DurationError, parseDuration, type Duration } from './duration';
