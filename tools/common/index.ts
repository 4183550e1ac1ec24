// The lab side's foundation (tools/common): small shared helpers, each with one home.
export { DurationError, parseDuration, type Duration } from './duration';
