import { useCallback, useEffect, useRef, useState } from 'react';
import { apiGet } from './api';
import type { FeedEntry, RunFeed, RunView } from './experiment-types';

const ACTIVE_POLL_MS = 1000;
const IDLE_POLL_MS = 4000;

const active = (run: RunView | null | undefined): boolean => run?.state === 'running' || run?.state === 'cancelling';

/**
 * The current experiment run and its whole feed, polled with a cursor (`?after=<seq>`): each answer
 * carries only what is new, a page opened mid-run reads the feed from its start, and a missed poll
 * loses nothing. Every second while a run is active, every 4 s otherwise; `refresh` polls at once.
 */
export function useRunFeed() {
  const [run, setRun] = useState<RunView | null | undefined>(undefined);
  const [entries, setEntries] = useState<readonly FeedEntry[]>([]);
  const [error, setError] = useState<string | undefined>();
  const cursor = useRef<{ runId: string | undefined; seq: number }>({ runId: undefined, seq: 0 });
  const busy = useRef(false);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const stopped = useRef(false);
  const again = useRef(false);
  const last = useRef<RunView | null | undefined>(undefined);

  const poll = useCallback(async (): Promise<void> => {
    if (busy.current) {
      // Asked while a poll is out (say, right after a start): poll again as soon as it is back.
      again.current = true;
      return;
    }
    busy.current = true;
    again.current = false;
    clearTimeout(timer.current);
    let next: RunView | null | undefined;
    try {
      let { runId, seq } = cursor.current;
      let answer = await apiGet<RunFeed>(`/api/experiments/runs/current?after=${seq}`);
      if (answer.run && answer.run.id !== runId && seq > 0) {
        // Another run began since the last poll: read its feed from the start.
        answer = await apiGet(`/api/experiments/runs/current?after=0`);
      }
      next = answer.run;
      if (!answer.run) {
        cursor.current = { runId: undefined, seq: 0 };
        setEntries([]);
      } else {
        const fresh = answer.run.id !== runId;
        runId = answer.run.id;
        seq = Math.max(fresh ? 0 : seq, ...answer.entries.map((e) => e.seq));
        cursor.current = { runId, seq };
        setEntries((old) => (fresh ? answer.entries : [...old, ...answer.entries]));
      }
      setRun(answer.run);
      setError(undefined);
    } catch (e) {
      next = last.current;
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      busy.current = false;
      last.current = next;
      if (!stopped.current)
        timer.current = setTimeout(() => void poll(), again.current ? 0 : active(next) ? ACTIVE_POLL_MS : IDLE_POLL_MS);
    }
  }, []);

  useEffect(() => {
    stopped.current = false;
    void poll();
    return () => {
      stopped.current = true;
      clearTimeout(timer.current);
    };
  }, [poll]);

  return { run, entries, error, refresh: poll, active: active(run) };
}
