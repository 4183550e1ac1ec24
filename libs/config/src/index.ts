export {
  checkConfig,
  commonShape,
  ConfigError,
  env,
  KAFKA_PRODUCER_ACKS_VALUES,
  KAFKA_TRANSPORTS,
  loadConfig,
  LOG_LEVELS,
} from './config';
export type { ConfigOf, ConfigProblem } from './config';
