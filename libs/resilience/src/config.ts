import { env } from '#libs/config';
import { type BreakerOptions, DEFAULT_BREAKER_OPTIONS } from './breaker';

type BreakerKeys<P extends string> =
  | `${P}_BREAKER_TIMEOUT_MS`
  | `${P}_BREAKER_ERROR_THRESHOLD_PERCENT`
  | `${P}_BREAKER_VOLUME_THRESHOLD`
  | `${P}_BREAKER_RESET_TIMEOUT_MS`
  | `${P}_BREAKER_WINDOW_MS`
  | `${P}_BREAKER_WINDOW_BUCKETS`;

/**
 * Environment variables for one dependency's breaker, for an app's `configShape`:
 * `breakerEnvShape('PROVIDER', { timeoutMs: 1500 })` adds PROVIDER_BREAKER_TIMEOUT_MS and friends,
 * with the lab's defaults. Read them back with `breakerOptionsFromConfig`.
 */
export function breakerEnvShape<P extends string>(prefix: P, defaults: Partial<BreakerOptions> = {}) {
  const d = { ...DEFAULT_BREAKER_OPTIONS, ...defaults };
  return {
    [`${prefix}_BREAKER_TIMEOUT_MS`]: env.int(d.timeoutMs, 1, 600_000),
    [`${prefix}_BREAKER_ERROR_THRESHOLD_PERCENT`]: env.number(d.errorThresholdPercentage, 1, 100),
    [`${prefix}_BREAKER_VOLUME_THRESHOLD`]: env.int(d.volumeThreshold, 0, 1_000_000),
    [`${prefix}_BREAKER_RESET_TIMEOUT_MS`]: env.int(d.resetTimeoutMs, 1, 3_600_000),
    [`${prefix}_BREAKER_WINDOW_MS`]: env.int(d.rollingCountTimeoutMs, 100, 3_600_000),
    [`${prefix}_BREAKER_WINDOW_BUCKETS`]: env.int(d.rollingCountBuckets, 1, 1000),
  } as Record<BreakerKeys<P>, ReturnType<typeof env.int>>;
}

/** The breaker options for `prefix` out of a validated config that included `breakerEnvShape(prefix)`. */
export function breakerOptionsFromConfig<P extends string>(
  config: Readonly<Record<BreakerKeys<P>, number>>,
  prefix: P,
): BreakerOptions {
  const options: BreakerOptions = {
    timeoutMs: config[`${prefix}_BREAKER_TIMEOUT_MS`],
    errorThresholdPercentage: config[`${prefix}_BREAKER_ERROR_THRESHOLD_PERCENT`],
    volumeThreshold: config[`${prefix}_BREAKER_VOLUME_THRESHOLD`],
    resetTimeoutMs: config[`${prefix}_BREAKER_RESET_TIMEOUT_MS`],
    rollingCountTimeoutMs: config[`${prefix}_BREAKER_WINDOW_MS`],
    rollingCountBuckets: config[`${prefix}_BREAKER_WINDOW_BUCKETS`],
  };
  if (options.rollingCountTimeoutMs % options.rollingCountBuckets !== 0) {
    throw new RangeError(
      `${prefix}_BREAKER_WINDOW_MS (${options.rollingCountTimeoutMs}) must be a multiple of ${prefix}_BREAKER_WINDOW_BUCKETS (${options.rollingCountBuckets})`,
    );
  }
  return options;
}
