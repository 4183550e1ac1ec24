import type { Step } from '../definition';
import type { StepEvent } from '../run-record';
import { Interrupted } from './clock';
import { handlerOf, type StepContext } from './steps';

/** One step of the method on the timeline: its start and (for timed steps) planned end, in seconds. */
export interface PlannedStep {
  readonly index: number;
  readonly step: Step;
  readonly startS: number;
  readonly plannedEndS: number;
}

/** The method as a schedule: each step's start and (for timed steps) planned end, in seconds. */
export function planTimeline(method: readonly Step[]): PlannedStep[] {
  return method
    .map((step, index) => ({ index, step, startS: step.at, plannedEndS: step.at + ('for' in step ? step.for : 0) }))
    .sort((a, b) => a.startS - b.startS || a.index - b.index);
}

/**
 * The method: each step started on time by its handler (steps overlap when their windows do),
 * beside `checkpoint` (the steady state judged just before the first step). A step that fails is
 * recorded on its event and the others go on; Ctrl-C stops the waiting and returns at once.
 * `onStep` is told when a step starts and when it ends. Throws only what `checkpoint` throws besides
 * Interrupted.
 */
export async function runMethod(
  timeline: readonly PlannedStep[],
  ctx: StepContext,
  events: StepEvent[],
  checkpoint: () => Promise<void>,
  onStep: (event: StepEvent, state: 'started' | 'ended') => void,
): Promise<void> {
  const runStep = async ({ step, index, startS, plannedEndS }: PlannedStep): Promise<void> => {
    await ctx.clock.sleepUntil(startS);
    const handler = handlerOf(step);
    const now = ctx.clock.elapsed();
    const event: StepEvent = { index, id: step.id, label: handler.label(step), startS: now, endS: now };
    events.push(event);
    onStep(event, 'started');
    ctx.log(`${ctx.clock.elapsed().toFixed(1)} s: ${event.label}`);
    try {
      await handler.run(step, ctx, plannedEndS);
    } catch (error) {
      if (error instanceof Interrupted) throw error;
      event.error = (error as Error).message;
      ctx.log(`step failed: ${event.label}: ${event.error}`);
    } finally {
      event.endS = ctx.clock.elapsed();
      onStep(event, 'ended');
    }
  };
  try {
    await Promise.all([checkpoint(), ...timeline.map(runStep)]);
  } catch (error) {
    if (!(error instanceof Interrupted)) throw error;
  }
}
