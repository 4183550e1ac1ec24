import type { Experiment } from '../definition';
import type { LoadOutcome, LoadStarter } from '../load';
import type { ProbeResult } from '../run-record';
import type { RunClock } from './clock';
import { judgeInstant, type SourceReader } from './probes';
import type { ProgressLine } from './progress';

/**
 * Starts the main load and re-dates the run's clock to the moment its schedule began (the method's
 * `at:` counts from there). Resolves once it has started; `done` resolves with its outcome, or
 * undefined when it failed (logged, never thrown).
 */
export async function startMainLoad(
  experiment: Experiment,
  load: LoadStarter,
  signal: AbortSignal,
  clock: RunClock,
  progress: ProgressLine,
  log: (line: string) => void,
): Promise<{ done: Promise<LoadOutcome | undefined> }> {
  const main = load({ experiment, role: 'main', client: 'demo' }, signal, (line) => (progress.live = line));
  const done = main.done.catch((error: unknown) => {
    log(`load: ${(error as Error).message}`);
    return undefined;
  });
  clock.startAt(await main.started);
  progress.phase = 'baseline';
  log(`[${experiment.name}] load started; the method's clock starts now`);
  return { done };
}

/**
 * The steady state before the method: each probe judged once, half a second before the first
 * step (Prometheus queried at that moment), appended to `probes`. Throws Interrupted on Ctrl-C.
 */
export async function checkSteadyState(
  experiment: Experiment,
  firstStepS: number,
  clock: RunClock,
  reader: SourceReader,
  probes: ProbeResult[],
  log: (line: string) => void,
): Promise<void> {
  await clock.sleepUntil(Math.max(0, firstStepS - 0.5));
  const atS = clock.startedAtS + clock.elapsed();
  for (const p of experiment.steadyState) probes.push(judgeInstant('before', p, await reader.valueNow(p, atS)));
  const held = probes.filter((p) => p.phase === 'before').every((p) => p.ok);
  log(`[${experiment.name}] steady state before the method: ${held ? 'holds' : 'DOES NOT HOLD'}`);
}
