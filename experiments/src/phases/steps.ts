import type { AppName } from '../../../tools/lab';
import { LEADER_TARGET, type Experiment, type Step } from '../definition';
import { buildFixture } from '../fixtures';
import type { LabActions, PipelineTopic } from '../lab-actions';
import type { LoadStarter } from '../load';
import type { RunClock } from './clock';
import { ledgerSourcesOf } from './instruments';
import type { Rollbacks } from './rollbacks';

/** The kinds of step a method has, by the key that names each in the definition. */
export const STEP_KINDS = ['inject', 'kill', 'restart', 'scale', 'flood', 'produce'] as const;
export type StepKind = (typeof STEP_KINDS)[number];
/** The step of one kind: `StepOf<'kill'>` is `{ at, id?, kill }`. */
export type StepOf<K extends StepKind> = Extract<Step, Record<K, unknown>>;

/** What a step handler may use, shared by every step of one run. */
export interface StepContext {
  readonly experiment: Experiment;
  readonly lab: LabActions;
  readonly load: LoadStarter;
  readonly clock: RunClock;
  /** Aborted on Ctrl-C: a flood stops with it. */
  readonly signal: AbortSignal;
  readonly rollbacks: Rollbacks;
  /** A log line under the experiment's name: `[name] text`. */
  readonly log: (text: string) => void;
  /** Instances killed by an earlier step and not restarted since. */
  readonly killed: Set<string>;
  /** Each app's instance count before the method first scaled it. */
  readonly scaledFrom: Map<AppName, number>;
  /** The broker each `<topic>-leader` target was resolved to by the first step that named it. */
  readonly leaders: Map<string, string>;
}

/**
 * The instance or broker a kill or restart acts on: `messages-leader` is the broker leading the most
 * partitions of that topic when first named (logged, then kept: a later `restart: messages-leader`
 * restarts the same broker, not whichever leads now); any other target is itself.
 */
async function resolveTarget(target: string, ctx: StepContext): Promise<string> {
  const topic = LEADER_TARGET.exec(target)?.[1] as PipelineTopic | undefined;
  if (topic === undefined) return target;
  const known = ctx.leaders.get(target);
  if (known !== undefined) return known;
  const broker = await ctx.lab.leaderOf(topic);
  ctx.leaders.set(target, broker);
  at(ctx, `${target} is ${broker} (it leads the most partitions of ${topic})`);
  return broker;
}

/**
 * One kind of step: how it reads in the log and the report, and how to do it. `run` registers on
 * `ctx.rollbacks` what undoes the step the moment there is something to undo (before a kill or a
 * scale, once an injected fault has its id), so a run that fails or is interrupted still undoes it;
 * a step with nothing to undo (a produced record) registers nothing.
 */
export interface StepHandler<S extends Step> {
  label(step: S): string;
  /** Does the step; a timed step (`for:`) returns at its planned end, `plannedEndS` on the run's clock. Throws what the lab throws. */
  run(step: S, ctx: StepContext, plannedEndS: number): Promise<void>;
}

const at = (ctx: StepContext, text: string): void => ctx.log(`${ctx.clock.elapsed().toFixed(1)} s: ${text}`);

/** A fault on a service's chaos API for `for:`; undone by clearing it (the fault also expires 5 s after). */
const inject: StepHandler<StepOf<'inject'>> = {
  label: (step) =>
    `inject ${step.inject.fault.type} on ${step.inject.service}${step.inject.fault.target ? ` ${String(step.inject.fault.target)}` : ''} for ${step.for}s`,
  async run(step, ctx, plannedEndS) {
    const { service, fault } = step.inject;
    const { id } = await ctx.lab.injectFault(service, fault, step.for * 1000 + 5000);
    let cleared = false;
    const clear = async (): Promise<void> => {
      if (cleared) return;
      cleared = true;
      await ctx.lab.clearFault(service, id);
    };
    ctx.rollbacks.push(`clear ${fault.type} fault on ${service}`, clear);
    await ctx.clock.sleepUntil(plannedEndS);
    await clear();
    at(ctx, `cleared ${fault.type} on ${service}`);
  },
};

/** kill -9 of an app, instance or broker; undone by restarting it, unless a later step restarted it already. */
const kill: StepHandler<StepOf<'kill'>> = {
  label: (step) => `kill -9 ${step.kill}`,
  async run(step, ctx) {
    const target = await resolveTarget(step.kill, ctx);
    ctx.killed.add(target);
    ctx.rollbacks.push(`restart ${target} if still down`, async () =>
      ctx.killed.has(target) ? ctx.lab.restart(target) : undefined,
    );
    await ctx.lab.kill(target);
  },
};

/**
 * A restart (stop, start, wait ready); of kafka, undone by starting it if it is still down. With
 * `env`, every instance of the app restarts with those settings (a rollout), undone by restarting it
 * with the lab's own — after the ledger's drain when the ledger counts from the app.
 */
const restart: StepHandler<StepOf<'restart'>> = {
  label: (step) =>
    `restart ${step.restart}${
      step.env
        ? ` with ${Object.entries(step.env)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ')}`
        : ''
    }`,
  async run(step, ctx) {
    if (step.env) {
      const app = step.restart as AppName;
      const counted = ctx.experiment.ledger ? ledgerSourcesOf(ctx.experiment.ledger).countingApps : [];
      ctx.rollbacks.push(`restart ${app} with the lab's settings`, () => ctx.lab.restartWithEnv(app, undefined), {
        afterLedger: counted.includes(app),
      });
      await ctx.lab.restartWithEnv(app, step.env);
      ctx.killed.delete(app);
      return;
    }
    const target = await resolveTarget(step.restart, ctx);
    if (target === 'kafka')
      ctx.rollbacks.push('start kafka if it is down', async () =>
        (await ctx.lab.kafkaUp()) ? undefined : ctx.lab.restart('kafka'),
      );
    await ctx.lab.restart(target);
    ctx.killed.delete(target);
  },
};

/** Scales an app to n instances; undone by scaling it back to its size before the method first scaled it. */
const scale: StepHandler<StepOf<'scale'>> = {
  label: (step) => `scale ${step.scale.app} to ${step.scale.n}`,
  async run(step, ctx) {
    const { app, n } = step.scale;
    if (!ctx.scaledFrom.has(app)) {
      const before = Math.max(1, ctx.lab.runningCount(app));
      ctx.scaledFrom.set(app, before);
      ctx.rollbacks.push(`scale ${app} back to ${before}`, () => ctx.lab.scale(app, before));
    }
    await ctx.lab.scale(app, n);
  },
};

/** One record straight onto a pipeline topic; nothing to undo (a record cannot be taken back). */
const produce: StepHandler<StepOf<'produce'>> = {
  label: (step) =>
    `produce ${step.produce.fixture ?? `${JSON.stringify(step.produce.value)}`} onto ${step.produce.topic} with key ${step.produce.key}`,
  async run(step, ctx) {
    const { topic, key, value, fixture } = step.produce;
    const written = await ctx.lab.produce(topic, key, fixture ? buildFixture(fixture, key) : (value as string));
    at(ctx, `produced onto ${topic} partition ${written.partition} offset ${written.offset}`);
  },
};

/** A second client's load for `for:`; it ends by itself, and with the run's stop signal. */
const flood: StepHandler<StepOf<'flood'>> = {
  label: (step) => `flood from client ${step.flood.client} at ${step.flood.rate}/s for ${step.for}s`,
  async run(step, ctx) {
    const { client, rate, flow } = step.flood;
    const handle = ctx.load(
      { experiment: ctx.experiment, role: 'flood', client, rate, flow, durationSeconds: step.for },
      ctx.signal,
      () => undefined,
    );
    const outcome = await handle.done;
    ctx.log(`flood done: ${outcome.requests} requests, ${(outcome.failedRate * 100).toFixed(1)} % refused or failed`);
  },
};

/** The step handlers, by kind. */
export const STEP_HANDLERS: { readonly [K in StepKind]: StepHandler<StepOf<K>> } = {
  inject,
  kill,
  restart,
  scale,
  flood,
  produce,
};

/** The kind of a step: the one STEP_KINDS key it has. */
export function stepKind(step: Step): StepKind {
  const kind = STEP_KINDS.find((k) => k in step);
  if (kind === undefined) throw new Error(`a step with none of ${STEP_KINDS.join(', ')}: ${JSON.stringify(step)}`);
  return kind;
}

/** The handler for a step's kind (the definition's schema guarantees the step's shape fits it). */
export function handlerOf(step: Step): StepHandler<Step> {
  return STEP_HANDLERS[stepKind(step)] as StepHandler<Step>;
}

/** The step in one line, for logs and the report: `kill -9 worker`, `inject error on provider for 20s`. */
export function stepLabel(step: Step): string {
  return handlerOf(step).label(step);
}
