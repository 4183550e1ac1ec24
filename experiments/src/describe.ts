import type { ExperimentDescription, ExperimentPlan } from '#libs/contracts';
import { experimentNames, loadExperiment, type Experiment, type Probe } from './definition';
import { planTimeline } from './phases/method';
import { probeSource } from './phases/probes';
import { stepLabel } from './phases/steps';
import { experimentNeeds } from './preflight';

function probes(list: readonly Probe[], withHolds: boolean): ExperimentPlan['hypothesis']['steadyState'] {
  return list.map((p) => ({
    name: p.name,
    source: probeSource(p),
    expect: p.expect,
    ...(withHolds ? { holds: p.holds } : {}),
  }));
}

/**
 * One version of a definition as planned: the load, the method's steps on the timeline, the phases
 * with their planned bounds (seconds from the load's start), the hypothesis in words, the
 * measurements, the ledger and the app settings. What the console shows before a run.
 */
export function planOf(e: Experiment): ExperimentPlan {
  const timeline = planTimeline(e.method);
  const firstS = Math.min(...timeline.map((s) => s.startS));
  const lastS = Math.max(...timeline.map((s) => s.plannedEndS));
  const loadEndS = e.load.durationSeconds;
  const phases: ExperimentPlan['phases'] = [
    { phase: 'baseline', fromS: 0, toS: firstS },
    { phase: 'method', fromS: firstS, toS: lastS },
    { phase: 'recovery', fromS: lastS, toS: lastS + e.recovery.withinSeconds },
    { phase: 'load-end', fromS: lastS, toS: loadEndS },
    ...(e.ledger ? [{ phase: 'drain' as const, fromS: loadEndS, toS: loadEndS + e.ledger.drainSeconds }] : []),
  ];
  return {
    load: {
      scenario: e.load.scenario,
      ratePerSecond: e.load.rate,
      rampSeconds: e.load.rampSeconds,
      durationSeconds: e.load.durationSeconds,
    },
    steps: timeline.map(({ index, step, startS, plannedEndS }) => ({
      index,
      ...(step.id === undefined ? {} : { id: step.id }),
      label: stepLabel(step),
      atS: startS,
      ...(plannedEndS > startS ? { forS: plannedEndS - startS } : {}),
    })),
    phases,
    hypothesis: {
      steadyState: probes(e.steadyState, false),
      deviation: probes(e.deviation, true),
      recovery: { withinSeconds: e.recovery.withinSeconds, probes: probes(e.recovery.probes, false) },
      loadThresholds: Object.fromEntries(
        Object.entries(e.load.thresholds).map(([metric, list]) => [
          metric,
          list.map((t) => (typeof t === 'string' ? t : t.threshold)),
        ]),
      ),
    },
    measurements: e.measurements.map((m) => ({
      name: m.name,
      unit: m.unit,
      ...(m.description === undefined ? {} : { description: m.description }),
      ...(m.expect === undefined ? {} : { expect: m.expect }),
    })),
    ledger: e.ledger ? { drainSeconds: e.ledger.drainSeconds, accepted: e.ledger.accepted } : null,
    settings: Object.fromEntries(Object.entries(e.env).map(([app, vars]) => [app, { ...vars }])),
  };
}

/**
 * A shipped experiment described, full and `--short`: what `lab experiments --json` prints. Throws
 * ExperimentError when it does not load or validate.
 */
export function describeExperiment(name: string, options: { dir?: string } = {}): ExperimentDescription {
  const full = loadExperiment(name, { dir: options.dir });
  const short = loadExperiment(name, { dir: options.dir, short: true });
  return {
    name: full.name,
    description: full.description.trim(),
    ...(full.requires?.brokers === undefined ? {} : { requiresBrokers: full.requires.brokers }),
    // What the preflight checks: either version's needs (a short method may touch other apps).
    needs: [...new Set([...experimentNeeds(full), ...experimentNeeds(short)])],
    variants: full.variants.map((v) => ({ name: v.name, description: v.description })),
    full: planOf(full),
    short: planOf(short),
  };
}

/** Every shipped experiment described, by name. */
export function describeExperiments(options: { dir?: string } = {}): ExperimentDescription[] {
  return experimentNames(options.dir).map((name) => describeExperiment(name, options));
}
