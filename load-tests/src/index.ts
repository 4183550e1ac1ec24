/**
 * load-tests (ADR 0013): scenarios, plans, thresholds and the built-in open-model driver. What the
 * experiments, the CLI and benchmarks use of it, through this file; it imports only tools/common and libs.
 */
export { DEFAULT_CLIENTS, type JeevesTarget } from './driver/jeeves';
export { LiveMetrics, setScrapeTarget } from './driver/live-metrics';
export { progressLine } from './driver/progress';
export { EXIT_THRESHOLDS_FAILED, perArrivalSecond, runScenario, type RunResult } from './driver/runner';
export { buildSummary, resultDir, writeSummary } from './driver/summary';
export { type SecondSummary } from './driver/timeline';
export { percentile } from './metrics';
export { applyOverrides, type Overrides } from './plan';
export {
  constantRateScenario,
  FLOWS,
  loadScenario,
  parseScenario,
  scenarioNames,
  type ConstantRateOptions,
  type FlowName,
  type Scenario,
} from './scenario';
export { compare, type ThresholdResult } from './thresholds';
