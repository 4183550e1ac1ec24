/**
 * tools/lab, the lab's core (ADR 0013): settings, the apps table, app instances, the broker, Prometheus,
 * traces and the trace UI, and lab.ts's up/down/kill/restart/scale/status. What experiments, the
 * CLI, benchmarks and integration specs use of it, through this file; it imports none of them.
 */
export { APPS, APP_NAMES, appPort, isAppName, type AppName } from './apps';
export {
  GATEWAY_READS_MODES,
  LabConfigError,
  REPO_ROOT,
  brokersOf,
  labSetting,
  labSettings,
  loadLabConfig,
  type GatewayReads,
  type LabConfig,
} from './config';
export {
  appEnv,
  appMain,
  appPidFile,
  describeInstance,
  instanceReady,
  knownInstances,
  runningInstances,
  startInstance,
  stopInstance,
  waitInstancesReady,
} from './instances';
export { clusterNodeIds, contractPartitions, ensureTopics, kafkaAnswers, type PartitionReplicas } from './kafka/admin';
export { isBrokerName, kafkaNodes, kafkaPaths, type KafkaNode } from './kafka/config';
export { kafkaLibsDir } from './kafka/install';
export { kafkaNodePids, kafkaPid, startKafka, stopKafka, type KafkaState } from './kafka/process';
export { LabNotRunningError, type MissingPart } from './lab-not-running';
export {
  down,
  kill,
  logs,
  openLab,
  pause,
  readLabDescription,
  resolveInstance,
  restart,
  scale,
  status,
  type LabDescription,
  up,
} from './lab';
export { CONSOLE, consoleEnv, consolePaths, startConsole, stopConsole } from './console';
export { type Log } from './log';
export { liveProcess, readPidFile, removePidFile, spawnDetached, stopProcess, writePidFile } from './processes';
export { findPrometheusTool, pinnedPrometheusVersion, prometheusCacheDir, reportedVersion } from './prometheus-install';
export {
  prometheusConfig,
  prometheusNotRunning,
  prometheusPaths,
  prometheusPid,
  prometheusUrl,
  startPrometheus,
  stopPrometheus,
  targetGroups,
  writeTargets,
} from './prometheus';
export { WHOLE_PIPELINE, requireRunning, type LabPart } from './running';
export { ZIPKIN, launchTraceUi, runningZipkin, traceUiSettings, zipkinTraceUrl } from './trace-ui';
export { readTraceSpans, tracePaths, traceSinkPort } from './traces';
export { waitFor } from './wait';
export { wipeLab } from './wipe';
