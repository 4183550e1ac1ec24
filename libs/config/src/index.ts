export { checkConfig, commonShape, ConfigError, env, KAFKA_TRANSPORTS, loadConfig, LOG_LEVELS } from './config';
export type { ConfigOf, ConfigProblem } from './config';
