// The console API's answers the page reads, from the server's own declaration of them
// (apps/console/src/api-types.ts). Type-only: the build erases these imports, so nothing of the
// server reaches the page's script, and a shape the server changes fails this side's type check.
export type {
  ChartData,
  ChartsView,
  ChatMessage,
  EdgeView,
  Fault,
  FaultForm,
  FaultForms,
  NetworkView,
  OverviewView,
  RatesView,
  ServiceFaults,
  ServiceView,
  TargetKind,
  ToxicForm,
  ToxicForms,
  ToxicView,
} from '../../src/api-types';
