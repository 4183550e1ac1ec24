import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AppName } from '../../tools/lab/apps';
import type { Experiment, LagSpec, Measurement, Probe, SampledSpec, Step, WatchSpec } from './definition';
import { resolveMoment } from './definition';
import { meets, parseExpectation } from './expectation';
import { evaluateExpression } from './expression';
import { buildFixture } from './fixtures';
import type { LabActions } from './lab-actions';
import type { LoadOutcome, LoadStarter } from './load';
import type { PrometheusApi } from '../../tools/common';
import { alertKey, increaseOf, lagKey, sampledKey, Watcher, watchKey, type TimedValue } from './watcher';

/** What happened to one step of the method; times in seconds from the start of the load. */
export interface StepEvent {
  readonly index: number;
  readonly id?: string;
  readonly label: string;
  readonly startS: number;
  endS: number;
  error?: string;
}

/**
 * `no data`: the source gave no value (an instant query with no series, a window without one
 * sample): the instrument failed, not the system. `out of bounds`: a value was measured and missed.
 */
export type ProbeOutcome = 'within bounds' | 'out of bounds' | 'no data';

export interface ProbeResult {
  readonly phase: 'before' | 'during' | 'after';
  readonly name: string;
  readonly source: string;
  readonly expect: string;
  /** The value judged: the instant value, or the worst/best sample in the window. */
  readonly measured: number | undefined;
  readonly ok: boolean;
  readonly outcome: ProbeOutcome;
  readonly note?: string;
}

/** A probe with no value never passes, and is no measured miss either. */
export function probeOutcome(ok: boolean, measured: number | undefined): ProbeOutcome {
  if (measured === undefined || Number.isNaN(measured)) return 'no data';
  return ok ? 'within bounds' : 'out of bounds';
}

export interface MeasurementResult {
  readonly name: string;
  readonly description?: string;
  readonly unit: string;
  readonly value: number | undefined;
  readonly expect?: string;
  readonly ok?: boolean;
}

export interface LedgerResult {
  /**
   * Messages the gateway put on the bus: answered 202, or answered 503 publish-unconfirmed (the
   * answer named the id) and published later all the same (ADR 0041).
   */
  readonly acceptedByGateway: number | undefined;
  readonly completedByDataService: number | undefined;
  readonly acceptedSeenByDriver: number;
  readonly lost: number | undefined;
  /**
   * Completions beyond the acceptances: an effect counted twice, or a message published that the
   * gateway never saw go through (neither in time nor late). Either way a client was told
   * something other than what happened.
   */
  readonly extraCompletions: number | undefined;
  readonly drainedAfterSeconds: number | undefined;
  readonly ok: boolean;
}

export interface RollbackResult {
  readonly action: string;
  readonly ok: boolean;
  readonly error?: string;
}

export interface Verdict {
  readonly passed: boolean;
  /**
   * One line per reason the experiment failed; empty when it passed. A probe without data fails it
   * too, with a line of its own (`no data from "<probe>" (…)`), never as a measured miss.
   */
  readonly failures: readonly string[];
  /** The lines of `failures` that are probes without data (`no data from "<probe>" (<phase>; <source>…)`). */
  readonly noData: readonly string[];
}

export interface RunRecord {
  readonly experiment: Experiment;
  readonly short: boolean;
  /** The variant this run was (definition `variants`), if the experiment has them. */
  readonly variant?: string;
  /** Wall-clock start of the load, unix seconds (Prometheus time). */
  readonly startedAtS: number;
  readonly durationSeconds: number;
  readonly events: readonly StepEvent[];
  readonly disruption: { readonly startS: number; readonly endS: number } | undefined;
  readonly probes: readonly ProbeResult[];
  readonly recoverySeconds: number | undefined;
  readonly measurements: readonly MeasurementResult[];
  readonly ledger: LedgerResult | undefined;
  readonly load: LoadOutcome | undefined;
  readonly rollbacks: readonly RollbackResult[];
  readonly watched: Record<string, readonly TimedValue[]>;
  readonly interrupted: boolean;
  readonly verdict: Verdict;
}

export interface RunnerDeps {
  readonly lab: LabActions;
  readonly prometheus: PrometheusApi | undefined;
  readonly load: LoadStarter;
  readonly log: (line: string) => void;
  /** Ctrl-C: stop the method and the load, roll back, report. */
  readonly signal?: AbortSignal;
  /** Recovery and drain polling; 1 s by default. */
  readonly pollIntervalMs?: number;
  /** Watcher sampling; 500 ms by default. */
  readonly watchIntervalMs?: number;
  /** Progress line every this many seconds; 5 by default. */
  readonly progressEverySeconds?: number;
  /**
   * Checks that every data source and target the experiment needs answers; it throws (the lab's
   * LabNotRunningError) when one does not. Runs first: no setup, load, fault or probe before it.
   */
  readonly preflight?: (experiment: Experiment) => Promise<void>;
}

const SERVICE_OF_STEP = (step: Step): string => {
  if ('inject' in step)
    return `inject ${step.inject.fault.type} on ${step.inject.service}${step.inject.fault.target ? ` ${String(step.inject.fault.target)}` : ''} for ${step.for}s`;
  if ('kill' in step) return `kill -9 ${step.kill}`;
  if ('restart' in step) return `restart ${step.restart}`;
  if ('scale' in step) return `scale ${step.scale.app} to ${step.scale.n}`;
  if ('produce' in step)
    return `produce ${step.produce.fixture ?? `${JSON.stringify(step.produce.value)}`} onto ${step.produce.topic} with key ${step.produce.key}`;
  return `flood from client ${step.flood.client} at ${step.flood.rate}/s for ${step.for}s`;
};

export const stepLabel = SERVICE_OF_STEP;

/** The method as a schedule: each step's start and (for timed steps) planned end, in seconds. */
export function planTimeline(
  method: readonly Step[],
): Array<{ index: number; step: Step; startS: number; plannedEndS: number }> {
  return method
    .map((step, index) => ({ index, step, startS: step.at, plannedEndS: step.at + ('for' in step ? step.for : 0) }))
    .sort((a, b) => a.startS - b.startS || a.index - b.index);
}

function probeSource(p: { query?: string; watch?: WatchSpec; alert?: string; lag?: LagSpec }): string {
  if (p.query) return `PromQL: ${p.query}`;
  if (p.watch) return `${p.watch.aggregate} of ${p.watch.metric} on ${p.watch.app} (/metrics, sampled)`;
  if (p.lag)
    return `lag of the ${p.lag.group} group on ${p.lag.topic}${p.lag.key !== undefined ? ` (partition of key ${p.lag.key})` : p.lag.partition !== undefined ? ` partition ${p.lag.partition}` : ''} (broker offsets, sampled)`;
  return `alert ${p.alert} firing`;
}

/** Judges a window of samples: `always` wants every sample to meet the bound, `sometimes` one. */
export function judgeWindow(
  values: readonly (number | undefined)[],
  expect: string,
  holds: 'always' | 'sometimes',
): { ok: boolean; measured: number | undefined } {
  const e = parseExpectation(expect);
  const defined = values.filter((v): v is number => v !== undefined && !Number.isNaN(v));
  if (defined.length === 0) return { ok: false, measured: undefined };
  const baseline = defined[0];
  const hits = defined.map((v) => meets(e, v, baseline));
  // The reported value is the one that decides: the worst sample for `always`, the best for `sometimes`.
  const firstMiss = defined.find((_, i) => !hits[i]);
  const firstHit = defined.find((_, i) => hits[i]);
  let worst = firstMiss ?? defined[defined.length - 1];
  let best = firstHit ?? defined[defined.length - 1];
  if (e.kind === 'compare' && (e.operator === '<' || e.operator === '<='))
    [worst, best] = [Math.max(...defined), Math.min(...defined)];
  if (e.kind === 'compare' && (e.operator === '>' || e.operator === '>='))
    [worst, best] = [Math.min(...defined), Math.max(...defined)];
  if (holds === 'always') return { ok: hits.every(Boolean), measured: worst };
  return { ok: hits.some(Boolean), measured: best };
}

/** Seconds from `fromS` until a sample meets the expectation (`increases`: above the last value before `fromS`). */
export function timeUntil(samples: readonly TimedValue[], fromS: number, expect: string): number | undefined {
  const e = parseExpectation(expect);
  const before = samples.filter((s) => s.t <= fromS && s.value !== undefined);
  const baseline = before.length > 0 ? before[before.length - 1].value : undefined;
  const hit = samples.find((s) => s.t >= fromS && meets(e, s.value, baseline));
  return hit === undefined ? undefined : hit.t - fromS;
}

/** Highest defined sample between `fromS` and `toS`. */
export function peakOf(samples: readonly TimedValue[], fromS: number, toS: number): number | undefined {
  const values = samples
    .filter((s) => s.t >= fromS && s.t <= toS && s.value !== undefined)
    .map((s) => s.value as number);
  return values.length === 0 ? undefined : Math.max(...values);
}

/** Longest time a counter did not move between `fromS` and its last increase before `toS`. */
export function longestStall(samples: readonly TimedValue[], fromS: number, toS: number): number | undefined {
  const inWindow = samples.filter((s) => s.t >= fromS && s.t <= toS && s.value !== undefined);
  if (inWindow.length < 2) return undefined;
  let lastMove = fromS;
  let previous = inWindow[0].value as number;
  let longest = 0;
  for (const s of inWindow.slice(1)) {
    if ((s.value as number) > previous) {
      longest = Math.max(longest, s.t - lastMove);
      lastMove = s.t;
    }
    previous = s.value as number;
  }
  // Never moved at all: the whole window was a stall.
  return lastMove === fromS ? toS - fromS : longest;
}

export function decideVerdict(parts: {
  probes: readonly ProbeResult[];
  recoverySeconds: number | undefined;
  withinSeconds: number;
  hasDisruption: boolean;
  measurements: readonly MeasurementResult[];
  ledger: LedgerResult | undefined;
  load: LoadOutcome | undefined;
  events: readonly StepEvent[];
  interrupted: boolean;
}): Verdict {
  const failures: string[] = [];
  const noData: string[] = [];
  if (parts.interrupted) failures.push('interrupted before the method finished');
  for (const e of parts.events) if (e.error) failures.push(`step "${e.label}" failed: ${e.error}`);
  for (const p of parts.probes) {
    if (p.ok) continue;
    if (p.measured === undefined || p.outcome === 'no data') {
      noData.push(`no data from "${p.name}" (${p.phase}; ${p.source}${p.note ? `; ${p.note}` : ''})`);
    } else
      failures.push(
        `${p.phase}: "${p.name}" expected ${p.expect}, measured ${round(p.measured)}, out of bounds${p.note ? ` (${p.note})` : ''}`,
      );
  }
  if (parts.hasDisruption && parts.recoverySeconds === undefined)
    failures.push(`no recovery within ${parts.withinSeconds} s of the method's end`);
  for (const m of parts.measurements)
    if (m.ok === false)
      failures.push(
        `measurement ${m.name} = ${m.value === undefined ? 'no data' : round(m.value)}, expected ${m.expect}`,
      );
  if (parts.ledger && !parts.ledger.ok) {
    failures.push(
      `ledger: ${parts.ledger.lost ?? '?'} lost, ${parts.ledger.extraCompletions ?? '?'} completed without an acceptance (accepted ${parts.ledger.acceptedByGateway ?? '?'}, completed ${parts.ledger.completedByDataService ?? '?'})`,
    );
  }
  if (parts.load)
    for (const t of parts.load.thresholds)
      if (!t.ok)
        failures.push(
          `load threshold ${t.metric}: ${t.threshold} (was ${t.value === undefined ? 'no samples' : round(t.value)})`,
        );
  // Measured misses first, then the probes that measured nothing: two kinds, never mixed in one line.
  failures.push(...noData);
  return { passed: failures.length === 0, failures, noData };
}

const round = (n: number): number => Math.round(n * 1000) / 1000;

/** Raised inside the method when Ctrl-C arrives; caught by the runner, never shown as a failure of a step. */
class Interrupted extends Error {}

/**
 * Runs one experiment: load, method on its timeline, probes before/during/after, rollbacks that
 * always run (finally + Ctrl-C), then the measurements and the verdict.
 */
export async function runExperiment(
  experiment: Experiment,
  deps: RunnerDeps,
  options: { short?: boolean; variant?: string } = {},
): Promise<RunRecord> {
  const { lab, prometheus, log } = deps;
  // A missing instrument stops the run here, with no verdict: it must never read as the system failing.
  await deps.preflight?.(experiment);
  const pollMs = deps.pollIntervalMs ?? 1000;
  const stop = new AbortController();
  const onOuterAbort = (): void => stop.abort();
  deps.signal?.addEventListener('abort', onOuterAbort, { once: true });
  // Re-dated when the load's schedule begins: the method's `at:` counts from there.
  let t0 = performance.now();
  let startedAtS = Date.now() / 1000;
  const elapsed = (): number => (performance.now() - t0) / 1000;
  const sleepUntil = async (s: number): Promise<void> => {
    const ms = (s - elapsed()) * 1000;
    if (ms > 0) await sleep(ms, undefined, { signal: stop.signal }).catch(() => undefined);
    if (stop.signal.aborted) throw new Interrupted();
  };

  const allProbes = [...experiment.steadyState, ...experiment.deviation, ...experiment.recovery.probes];
  const measurementWatches = experiment.measurements.flatMap((m) =>
    [m.until?.watch, m.stall, m.peak?.watch, m.increase?.watch].filter((w): w is WatchSpec => w !== undefined),
  );
  const lags = dedupe(
    [
      ...allProbes.map((p) => p.lag),
      ...experiment.measurements.flatMap((m) => [m.until?.lag, m.peak?.lag, m.increase?.lag]),
    ].filter((l): l is LagSpec => l !== undefined),
    lagKey,
  );
  const ledgerWatches: WatchSpec[] = experiment.ledger
    ? [
        // Absent from an app that answers is zero: a gateway restarted with a run's settings has
        // no series until its first acceptance.
        { app: 'gateway', metric: 'jeeves_messages_accepted_total', aggregate: 'sum', missingAsZero: true },
        { app: 'data-service', metric: 'jeeves_messages_completed_total', aggregate: 'sum', missingAsZero: true },
        // Answered 503 publish-unconfirmed, published all the same (ADR 0041): the client was told its id.
        { app: 'gateway', metric: 'jeeves_messages_published_late_total', aggregate: 'sum', missingAsZero: true },
      ]
    : [];
  const watches = dedupe(
    [...allProbes.map((p) => p.watch), ...measurementWatches, ...ledgerWatches].filter(
      (w): w is WatchSpec => w !== undefined,
    ),
    watchKey,
  );
  const alerts = [
    ...new Set(
      [...allProbes.map((p) => p.alert), ...experiment.measurements.map((m) => m.until?.alert)].filter(
        (a): a is string => a !== undefined,
      ),
    ),
  ];
  const watcher = new Watcher(watches, alerts, lab, prometheus, elapsed, lags);

  const events: StepEvent[] = [];
  const probes: ProbeResult[] = [];
  const rollbacks: Array<{ action: string; run: () => Promise<void> }> = [];
  const rollbackResults: RollbackResult[] = [];
  let recoverySeconds: number | undefined;
  let load: LoadOutcome | undefined;
  let ledger: LedgerResult | undefined;
  let interrupted = false;
  let phase = 'starting';

  const valueNow = async (
    p: { query?: string; watch?: WatchSpec; alert?: string; lag?: LagSpec },
    atS?: number,
  ): Promise<number | undefined> => {
    if (p.query) return prometheus ? prometheus.instant(p.query, atS).catch(() => undefined) : undefined;
    if (p.watch) return watcher.latest(watchKey(p.watch));
    if (p.lag) return watcher.latest(lagKey(p.lag));
    return watcher.latest(alertKey(p.alert as string));
  };

  try {
    // Settings and rule overrides first: the steady state is judged on the system as the experiment runs it.
    for (const [app, env] of Object.entries(experiment.env) as Array<[AppName, Record<string, string>]>) {
      log(
        `setup: restarting ${app} with ${Object.entries(env)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}`,
      );
      rollbacks.push({
        action: `restart ${app} with the lab's settings`,
        run: () => lab.restartWithEnv(app, undefined),
      });
      await lab.restartWithEnv(app, env);
    }
    if (experiment.alertOverrides.length > 0) {
      log(`setup: alert overrides ${experiment.alertOverrides.map((o) => `${o.alert} (for: ${o.for})`).join(', ')}`);
      rollbacks.push({ action: 'remove alert overrides', run: () => lab.removeAlertOverrides() });
      await lab.installAlertOverrides(experiment.name, experiment.alertOverrides);
    }

    await watcher.sampleOnce();
    // The ledger counts from this sample on (counter increases, across restarts: Watcher.increase).
    const ledgerStart = experiment.ledger ? { t: elapsed() } : undefined;

    let live = '';
    const everyS = deps.progressEverySeconds ?? 5;
    let lastProgress = 0;
    const progress = setInterval(() => {
      const e = elapsed();
      if (e - lastProgress < everyS) return;
      lastProgress = e;
      const watched = watches.slice(0, 3).map((w) => `${shortMetric(w.metric)}=${fmt(watcher.latest(watchKey(w)))}`);
      log(
        `[${experiment.name}] ${phase.padEnd(8)} ${e.toFixed(0).padStart(3)}/${experiment.load.durationSeconds} s  ${live}${watched.length ? `  | ${watched.join('  ')}` : ''}`,
      );
    }, 500);
    const main = deps.load({ experiment, role: 'main', client: 'demo' }, stop.signal, (line) => (live = line));
    const loadPromise = main.done
      .then((outcome) => (load = outcome))
      .catch((error: unknown) => {
        log(`load: ${(error as Error).message}`);
        return undefined;
      });
    const loadStartMs = await main.started;
    startedAtS = Date.now() / 1000 - (performance.now() - loadStartMs) / 1000;
    t0 = loadStartMs;
    phase = 'baseline';
    log(`[${experiment.name}] load started; the method's clock starts now`);
    watcher.start(deps.watchIntervalMs ?? 500);

    const timeline = planTimeline(experiment.method);
    const firstAt = timeline[0].startS;
    const killed = new Set<string>();
    const scaledFrom = new Map<AppName, number>();

    const runStep = async (entry: (typeof timeline)[number]): Promise<void> => {
      const { step, index } = entry;
      await sleepUntil(entry.startS);
      phase = 'method';
      const event: StepEvent = { index, id: step.id, label: stepLabel(step), startS: elapsed(), endS: elapsed() };
      events.push(event);
      log(`[${experiment.name}] ${elapsed().toFixed(1)} s: ${event.label}`);
      try {
        if ('inject' in step) {
          const { id } = await lab.injectFault(step.inject.service, step.inject.fault, step.for * 1000 + 5000);
          let cleared = false;
          const clear = async (): Promise<void> => {
            if (cleared) return;
            cleared = true;
            await lab.clearFault(step.inject.service, id);
          };
          rollbacks.push({ action: `clear ${step.inject.fault.type} fault on ${step.inject.service}`, run: clear });
          await sleepUntil(entry.plannedEndS);
          await clear();
          log(
            `[${experiment.name}] ${elapsed().toFixed(1)} s: cleared ${step.inject.fault.type} on ${step.inject.service}`,
          );
        } else if ('kill' in step) {
          killed.add(step.kill);
          rollbacks.push({
            action: `restart ${step.kill} if still down`,
            run: async () => (killed.has(step.kill) ? lab.restart(step.kill) : undefined),
          });
          await lab.kill(step.kill);
        } else if ('restart' in step) {
          if (step.restart === 'kafka')
            rollbacks.push({
              action: 'start kafka if it is down',
              run: async () => ((await lab.kafkaUp()) ? undefined : lab.restart('kafka')),
            });
          await lab.restart(step.restart);
          killed.delete(step.restart);
        } else if ('scale' in step) {
          if (!scaledFrom.has(step.scale.app)) {
            const before = Math.max(1, lab.runningCount(step.scale.app));
            scaledFrom.set(step.scale.app, before);
            rollbacks.push({
              action: `scale ${step.scale.app} back to ${before}`,
              run: () => lab.scale(step.scale.app, before),
            });
          }
          await lab.scale(step.scale.app, step.scale.n);
        } else if ('produce' in step) {
          const { topic, key, value, fixture } = step.produce;
          const at = await lab.produce(topic, key, fixture ? buildFixture(fixture, key) : (value as string));
          log(
            `[${experiment.name}] ${elapsed().toFixed(1)} s: produced onto ${topic} partition ${at.partition} offset ${at.offset}`,
          );
        } else {
          const flood = deps.load(
            {
              experiment,
              role: 'flood',
              client: step.flood.client,
              rate: step.flood.rate,
              flow: step.flood.flow,
              durationSeconds: step.for,
            },
            stop.signal,
            () => undefined,
          );
          const outcome = await flood.done;
          log(
            `[${experiment.name}] flood done: ${outcome.requests} requests, ${(outcome.failedRate * 100).toFixed(1)} % refused or failed`,
          );
        }
      } catch (error) {
        if (error instanceof Interrupted) throw error;
        event.error = (error as Error).message;
        log(`[${experiment.name}] step failed: ${event.label}: ${event.error}`);
      } finally {
        event.endS = elapsed();
      }
    };

    const checkpoint = async (): Promise<void> => {
      await sleepUntil(Math.max(0, firstAt - 0.5));
      const atS = startedAtS + elapsed();
      for (const p of experiment.steadyState) {
        const measured = await valueNow(p, atS);
        probes.push({
          phase: 'before',
          name: p.name,
          source: probeSource(p),
          expect: p.expect,
          measured,
          ok: meets(parseExpectation(p.expect), measured),
          outcome: probeOutcome(meets(parseExpectation(p.expect), measured), measured),
        });
      }
      const held = probes.filter((p) => p.phase === 'before').every((p) => p.ok);
      log(`[${experiment.name}] steady state before the method: ${held ? 'holds' : 'DOES NOT HOLD'}`);
    };

    try {
      await Promise.all([checkpoint(), ...timeline.map(runStep)]);
    } catch (error) {
      if (!(error instanceof Interrupted)) throw error;
    }
    if (stop.signal.aborted) interrupted = true;

    const disruption =
      events.length > 0
        ? { startS: Math.min(...events.map((e) => e.startS)), endS: Math.max(...events.map((e) => e.endS)) }
        : undefined;
    // Recovery: steady state (and the recovery probes) all holding again, polled against the deadline.
    if (!interrupted && disruption) {
      phase = 'recovery';
      const deadline = disruption.endS + experiment.recovery.withinSeconds;
      const checks = [...experiment.steadyState, ...experiment.recovery.probes];
      let last: Array<{ p: Probe; v: number | undefined }> = [];
      for (;;) {
        last = await Promise.all(checks.map(async (p) => ({ p, v: await valueNow(p) })));
        if (last.every(({ p, v }) => meets(parseExpectation(p.expect), v))) {
          recoverySeconds = Math.max(0, elapsed() - disruption.endS);
          break;
        }
        if (elapsed() >= deadline || stop.signal.aborted) break;
        await sleep(pollMs, undefined, { signal: stop.signal }).catch(() => undefined);
      }
      for (const { p, v } of last)
        probes.push({
          phase: 'after',
          name: p.name,
          source: probeSource(p),
          expect: p.expect,
          measured: v,
          ok: meets(parseExpectation(p.expect), v),
          outcome: probeOutcome(meets(parseExpectation(p.expect), v), v),
          note:
            recoverySeconds === undefined
              ? `not within ${experiment.recovery.withinSeconds} s`
              : `after ${recoverySeconds.toFixed(1)} s`,
        });
      log(
        `[${experiment.name}] recovery: ${recoverySeconds === undefined ? `NOT within ${experiment.recovery.withinSeconds} s` : `${recoverySeconds.toFixed(1)} s after the method ended`}`,
      );
    }

    phase = 'load-end';
    await loadPromise;
    clearInterval(progress);
    if (stop.signal.aborted) interrupted = true;

    await runRollbacks(rollbacks, rollbackResults, log);
    rollbacks.length = 0;

    if (experiment.ledger && ledgerStart) {
      phase = 'drain';
      ledger = await drainLedger(
        watcher,
        ledgerWatches,
        ledgerStart,
        load?.accepted ?? 0,
        experiment.ledger.drainSeconds,
        pollMs,
        elapsed,
        stop.signal,
      );
      log(
        `[${experiment.name}] ledger: accepted ${ledger.acceptedByGateway ?? '?'}, completed ${ledger.completedByDataService ?? '?'}, lost ${ledger.lost ?? '?'}, completed without an acceptance ${ledger.extraCompletions ?? '?'}`,
      );
    }
    watcher.stop();

    const durationSeconds = elapsed();
    if (disruption) {
      for (const p of experiment.deviation)
        probes.push(await judgeDuring(p, disruption, watcher, prometheus, startedAtS));
    }
    const eventMap = new Map(
      events.filter((e) => e.id).map((e) => [e.id as string, { startS: e.startS, endS: e.endS }]),
    );
    const measurements = await measure(
      experiment.measurements,
      eventMap,
      durationSeconds,
      watcher,
      prometheus,
      startedAtS,
    );
    const verdict = decideVerdict({
      probes,
      recoverySeconds,
      withinSeconds: experiment.recovery.withinSeconds,
      hasDisruption: disruption !== undefined,
      measurements,
      ledger,
      load,
      events,
      interrupted,
    });
    return {
      experiment,
      short: options.short === true,
      ...(options.variant === undefined ? {} : { variant: options.variant }),
      startedAtS,
      durationSeconds,
      events,
      disruption,
      probes,
      recoverySeconds,
      measurements,
      ledger,
      load,
      rollbacks: rollbackResults,
      watched: watcher.all(),
      interrupted,
      verdict,
    };
  } finally {
    watcher.stop();
    stop.abort();
    // Whatever happened above — a failed step, a thrown error, Ctrl-C — undo what was done.
    await runRollbacks(rollbacks, rollbackResults, log);
    deps.signal?.removeEventListener('abort', onOuterAbort);
  }
}

async function runRollbacks(
  rollbacks: Array<{ action: string; run: () => Promise<void> }>,
  results: RollbackResult[],
  log: (line: string) => void,
): Promise<void> {
  for (const r of rollbacks.splice(0).reverse()) {
    try {
      await r.run();
      results.push({ action: r.action, ok: true });
      log(`rollback: ${r.action}: done`);
    } catch (error) {
      results.push({ action: r.action, ok: false, error: (error as Error).message });
      log(`rollback: ${r.action}: FAILED: ${(error as Error).message}`);
    }
  }
}

async function drainLedger(
  watcher: Watcher,
  watches: WatchSpec[],
  start: { t: number },
  acceptedSeenByDriver: number,
  drainSeconds: number,
  pollMs: number,
  elapsed: () => number,
  signal: AbortSignal,
): Promise<LedgerResult> {
  const began = elapsed();
  const read = async (): Promise<{ accepted: number | undefined; completed: number | undefined }> => {
    await watcher.sampleOnce();
    const [a, c, late] = watches.map((w) => watcher.increase(watchKey(w), start.t));
    return {
      accepted: a === undefined ? undefined : a + (late ?? 0),
      completed: c,
    };
  };
  let now = await read();
  let drainedAfterSeconds: number | undefined;
  for (;;) {
    if (now.accepted !== undefined && now.completed !== undefined && now.completed >= now.accepted) {
      drainedAfterSeconds = elapsed() - began;
      break;
    }
    if (elapsed() - began >= drainSeconds) break;
    await sleep(pollMs, undefined, { signal }).catch(() => undefined);
    now = await read();
  }
  const lost =
    now.accepted === undefined || now.completed === undefined ? undefined : Math.max(0, now.accepted - now.completed);
  // data-service counts a message once when it reaches its final state, so more completions than
  // acceptances are effects nobody was told about (see LedgerResult.extraCompletions).
  const extraCompletions =
    now.accepted === undefined || now.completed === undefined ? undefined : Math.max(0, now.completed - now.accepted);
  return {
    acceptedByGateway: now.accepted,
    completedByDataService: now.completed,
    acceptedSeenByDriver,
    lost,
    extraCompletions,
    drainedAfterSeconds,
    ok: lost === 0 && extraCompletions === 0 && now.accepted !== undefined && now.accepted > 0,
  };
}

async function judgeDuring(
  p: Probe,
  window: { startS: number; endS: number },
  watcher: Watcher,
  prometheus: PrometheusApi | undefined,
  startedAtS: number,
): Promise<ProbeResult> {
  let values: Array<number | undefined> = [];
  let note: string;
  /** Steps (Prometheus) or samples (/metrics, lag, alerts) of the window that gave no value. */
  let gaps: number;
  const hasValue = (v: number | undefined): boolean => v !== undefined && !Number.isNaN(v);
  if (p.query) {
    let failed: string | undefined;
    const series = prometheus
      ? await prometheus
          .range(p.query, startedAtS + window.startS, startedAtS + window.endS, 1)
          .catch((error: unknown) => {
            failed = error instanceof Error ? error.message : String(error);
            return [];
          })
      : [];
    values = series.length > 0 ? series[0].points.map(([, v]) => v) : [];
    // A range query leaves out the steps where the series had no value: a gap shows as fewer points
    // (or as NaN points, e.g. a ratio over no traffic).
    const steps = Math.floor(window.endS - window.startS) + 1;
    const defined = values.filter(hasValue).length;
    gaps = Math.max(0, steps - defined);
    note = failed
      ? `the query failed: ${failed}`
      : `${defined} samples${defined < steps ? ` of ${steps} 1-s steps` : ''}`;
  } else {
    const key = p.watch ? watchKey(p.watch) : p.lag ? lagKey(p.lag) : alertKey(p.alert as string);
    values = watcher
      .samples(key)
      .filter((s) => s.t >= window.startS && s.t <= window.endS)
      .map((s) => s.value);
    gaps = values.filter((v) => !hasValue(v)).length;
    note = `${values.length} samples${gaps > 0 ? `, ${gaps} without data` : ''}`;
  }
  // Judged on the samples that have a value; none at all is "no data", not a miss. An `always` probe
  // must hold at every step: with no miss but a gap (a scrape gap mid-run), it was not seen to hold
  // throughout, so it is "no data" too. A miss among the samples is out of bounds either way.
  const judged = judgeWindow(values, p.expect, p.holds);
  const unseen = p.holds === 'always' && judged.ok && gaps > 0;
  const ok = judged.ok && !unseen;
  return {
    phase: 'during',
    name: p.name,
    source: probeSource(p),
    expect: `${p.expect} (${p.holds})`,
    measured: judged.measured,
    ok,
    outcome: unseen ? 'no data' : probeOutcome(ok, judged.measured),
    note,
  };
}

async function measure(
  specs: readonly Measurement[],
  events: ReadonlyMap<string, { startS: number; endS: number }>,
  runEndS: number,
  watcher: Watcher,
  prometheus: PrometheusApi | undefined,
  startedAtS: number,
): Promise<MeasurementResult[]> {
  const results: MeasurementResult[] = [];
  const values: Record<string, number | undefined> = {};
  for (const m of specs) {
    let value: number | undefined;
    try {
      if (m.expression !== undefined) value = evaluateExpression(m.expression, values);
      else if (m.step !== undefined) {
        const e = events.get(m.step);
        value = e === undefined ? undefined : e.endS - e.startS;
      } else if (m.query !== undefined && m.at !== undefined) {
        const at = resolveMoment(m.at, events, runEndS);
        value = at === undefined || !prometheus ? undefined : await prometheus.instant(m.query, startedAtS + at);
      } else if (m.until !== undefined && m.from !== undefined) {
        const from = resolveMoment(m.from, events, runEndS);
        if (from !== undefined) {
          if (m.until.query !== undefined) {
            const series = prometheus
              ? await prometheus.range(m.until.query, startedAtS + from - 5, startedAtS + runEndS, 1)
              : [];
            const samples = (series[0]?.points ?? []).map(([t, v]) => ({ t: t - startedAtS, value: v }));
            value = timeUntil(samples, from, m.until.expect);
          } else {
            const key = m.until.watch
              ? watchKey(m.until.watch)
              : m.until.lag
                ? lagKey(m.until.lag)
                : alertKey(m.until.alert as string);
            value = timeUntil(watcher.samples(key), from, m.until.expect);
          }
        }
      } else if (m.stall && m.from && m.to) {
        const from = resolveMoment(m.from, events, runEndS);
        const to = resolveMoment(m.to, events, runEndS);
        value =
          from === undefined || to === undefined
            ? undefined
            : longestStall(watcher.samples(watchKey(m.stall)), from, to);
      } else if ((m.peak || m.increase) && m.from && m.to) {
        const from = resolveMoment(m.from, events, runEndS);
        const to = resolveMoment(m.to, events, runEndS);
        const samples = watcher.samples(sampledKey((m.peak ?? m.increase) as SampledSpec));
        value =
          from === undefined || to === undefined
            ? undefined
            : m.peak
              ? peakOf(samples, from, to)
              : increaseOf(samples, from, to, { counter: m.increase?.watch !== undefined });
      }
    } catch {
      value = undefined;
    }
    values[m.name] = value;
    const ok = m.expect === undefined ? undefined : meets(parseExpectation(m.expect), value);
    results.push({
      name: m.name,
      ...(m.description ? { description: m.description } : {}),
      unit: m.unit,
      value,
      ...(m.expect ? { expect: m.expect, ok } : {}),
    });
  }
  return results;
}

function dedupe<T>(items: readonly T[], key: (t: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const i of items) if (!seen.has(key(i))) seen.set(key(i), i);
  return [...seen.values()];
}

function shortMetric(metric: string): string {
  // `jeeves_breaker_state{dependency="provider",state="open"}` → `breaker_state{provider,open}`
  const m = /^(?:jeeves_)?([^{]+)(?:\{(.*)\})?$/.exec(metric);
  if (!m) return metric;
  const values = [...(m[2] ?? '').matchAll(/"([^"]*)"/g)].map((v) => v[1]);
  return values.length ? `${m[1]}{${values.join(',')}}` : m[1];
}

function fmt(v: number | undefined): string {
  return v === undefined ? '-' : String(round(v));
}
