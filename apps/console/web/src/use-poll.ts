import { useCallback, useEffect, useRef, useState } from 'react';

/**
 * Calls `load` now and every `intervalMs`, keeping the last value and the last error; `reload`
 * runs it at once (after an action). A slow answer never overlaps the next one.
 */
export function usePoll<T>(load: () => Promise<T>, intervalMs: number) {
  const [value, setValue] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const busy = useRef(false);
  const reload = useCallback(async () => {
    if (busy.current) return;
    busy.current = true;
    try {
      setValue(await load());
      setError(undefined);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      busy.current = false;
    }
  }, [load]);
  useEffect(() => {
    void reload();
    const timer = setInterval(() => void reload(), intervalMs);
    return () => clearInterval(timer);
  }, [reload, intervalMs]);
  return { value, error, reload };
}
