/** One part of the lab a verb needs that did not answer. */
export interface MissingPart {
  /** How the user calls it: `Prometheus`, `Kafka`, `worker /metrics`, `gateway`. */
  readonly name: string;
  /** Where it was asked: a URL, or the broker list for Kafka. */
  readonly url: string;
  /** Why it counts as missing, short: `not running`, `pid 123 runs but did not answer within 2 s`. */
  readonly why: string;
  /** The command that starts it, e.g. `npm run lab -- up`; or what to do when the lab cannot. */
  readonly start: string;
}

/**
 * A verb needs a part of the lab that is not answering (the lab is down, or one process of it is).
 * main.ts answers it with exit 2 and this one-line message: what is missing and the command that
 * starts it. Never a verdict and never a stack trace: the system under test was not even asked.
 */
export class LabNotRunningError extends Error {
  readonly code = 'ELABDOWN';
  override readonly name = 'LabNotRunningError';

  constructor(
    readonly missing: readonly MissingPart[],
    /** The lab's state dir; named when nothing of the lab answers. */
    readonly stateDir: string,
    /** False when the lab has no `lab.json` (never started, or `down`). */
    readonly labUp: boolean,
  ) {
    super(describeMissing(missing, stateDir, labUp));
  }
}

/** The one line a LabNotRunningError prints, grouped by the command that starts each part. */
export function describeMissing(missing: readonly MissingPart[], stateDir: string, labUp: boolean): string {
  if (missing.length === 0) return `The lab in ${stateDir} is not up: start it with npm run lab -- up`;
  if (missing.length === 1) {
    const [m] = missing;
    return `${m.name} is not answering on ${m.url} (${m.why}): ${m.start}`;
  }
  const byStart = new Map<string, MissingPart[]>();
  for (const m of missing) byStart.set(m.start, [...(byStart.get(m.start) ?? []), m]);
  const groups = [...byStart].map(
    ([start, parts]) =>
      `${parts.map((m) => `${m.name} on ${m.url} (${m.why})`).join(', ')}: ${parts.length > 1 ? start.replace(/\bit\b/, 'them') : start}`,
  );
  return `${labUp ? 'Not answering' : `No lab is up in ${stateDir}; not answering`}: ${groups.join('; ')}`;
}
