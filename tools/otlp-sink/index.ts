export { startOtlpSink } from './sink';
export type { OtlpSink } from './sink';
export { flattenSpans, spanTree, renderTree } from './spans';
export type { StoredSpan, SpanNode, OtlpTraceRequest } from './spans';
