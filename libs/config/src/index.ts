export { ConfigError, loadConfig, env, commonShape } from './config';
