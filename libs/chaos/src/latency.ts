export type LatencyDistribution = 'uniform' | 'normal' | 'exponential';

export interface LatencyParams {
  ms: number;
  jitterMs: number;
  distribution: LatencyDistribution;
}

const MAX_LATENCY_MS = 60_000;

/**
 * One delay drawn from the fault's distribution: `uniform` is ms ± jitterMs, `normal` has mean ms
 * and standard deviation jitterMs, `exponential` has mean ms (a long tail, as real networks have).
 */
export function sampleLatencyMs(params: LatencyParams, random: () => number = Math.random): number {
  let value: number;
  switch (params.distribution) {
    case 'uniform':
      value = params.ms + (random() * 2 - 1) * params.jitterMs;
      break;
    case 'normal': {
      // Box-Muller; 1 - random() keeps the logarithm's argument in (0, 1].
      const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      value = params.ms + z * params.jitterMs;
      break;
    }
    case 'exponential':
      value = -params.ms * Math.log(1 - random());
      break;
  }
  return Math.round(Math.min(MAX_LATENCY_MS, Math.max(0, value)));
}
