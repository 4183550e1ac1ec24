import type { ExperimentPhase } from '#libs/contracts';
import type { WatchSpec } from '../definition';
import { watchKey, type Watcher } from '../watcher';
import { phaseEvent, type RunEventSink } from './events';

/** The run's phase as the progress line shows it (and `--events` tells). */
export type RunPhase = ExperimentPhase;

/**
 * The progress line, every `everySeconds` while the run lasts: phase, seconds of the load, the
 * load's own live line, and the first three watched series. `phase` and `live` are set by the runner.
 * With an event sink, each new phase is an event, and so is the progress (every watched series)
 * about once a second.
 */
export class ProgressLine {
  private current: RunPhase = 'setup';
  /** The load driver's latest line. */
  live = '';
  private timer: NodeJS.Timeout | undefined;
  private lastS = 0;
  private lastEventS = -1;

  constructor(
    private readonly name: string,
    private readonly loadSeconds: number,
    private readonly watches: readonly WatchSpec[],
    private readonly watcher: Watcher,
    private readonly elapsed: () => number,
    private readonly log: (line: string) => void,
    private readonly everySeconds = 5,
    private readonly onEvent?: RunEventSink,
  ) {}

  get phase(): RunPhase {
    return this.current;
  }

  set phase(next: RunPhase) {
    if (next === this.current) return;
    this.current = next;
    this.onEvent?.(phaseEvent(next, this.elapsed()));
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), 500);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private tick(): void {
    const e = this.elapsed();
    if (this.onEvent && e - this.lastEventS >= 1) {
      this.lastEventS = e;
      this.onEvent({
        type: 'progress',
        phase: this.current,
        elapsedS: e,
        loadSeconds: this.loadSeconds,
        load: this.live,
        watched: this.watches.map((w) => {
          const v = this.watcher.latest(watchKey(w));
          return { name: `${shortMetric(w.metric)} on ${w.app}`, value: v === undefined || Number.isNaN(v) ? null : v };
        }),
      });
    }
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
