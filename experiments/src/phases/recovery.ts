import type { Experiment, Probe } from '../definition';
import { meets, parseExpectation } from '../expectation';
import type { ProbeResult } from '../run-record';
import type { RunClock } from './clock';
import { judgeInstant, type SourceReader } from './probes';

/**
 * Recovery: the steady state and the recovery probes polled every `pollMs` until all hold again,
 * at most `recovery.withinSeconds` after the method's end (`disruptionEndS`) or until `signal`.
 * Appends each check's last value to `probes` (phase `after`) and returns the seconds from the
 * method's end to the first poll where all held, or undefined when they never did.
 */
export async function awaitRecovery(
  experiment: Experiment,
  disruptionEndS: number,
  clock: RunClock,
  reader: SourceReader,
  pollMs: number,
  signal: AbortSignal,
  probes: ProbeResult[],
  log: (line: string) => void,
): Promise<number | undefined> {
  const { withinSeconds } = experiment.recovery;
  const deadline = disruptionEndS + withinSeconds;
  const checks = [...experiment.steadyState, ...experiment.recovery.probes];
  let recoverySeconds: number | undefined;
  let last: Array<{ p: Probe; v: number | undefined }> = [];
  for (;;) {
    last = await Promise.all(checks.map(async (p) => ({ p, v: await reader.valueNow(p) })));
    if (last.every(({ p, v }) => meets(parseExpectation(p.expect), v))) {
      recoverySeconds = Math.max(0, clock.elapsed() - disruptionEndS);
      break;
    }
    if (clock.elapsed() >= deadline || signal.aborted) break;
    await clock.pause(pollMs);
  }
  const note =
    recoverySeconds === undefined ? `not within ${withinSeconds} s` : `after ${recoverySeconds.toFixed(1)} s`;
  for (const { p, v } of last) probes.push(judgeInstant('after', p, v, note));
  log(
    `[${experiment.name}] recovery: ${recoverySeconds === undefined ? `NOT within ${withinSeconds} s` : `${recoverySeconds.toFixed(1)} s after the method ended`}`,
  );
  return recoverySeconds;
}
