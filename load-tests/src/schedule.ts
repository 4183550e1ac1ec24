import type { FlowPlan } from './plan';

/**
 * Intended start times (ms from the start of the run) of one flow's iterations under a
 * ramping-arrival-rate plan: the rate ramps linearly through each stage, and an iteration is due
 * each time the expected count of arrivals ∫rate dt crosses a whole number. The driver starts
 * iterations at these times whatever the responses do (open model).
 */
export function* arrivalTimes(plan: Pick<FlowPlan, 'startPerMinute' | 'stages'>): Generator<number> {
  let stageStartMs = 0;
  let countAtStageStart = 0;
  let rateAtStageStart = plan.startPerMinute / 60_000;
  let next = 1;
  for (const stage of plan.stages) {
    const endRate = stage.targetPerMinute / 60_000;
    const T = stage.durationMs;
    // N(t) = b·t + a·t², the arrivals expected t ms into the stage.
    const b = rateAtStageStart;
    const a = T > 0 ? (endRate - b) / (2 * T) : 0;
    const stageCount = b * T + a * T * T;
    const countAtEnd = countAtStageStart + stageCount;
    // A small epsilon keeps float error from dropping the arrival that lands exactly on the stage end.
    while (next <= countAtEnd + 1e-9) {
      const x = next - countAtStageStart;
      // Root of a·t² + b·t − x = 0 in the form that stays exact when a → 0 or b = 0.
      const disc = Math.max(0, b * b + 4 * a * x);
      const denom = b + Math.sqrt(disc);
      const t = denom > 0 ? Math.min(T, (2 * x) / denom) : T;
      yield stageStartMs + t;
      next += 1;
    }
    stageStartMs += T;
    countAtStageStart = countAtEnd;
    rateAtStageStart = endRate;
  }
}

/** How many iterations a plan starts in all (what a full run without drops performs). */
export function expectedIterations(plan: Pick<FlowPlan, 'startPerMinute' | 'stages'>): number {
  let count = 0;
  let rate = plan.startPerMinute;
  for (const s of plan.stages) {
    count += ((rate + s.targetPerMinute) / 2) * (s.durationMs / 60_000);
    rate = s.targetPerMinute;
  }
  return Math.floor(count + 1e-9);
}
