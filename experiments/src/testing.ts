import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AppName } from '../../tools/lab';
import { parseExperiment, type ClusterSpec, type Experiment, type LagSpec, type TopicConfig } from './definition';
import type { LabActions, PipelineTopic } from './lab-actions';
import type { LoadOutcome, LoadStarter } from './load';
import type { RunRecord } from './runner';

/** Fakes for the runner's unit specs: a lab that records what was done to it (canned Prometheus: tools/common/testing). */
export class FakeLab implements LabActions {
  readonly calls: string[] = [];
  /** Values served on each app's /metrics, changed by the actions below (e.g. a fault opens the breaker). */
  readonly metrics: Record<string, Record<string, number>> = {};
  readonly running = new Map<string, number>([['worker', 1]]);
  failOn: string | undefined;
  onInject: ((service: string, fault: Record<string, unknown>) => void) | undefined;
  onClear: (() => void) | undefined;
  /** Records produced by `produce` steps, in order. */
  readonly produced: Array<{ topic: PipelineTopic; key: string; value: string }> = [];
  onProduce: ((record: { topic: PipelineTopic; key: string; value: string }) => void) | undefined;
  /** Lag per `lag:` source, by group/topic/key; a missing entry reads no data. */
  readonly lags = new Map<string, number>();
  /** Partition counts per `cluster:` source, by `count/topic` (`under-replicated/messages`, `…/all`); a missing entry reads no data. */
  readonly clusterCounts = new Map<string, number>();
  /** The broker `leaderOf` answers per topic (`broker-1` when unset). */
  readonly leaders = new Map<string, string>();
  closed = false;
  private nextId = 1;

  private record(call: string): void {
    this.calls.push(call);
    if (this.failOn && call.startsWith(this.failOn)) throw new Error(`fake failure of ${call}`);
  }

  async injectFault(service: AppName, fault: Record<string, unknown>): Promise<{ id: string }> {
    this.record(`inject ${service} ${String(fault.type)}`);
    this.onInject?.(service, fault);
    return { id: `f${this.nextId++}` };
  }
  async clearFault(service: AppName, id: string): Promise<void> {
    this.record(`clear ${service} ${id}`);
    this.onClear?.();
  }
  async kill(id: string): Promise<void> {
    this.record(`kill ${id}`);
  }
  async restart(id: string): Promise<void> {
    this.record(`restart ${id}`);
  }
  runningCount(app: AppName): number {
    return this.running.get(app) ?? 1;
  }
  async scale(app: AppName, n: number): Promise<void> {
    this.record(`scale ${app} ${n}`);
    this.running.set(app, n);
  }
  async kafkaUp(): Promise<boolean> {
    return true;
  }
  async restartWithEnv(app: AppName, env: Readonly<Record<string, string>> | undefined): Promise<void> {
    this.record(`env ${app} ${env ? JSON.stringify(env) : 'lab'}`);
  }
  async installAlertOverrides(): Promise<void> {
    this.record('alerts install');
  }
  async removeAlertOverrides(): Promise<void> {
    this.record('alerts remove');
  }
  async produce(topic: PipelineTopic, key: string, value: string): Promise<{ partition: number; offset: string }> {
    this.record(`produce ${topic} ${key}`);
    this.produced.push({ topic, key, value });
    this.onProduce?.({ topic, key, value });
    return { partition: 0, offset: String(this.produced.length - 1) };
  }
  async consumerLag(spec: LagSpec): Promise<number | undefined> {
    return this.lags.get(`${spec.group}/${spec.topic}/${spec.key ?? spec.partition ?? 'all'}`);
  }
  async leaderOf(topic: PipelineTopic): Promise<string> {
    this.record(`leader ${topic}`);
    return this.leaders.get(topic) ?? 'broker-1';
  }
  async clusterCount(spec: ClusterSpec): Promise<number | undefined> {
    return this.clusterCounts.get(`${spec.count}/${spec.topic ?? 'all'}`);
  }
  async setTopicConfig(config: TopicConfig): Promise<void> {
    this.record(`topics ${JSON.stringify(config)}`);
  }
  async restoreTopicConfig(): Promise<void> {
    this.record('topics restore');
  }
  async close(): Promise<void> {
    this.closed = true;
  }
  async scrape(app: AppName): Promise<Array<{ instance: string; text: string }>> {
    const values = this.metrics[app];
    if (!values) return [];
    return [
      {
        instance: app,
        text:
          Object.entries(values)
            .map(([k, v]) => `${k} ${v}`)
            .join('\n') + '\n',
      },
    ];
  }
}

/** A load that passed: 20 requests, 10 accepted, one second of timeline; `overrides` replace fields. */
export function sampleLoadOutcome(overrides: Partial<LoadOutcome> = {}): LoadOutcome {
  return {
    passed: true,
    thresholds: [],
    accepted: 10,
    requests: 20,
    failedRate: 0,
    timeline: [
      {
        t: 0,
        started: 5,
        requests: 5,
        failed: 0,
        iterations: 5,
        dropped: 0,
        vus: 1,
        p95Ms: 10,
        p99Ms: 12,
        e2eP95Ms: 50,
        e2eP99Ms: 60,
      },
    ],
    ...overrides,
  };
}

export const passingLoad = (outcome: Partial<LoadOutcome> = {}): LoadStarter => {
  return (request, signal) => {
    const started = performance.now();
    const seconds = request.durationSeconds ?? request.experiment.load.durationSeconds;
    const done = sleep(seconds * 1000, undefined, { signal })
      .catch(() => undefined)
      .then((): LoadOutcome => sampleLoadOutcome(outcome));
    return { started: Promise.resolve(started), done };
  };
};

/** A provider-outage in miniature: tenths of seconds instead of tens. */
export function miniExperiment(extra: Record<string, unknown> = {}): Experiment {
  return parseExperiment({
    name: 'mini',
    description: 'a fault on a tiny timeline',
    load: { rate: 1, durationSeconds: 1.6, rampSeconds: 0 },
    steadyState: [
      { name: 'error ratio', query: 'errors', expect: '< 0.01' },
      { name: 'closed', watch: { app: 'worker', metric: 'breaker_state{state="closed"}' }, expect: '== 1' },
    ],
    method: [{ id: 'outage', at: 0.4, inject: { service: 'provider', fault: { type: 'error', rate: 1 } }, for: 0.4 }],
    deviation: [
      {
        name: 'opens',
        watch: { app: 'worker', metric: 'breaker_state{state="open"}' },
        expect: '== 1',
        holds: 'sometimes',
      },
    ],
    recovery: { withinSeconds: 0.5 },
    measurements: [
      {
        name: 'reaction',
        unit: 's',
        from: 'outage.start',
        until: { watch: { app: 'worker', metric: 'breaker_state{state="open"}' }, expect: '== 1' },
      },
      {
        name: 'recovery',
        unit: 's',
        from: 'outage.end',
        until: { watch: { app: 'worker', metric: 'breaker_state{state="closed"}' }, expect: '== 1' },
        expect: '<= 0.5',
      },
    ],
    ...extra,
  });
}

/** A lab whose breaker opens when a fault is injected and closes when it is cleared. */
export function breakerLab(): FakeLab {
  const lab = new FakeLab();
  lab.metrics.worker = { 'breaker_state{state="closed"}': 1, 'breaker_state{state="open"}': 0 };
  lab.onInject = () => {
    lab.metrics.worker = { 'breaker_state{state="closed"}': 0, 'breaker_state{state="open"}': 1 };
  };
  lab.onClear = () => {
    lab.metrics.worker = { 'breaker_state{state="closed"}': 1, 'breaker_state{state="open"}': 0 };
  };
  return lab;
}

/** A finished run of miniExperiment (a provider outage that passed), for report tests; `overrides` replace fields. */
export function sampleRecord(overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    experiment: miniExperiment(),
    short: true,
    startedAtS: 1_800_000_000,
    durationSeconds: 60,
    events: [
      { index: 0, id: 'outage', label: 'inject error on provider <route:/v1/weather> for 20s', startS: 20, endS: 40 },
    ],
    disruption: { startS: 20, endS: 40 },
    probes: [
      {
        phase: 'before',
        name: 'error ratio',
        source: 'PromQL: errors',
        expect: '< 0.01',
        measured: 0,
        ok: true,
        outcome: 'within bounds',
      },
      {
        phase: 'during',
        name: 'opens',
        source: 'watch',
        expect: '== 1 (sometimes)',
        measured: 1,
        ok: true,
        outcome: 'within bounds',
      },
    ],
    recoverySeconds: 5.5,
    measurements: [{ name: 'breakerReactionSeconds', unit: 's', value: 1.25 }],
    ledger: undefined,
    load: sampleLoadOutcome({ accepted: 100, requests: 300 }),
    rollbacks: [{ action: 'clear error fault on provider', ok: true }],
    watched: {
      'worker:max:breaker_state{state="open"}': [
        { t: 19.5, value: 0 },
        { t: 21, value: 1 },
        { t: 45, value: 0 },
      ],
    },
    interrupted: false,
    verdict: { passed: true, failures: [], noData: [] },
    ...overrides,
  };
}
