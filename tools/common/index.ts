// The lab side's foundation (tools/common): small shared helpers, each with one home.
export {
  CHART_CSS,
  CHART_PALETTE,
  escapeHtml,
  niceTicks,
  renderLineChart,
  type Chart,
  type ChartSeries,
  type ChartWindow,
  type LineChartOptions,
} from './charts';
export { DurationError, parseDuration, type Duration } from './duration';
