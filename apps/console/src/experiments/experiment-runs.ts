import { randomUUID } from 'node:crypto';
import type { ExperimentEvent } from '#libs/contracts';
import { ProblemError } from '#libs/platform';
import type { FeedEntry, RunState, RunView } from '../api-types';
import { type CliExit, type CliRun, type LabCli, whyLine } from './lab-cli';

export type { FeedEntry, RunState, RunView } from '../api-types';

export interface ExperimentRunsOptions {
  /** After an interrupt, how long the CLI may take to roll back before it is killed. */
  readonly cancelGraceMs: number;
  /** Feed entries kept per run; older log and progress lines go first. */
  readonly maxFeedEntries?: number;
  /** Applied to every line the CLI prints, and every string of its events, before the page can read it (tokens and secrets cut out). */
  readonly redact?: (line: string) => string;
  readonly now?: () => Date;
}

/** `value` with `redact` applied to every string in it (an event's step errors, failures, labels…). */
function redactStrings<T>(value: T, redact: (text: string) => string): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => redactStrings(v, redact)) as T;
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactStrings(v, redact)])) as T;
  return value;
}

const ENDED: ReadonlySet<RunState> = new Set(['passed', 'failed', 'cancelled', 'could-not-run', 'crashed']);

class Run {
  state: RunState = 'running';
  endedAt: Date | undefined;
  exit: CliExit | undefined;
  problem: string | undefined;
  cancelRequested = false;
  killed = false;
  sawVerdict = false;
  readonly feed: FeedEntry[] = [];
  seq = 0;
  cli!: CliRun;
  done!: Promise<void>;

  constructor(
    readonly id: string,
    readonly experiment: string,
    readonly short: boolean,
    readonly startedAt: Date,
  ) {}
}

/**
 * The console's experiment runs (ADR 0100): one at a time, each a `lab experiment --events` child
 * process whose events and output lines are kept in a numbered feed the page polls. Cancelling
 * interrupts the CLI (Ctrl-C: it rolls back and writes its report) and kills it if it has not
 * ended `cancelGraceMs` later.
 */
export class ExperimentRuns {
  private current: Run | undefined;
  private readonly maxFeed: number;
  private readonly now: () => Date;
  private readonly redact: (line: string) => string;

  constructor(
    private readonly cli: LabCli,
    private readonly options: ExperimentRunsOptions,
  ) {
    this.maxFeed = options.maxFeedEntries ?? 5000;
    this.now = options.now ?? (() => new Date());
    this.redact = options.redact ?? ((line) => line);
  }

  /** Starts a run. Throws a 409 ProblemError naming the run in progress when there is one. */
  start(experiment: string, short: boolean): RunView {
    const busy = this.current;
    if (busy && !ENDED.has(busy.state))
      throw new ProblemError(409, 'conflict', {
        detail: `${busy.experiment}${busy.short ? ' (short)' : ''} is ${busy.state} (run ${busy.id}); one experiment runs at a time: wait for it or cancel it`,
        extensions: { runId: busy.id },
      });
    const run = new Run(randomUUID(), experiment, short, this.now());
    run.cli = this.cli.runExperiment(
      experiment,
      { short },
      {
        event: (event) => {
          if (event.type === 'verdict') run.sawVerdict = true;
          this.append(run, { kind: 'event', event: redactStrings(event, this.redact) });
        },
        log: (line) => this.append(run, { kind: 'log', line: this.redact(line) }),
      },
    );
    run.done = run.cli.exited.then((exit) => this.ended(run, exit));
    this.current = run;
    return this.view(run);
  }

  /**
   * Asks the run to stop: the CLI is interrupted and rolls back, and is killed if it has not ended
   * within the grace. 404 for another run's id; 409 when it has already ended.
   */
  cancel(id: string): RunView {
    const run = this.current;
    if (!run || run.id !== id) throw new ProblemError(404, 'not-found', { detail: `no run ${id}` });
    if (ENDED.has(run.state))
      throw new ProblemError(409, 'conflict', { detail: `run ${id} has already ended (${run.state})` });
    if (!run.cancelRequested) {
      run.cancelRequested = true;
      run.state = 'cancelling';
      this.append(run, { kind: 'log', line: 'console: cancel requested; the run stops its method and rolls back' });
      run.cli.interrupt();
      const timer = setTimeout(() => {
        if (ENDED.has(run.state)) return;
        run.killed = true;
        this.append(run, {
          kind: 'log',
          line: `console: still running ${this.options.cancelGraceMs} ms after the cancel; killed`,
        });
        run.cli.kill();
      }, this.options.cancelGraceMs);
      timer.unref();
      void run.done.finally(() => clearTimeout(timer));
    }
    return this.view(run);
  }

  /** The current (or last) run and its feed entries after `afterSeq`; undefined when none ran yet. */
  read(afterSeq = 0): { run: RunView; entries: FeedEntry[] } | undefined {
    const run = this.current;
    if (!run) return undefined;
    return { run: this.view(run), entries: run.feed.filter((e) => e.seq > afterSeq) };
  }

  /** Resolves when the current run (if any) has ended. */
  async settled(): Promise<void> {
    await this.current?.done;
  }

  /** On shutdown: interrupt a run in progress, and kill it if it has not ended within `waitMs`. */
  async stop(waitMs: number): Promise<void> {
    const run = this.current;
    if (!run || ENDED.has(run.state)) return;
    run.cancelRequested = true;
    run.cli.interrupt();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolveLate) => (timer = setTimeout(() => resolveLate('late'), waitMs)));
    if ((await Promise.race([run.done.then(() => 'done' as const), late])) === 'late') {
      run.killed = true;
      run.cli.kill();
      await run.done;
    }
    clearTimeout(timer);
  }

  private append(run: Run, entry: { kind: 'event'; event: ExperimentEvent } | { kind: 'log'; line: string }): void {
    run.seq += 1;
    run.feed.push({ seq: run.seq, ...entry } as FeedEntry);
    if (run.feed.length > this.maxFeed) {
      // Phases, steps, probes and the verdict stay; the oldest log or progress line goes.
      const drop = run.feed.findIndex((e) => e.kind === 'log' || e.event.type === 'progress');
      run.feed.splice(drop === -1 ? 0 : drop, 1);
    }
  }

  private ended(run: Run, exit: CliExit): void {
    run.exit = exit;
    run.endedAt = this.now();
    const lastLine = whyLine(run.feed.flatMap((e) => (e.kind === 'log' ? [e.line] : [])));
    if (run.cancelRequested) {
      run.state = 'cancelled';
      if (run.killed)
        run.problem =
          'killed before it finished rolling back: check `npm run lab -- chaos list`; its faults expire on their own';
    } else if (exit.code === 0) run.state = 'passed';
    else if (exit.code === 1 && run.sawVerdict) run.state = 'failed';
    else if (exit.code === 2) {
      run.state = 'could-not-run';
      run.problem = lastLine ?? 'the lab CLI refused to run it (exit 2)';
    } else {
      run.state = 'crashed';
      run.problem = exit.error
        ? `the lab CLI could not start: ${exit.error}`
        : `the lab CLI ended ${exit.signal ? `on ${exit.signal}` : `with exit code ${exit.code}`}${lastLine ? `: ${lastLine}` : ''}`;
    }
    this.append(run, { kind: 'log', line: `console: the run ended: ${run.state}` });
  }

  private view(run: Run): RunView {
    return {
      id: run.id,
      experiment: run.experiment,
      short: run.short,
      state: run.state,
      startedAt: run.startedAt.toISOString(),
      ...(run.endedAt ? { endedAt: run.endedAt.toISOString(), exitCode: run.exit?.code ?? null } : {}),
      ...(run.problem ? { problem: run.problem } : {}),
      lastSeq: run.seq,
    };
  }
}
