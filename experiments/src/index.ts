/**
 * experiments (ADR 0013): definitions, the runner, reports. What the CLI and the integration specs
 * use of it, through this file; it imports the lab core, load-tests, tools/common and libs.
 */
export { dumpDom, dumpUrlDom, plottedSeries, screenshot, screenshotUrl, visibleText } from './browser';
export { ExperimentError, experimentNames } from './definition';
export { describeExperiment, describeExperiments } from './describe';
export { type ReportFiles } from './report';
export { runAndReport, runVariantsAndReport } from './run';
export { type RunEventSink, type RunRecord } from './runner';
