import type { WatchSpec } from '../definition';
import { watchKey, type Watcher } from '../watcher';

/** The run's phase as the progress line shows it. */
export type RunPhase = 'starting' | 'baseline' | 'method' | 'recovery' | 'load-end' | 'drain';

/**
 * The progress line, every `everySeconds` while the run lasts: phase, seconds of the load, the
 * load's own live line, and the first three watched series. `phase` and `live` are set by the runner.
 */
export class ProgressLine {
  phase: RunPhase = 'starting';
  /** The load driver's latest line. */
  live = '';
  private timer: NodeJS.Timeout | undefined;
  private lastS = 0;

  constructor(
    private readonly name: string,
    private readonly loadSeconds: number,
    private readonly watches: readonly WatchSpec[],
    private readonly watcher: Watcher,
    private readonly elapsed: () => number,
    private readonly log: (line: string) => void,
    private readonly everySeconds = 5,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), 500);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private tick(): void {
    const e = this.elapsed();
    if (e - this.lastS < this.everySeconds) return;
    this.lastS = e;
    const watched = this.watches
      .slice(0, 3)
      .map((w) => `${shortMetric(w.metric)}=${fmt(this.watcher.latest(watchKey(w)))}`);
    this.log(
      `[${this.name}] ${this.phase.padEnd(8)} ${e.toFixed(0).padStart(3)}/${this.loadSeconds} s  ${this.live}${watched.length ? `  | ${watched.join('  ')}` : ''}`,
    );
  }
}

function shortMetric(metric: string): string {
  // `jeeves_breaker_state{dependency="provider",state="open"}` → `breaker_state{provider,open}`
  const m = /^(?:jeeves_)?([^{]+)(?:\{(.*)\})?$/.exec(metric);
  if (!m) return metric;
  const values = [...(m[2] ?? '').matchAll(/"([^"]*)"/g)].map((v) => v[1]);
  return values.length ? `${m[1]}{${values.join(',')}}` : m[1];
}

function fmt(v: number | undefined): string {
  return v === undefined ? '-' : String(Math.round(v * 1000) / 1000);
}
