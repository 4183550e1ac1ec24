import type { ClusterSpec } from '../definition';
import type { LedgerResult } from '../run-record';
import { clusterKey, watchKey, type Watcher } from '../watcher';
import type { RunClock } from './clock';
import type { LedgerSources } from './instruments';

/**
 * Drain and ledger: polls the acceptances and completions (`sources`: the gateway's and
 * data-service's counters, or the messages topic's records; increases since `fromS` on the run's
 * clock, across restarts) every `pollMs` until every acceptance has
 * completed or `drainSeconds` have passed, then counts what was lost and what completed without
 * an acceptance. `acceptedSeenByDriver` is the driver's own count of 202s, for the report; the
 * records appended to the messages, replies and dead-letter topics since `fromS` say where a lost
 * message stopped.
 */
export async function drainLedger(
  watcher: Watcher,
  sources: LedgerSources,
  fromS: number,
  acceptedSeenByDriver: number,
  drainSeconds: number,
  pollMs: number,
  clock: RunClock,
): Promise<LedgerResult> {
  const began = clock.elapsed();
  const read = async (): Promise<{ accepted: number | undefined; completed: number | undefined }> => {
    await watcher.sampleOnce();
    // The first source must have data (the gateway's accepted counter, the topic's offsets); the
    // others (published late) add to it when they have any.
    const [a, ...more] = sources.accepted.map((s) =>
      watcher.increase('watch' in s ? watchKey(s.watch) : clusterKey(s.cluster), fromS),
    );
    return {
      accepted: a === undefined ? undefined : more.reduce<number>((sum, x) => sum + (x ?? 0), a),
      completed: watcher.increase(watchKey(sources.completed), fromS),
    };
  };
  let now = await read();
  let drainedAfterSeconds: number | undefined;
  for (;;) {
    if (now.accepted !== undefined && now.completed !== undefined && now.completed >= now.accepted) {
      drainedAfterSeconds = clock.elapsed() - began;
      break;
    }
    if (clock.elapsed() - began >= drainSeconds) break;
    await clock.pause(pollMs);
    now = await read();
  }
  const lost =
    now.accepted === undefined || now.completed === undefined ? undefined : Math.max(0, now.accepted - now.completed);
  // data-service counts a message once when it reaches its final state, so more completions than
  // acceptances are effects nobody was told about (see LedgerResult.extraCompletions).
  const appended = (spec: ClusterSpec): number | undefined => watcher.increase(clusterKey(spec), fromS);
  const recordsAppended = {
    messages: appended(sources.trail.messages),
    replies: appended(sources.trail.replies),
    dlq: appended(sources.trail.dlq),
  };
  const extraCompletions =
    now.accepted === undefined || now.completed === undefined ? undefined : Math.max(0, now.completed - now.accepted);
  return {
    acceptedByGateway: now.accepted,
    acceptedCountedFrom: sources.accepted.some((s) => 'cluster' in s) ? 'messages-topic' : 'gateway',
    completedByDataService: now.completed,
    acceptedSeenByDriver,
    lost,
    extraCompletions,
    drainedAfterSeconds,
    recordsAppended,
    ok: lost === 0 && extraCompletions === 0 && now.accepted !== undefined && now.accepted > 0,
  };
}

/** `messages 434, replies 434, dlq 0` ('?' where the broker did not answer): the ledger's trail, for logs and reports. */
export function formatRecordsAppended(ledger: LedgerResult): string {
  const r = ledger.recordsAppended;
  if (!r) return 'not counted';
  const n = (x: number | undefined): string => (x === undefined ? '?' : String(x));
  return `messages ${n(r.messages)}, replies ${n(r.replies)}, dlq ${n(r.dlq)}`;
}
