// The Experiments API's answers, from the server's own declaration of them
// (apps/console/src/api-types.ts), and the CLI's events and plans as libs/contracts defines them
// with zod (experiment-events.ts). Type-only: the build erases these imports, so neither the server
// nor zod reaches the page's script, and a shape changed on either side fails this side's type check.
export type {
  ExperimentDescription,
  ExperimentEvent,
  ExperimentList,
  ExperimentPhase,
  ExperimentPlan,
  FeedEntry,
  ReportList,
  ReportSummary,
  RunFeed,
  RunState,
  RunView,
} from '../../src/api-types';
