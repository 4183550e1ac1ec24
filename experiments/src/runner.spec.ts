import { FakePrometheus } from '../../tools/common/testing';
import { breakerLab, FakeLab, miniExperiment, passingLoad } from './testing';
import {
  decideVerdict,
  judgeWindow,
  longestStall,
  lastIncreaseOf,
  lowOf,
  peakOf,
  planTimeline,
  runExperiment,
  stallEndOf,
  timeUntil,
} from './runner';
import { parseExperiment } from './definition';
import { increaseOf } from './watcher';

const quiet = (): void => undefined;
const fast = { pollIntervalMs: 20, watchIntervalMs: 20, log: quiet };

describe('planTimeline', () => {
  it('orders steps by start time and gives timed steps their planned end', () => {
    const e = parseExperiment({
      name: 't',
      description: 'd',
      load: { rate: 1, durationSeconds: 100 },
      method: [
        { at: '40s', restart: 'worker' },
        { at: '10s', inject: { service: 'provider', fault: { type: 'error' } }, for: '1m' },
        { at: '20s', kill: 'worker' },
      ],
      recovery: { withinSeconds: 5 },
    });
    expect(planTimeline(e.method).map((p) => [p.startS, p.plannedEndS])).toEqual([
      [10, 70],
      [20, 20],
      [40, 40],
    ]);
  });
});

describe('bounds over samples', () => {
  it('judges `always` by the worst sample and `sometimes` by the best', () => {
    expect(judgeWindow([0, 0.002, 0.03], '< 0.01', 'always')).toEqual({ ok: false, measured: 0.03 });
    expect(judgeWindow([0, 0.002, 0.005], '< 0.01', 'always')).toEqual({ ok: true, measured: 0.005 });
    expect(judgeWindow([0, 0, 1], '== 1', 'sometimes')).toEqual({ ok: true, measured: 1 });
    expect(judgeWindow([0, 0, 0], '== 1', 'sometimes').ok).toBe(false);
  });
  it('never passes a window with no data', () => {
    expect(judgeWindow([undefined, NaN], '< 1', 'always')).toEqual({ ok: false, measured: undefined });
  });
  it('times a transition from a moment, and `increases` from the value at that moment', () => {
    const s = [0, 1, 2, 3, 4].map((t) => ({ t, value: t < 3 ? 5 : 6 }));
    expect(timeUntil(s, 1, 'increases')).toBe(2);
    expect(timeUntil(s, 0.5, '== 6')).toBe(2.5);
    expect(timeUntil(s, 0, '== 7')).toBeUndefined();
  });
  it("times a counter's last rise in a window from its start (0 when it never rose; a drop is no rise)", () => {
    const s = [0, 1, 2, 3, 4, 5, 6].map((t) => ({ t, value: [0, 0, 2, 3, 3, 1, 1][t] }));
    expect(lastIncreaseOf(s, 0.5, 6)).toBe(2.5);
    expect(lastIncreaseOf(s, 0.5, 2)).toBe(1.5);
    expect(lastIncreaseOf(s, 3, 6)).toBe(0);
    expect(lastIncreaseOf([{ t: 0, value: 1 }], 0, 6)).toBeUndefined();
    expect(
      lastIncreaseOf(
        [
          { t: 0, value: 1 },
          { t: 1, value: undefined },
        ],
        0,
        6,
      ),
    ).toBeUndefined();
  });
  it('finds the longest time a counter stood still', () => {
    const s = [0, 1, 2, 3, 4, 5, 6].map((t) => ({ t, value: [1, 2, 2, 2, 2, 3, 4][t] }));
    expect(longestStall(s, 0, 6)).toBe(4);
    expect(longestStall(s, 1.5, 4.5)).toBe(3);
    // Its end: the counter moved again at 5 s (from 0: after 5 s); a window where it never moves has none.
    expect(stallEndOf(s, 0, 6)).toBe(5);
    expect(stallEndOf(s, 0.5, 6)).toBe(4.5);
    expect(stallEndOf(s, 1.5, 4.5)).toBeUndefined();
  });
});

describe('peaks and increases over a window', () => {
  const s = [0, 1, 2, 3, 4].map((t) => ({ t, value: t === 2 ? undefined : [5, 7, 0, 9, 6][t] }));
  it('takes the highest defined sample in the window', () => {
    expect(peakOf(s, 0, 4)).toBe(9);
    expect(peakOf(s, 0.5, 2.5)).toBe(7);
    expect(peakOf(s, 1.5, 2.5)).toBeUndefined();
  });
  it('takes the lowest defined sample in the window (a lag that never reached 0 was stuck)', () => {
    expect(lowOf(s, 0, 4)).toBe(5);
    expect(lowOf(s, 2.5, 4)).toBe(6);
    expect(lowOf(s, 1.5, 2.5)).toBeUndefined();
  });
  it('takes the last sample minus the one standing at the window start (a gauge: a lag)', () => {
    expect(increaseOf(s, 0.5, 4)).toBe(1);
    expect(increaseOf(s, 1, 3)).toBe(2);
    expect(increaseOf(s, 5, 6)).toBeUndefined();
  });
  it('counts a counter that drops as restarted from zero (a watched series)', () => {
    // 5 → 7 → 9, restarted, then at 6: 2 + 2 + 6.
    expect(increaseOf(s, 0.5, 4, { counter: true })).toBe(10);
    expect(increaseOf(s, 1, 3, { counter: true })).toBe(2);
  });
});

describe('decideVerdict', () => {
  const base = {
    probes: [],
    recoverySeconds: 1,
    withinSeconds: 5,
    hasDisruption: true,
    measurements: [],
    ledger: undefined,
    load: undefined,
    events: [],
    interrupted: false,
  };
  it('passes when everything held', () => {
    expect(decideVerdict(base)).toEqual({ passed: true, failures: [], noData: [] });
  });
  it('fails, saying why, on each kind of miss', () => {
    const v = decideVerdict({
      ...base,
      recoverySeconds: undefined,
      probes: [
        {
          phase: 'during',
          name: 'opens',
          source: 's',
          expect: '== 1',
          measured: 0,
          ok: false,
          outcome: 'out of bounds',
        },
      ],
      measurements: [{ name: 'eff', unit: '', value: 0.5, expect: '>= 0.85', ok: false }],
      ledger: {
        acceptedByGateway: 10,
        completedByDataService: 9,
        acceptedSeenByDriver: 10,
        lost: 1,
        extraCompletions: 0,
        drainedAfterSeconds: undefined,
        ok: false,
      },
      load: {
        passed: false,
        thresholds: [
          {
            metric: 'checks',
            threshold: 'rate>0.99',
            value: 0.5,
            ok: false,
            abortOnFail: false,
            delayAbortEvalSeconds: 0,
          },
        ],
        accepted: 1,
        requests: 1,
        failedRate: 0,
        timeline: [],
      },
    });
    expect(v.passed).toBe(false);
    expect(v.failures).toEqual([
      'during: "opens" expected == 1, measured 0, out of bounds',
      "no recovery within 5 s of the method's end",
      'measurement eff = 0.5, expected >= 0.85',
      'ledger: 1 lost, 0 completed without an acceptance (accepted 10, completed 9)',
      'load threshold checks: rate>0.99 (was 0.5)',
    ]);
  });

  it('fails a probe without data with a "no data" line of its own, apart from the out-of-bounds ones', () => {
    const v = decideVerdict({
      ...base,
      probes: [
        {
          phase: 'before',
          name: 'ratio',
          source: 'PromQL: r',
          expect: '< 1',
          measured: 2,
          ok: false,
          outcome: 'out of bounds',
        },
        {
          phase: 'during',
          name: 'opens',
          source: 'max of open on worker (/metrics, sampled)',
          expect: '== 1 (sometimes)',
          measured: undefined,
          ok: false,
          outcome: 'no data',
          note: '8 samples, 8 without data',
        },
      ],
    });
    const gap = 'no data from "opens" (during; max of open on worker (/metrics, sampled); 8 samples, 8 without data)';
    expect(v).toEqual({
      passed: false,
      failures: ['before: "ratio" expected < 1, measured 2, out of bounds', gap],
      noData: [gap],
    });
  });
});

describe('runExperiment', () => {
  it('runs the method on time, sees the deviation and the recovery, and passes', async () => {
    const lab = breakerLab();
    const prom = new FakePrometheus(() => 0);
    const record = await runExperiment(miniExperiment(), { lab, prometheus: prom, load: passingLoad(), ...fast });
    expect(record.verdict).toEqual({ passed: true, failures: [], noData: [] });
    expect(lab.calls).toEqual(['inject provider error', 'clear provider f1']);
    const [event] = record.events;
    expect(event.startS).toBeGreaterThanOrEqual(0.39);
    expect(event.startS).toBeLessThan(0.6);
    expect(event.endS - event.startS).toBeGreaterThanOrEqual(0.39);
    expect(record.probes.map((p) => `${p.phase}:${p.name}:${p.ok}`)).toEqual([
      'before:error ratio:true',
      'before:closed:true',
      'after:error ratio:true',
      'after:closed:true',
      'during:opens:true',
    ]);
    const reaction = record.measurements.find((m) => m.name === 'reaction')?.value;
    expect(reaction).toBeGreaterThanOrEqual(0);
    expect(reaction).toBeLessThan(0.2);
    // The steady state was judged at the checkpoint's moment, in Prometheus time.
    expect(prom.instants[0].timeS).toBeGreaterThan(record.startedAtS);
  });

  it('fails when the expected deviation never shows (protection removed: no breaker)', async () => {
    const lab = new FakeLab();
    lab.metrics.worker = { 'breaker_state{state="closed"}': 1, 'breaker_state{state="open"}': 0 };
    const record = await runExperiment(miniExperiment(), {
      lab,
      prometheus: new FakePrometheus(() => 0),
      load: passingLoad(),
      ...fast,
    });
    expect(record.verdict.passed).toBe(false);
    expect(record.verdict.failures.join('\n')).toContain('during: "opens" expected == 1');
  });

  it('reports a probe whose source goes silent mid-run as "no data", not as out of bounds', async () => {
    // The worker's /metrics answers before the method, stops answering while the fault is on (a
    // scrape gap: the app or its exporter is down), and answers again once the fault is cleared.
    const lab = breakerLab();
    lab.onInject = () => delete lab.metrics.worker;
    const record = await runExperiment(miniExperiment(), {
      lab,
      prometheus: new FakePrometheus(() => 0),
      load: passingLoad(),
      ...fast,
    });
    const opens = record.probes.find((p) => p.phase === 'during' && p.name === 'opens');
    expect(opens).toMatchObject({ ok: false, outcome: 'no data', measured: undefined });
    expect(opens?.note).toMatch(/^(\d+) samples, \1 without data$/);
    // Before and after had data and held: only the silent window is named, as no data.
    expect(record.probes.filter((p) => p.phase !== 'during').every((p) => p.outcome === 'within bounds')).toBe(true);
    expect(record.verdict.passed).toBe(false);
    expect(record.verdict.noData).toEqual([expect.stringMatching(/^no data from "opens" \(during; /)]);
    expect(record.verdict.failures).toEqual(record.verdict.noData);
    expect(record.verdict.failures.join('\n')).not.toMatch(/out of bounds|expected == 1/);
  });

  it('an `always` probe whose source goes silent partway through the window is "no data", not held', async () => {
    // The breaker stays open throughout, as it should; but half way through the fault the worker's
    // /metrics stops answering (a scrape gap), so "open throughout" was never seen for the rest.
    const lab = breakerLab();
    lab.onInject = () => {
      lab.metrics.worker = { 'breaker_state{state="closed"}': 0, 'breaker_state{state="open"}': 1 };
      setTimeout(() => delete lab.metrics.worker, 200);
    };
    lab.onClear = () => {
      lab.metrics.worker = { 'breaker_state{state="closed"}': 1, 'breaker_state{state="open"}': 0 };
    };
    const e = miniExperiment({
      method: [{ id: 'outage', at: 0.4, inject: { service: 'provider', fault: { type: 'error', rate: 1 } }, for: 1.2 }],
      load: { rate: 1, durationSeconds: 2.4, rampSeconds: 0 },
      deviation: [
        {
          name: 'open throughout',
          watch: { app: 'worker', metric: 'breaker_state{state="open"}' },
          expect: '== 1',
          holds: 'always',
        },
      ],
    });
    const record = await runExperiment(e, {
      lab,
      prometheus: new FakePrometheus(() => 0),
      load: passingLoad(),
      ...fast,
    });
    const probe = record.probes.find((p) => p.phase === 'during');
    expect(probe).toMatchObject({
      ok: false,
      outcome: 'no data',
      note: expect.stringMatching(/^\d+ samples, \d+ without data$/),
    });
    expect(record.verdict.passed).toBe(false);
    expect(record.verdict.noData).toEqual([expect.stringMatching(/^no data from "open throughout" \(during; /)]);
  });

  it('a Prometheus range that stops partway through an `always` window is "no data", with the steps it lacked', async () => {
    const e = miniExperiment({
      method: [{ id: 'outage', at: 0.4, inject: { service: 'provider', fault: { type: 'error', rate: 1 } }, for: 2.2 }],
      load: { rate: 1, durationSeconds: 3.2, rampSeconds: 0 },
      deviation: [{ name: 'failures stay low', query: 'failed', expect: '< 0.01', holds: 'always' }],
    });
    const record = await runExperiment(e, {
      lab: breakerLab(),
      // One point at the window's start, then the series is gone (its target stopped being scraped).
      prometheus: new FakePrometheus(
        () => 0,
        (_query, startS) => [{ labels: {}, points: [[startS, 0]] }],
      ),
      load: passingLoad(),
      ...fast,
    });
    const probe = record.probes.find((p) => p.phase === 'during');
    expect(probe).toMatchObject({ ok: false, outcome: 'no data', note: '1 samples of 3 1-s steps' });
    expect(record.verdict.noData).toEqual([
      expect.stringMatching(/^no data from "failures stay low" \(during; PromQL: failed; 1 samples of 3/),
    ]);
  });

  it('a Prometheus range with nothing in the method window is "no data" too, with the steps it lacked', async () => {
    const e = miniExperiment({
      deviation: [{ name: 'degraded replies', query: 'degraded', expect: '> 0', holds: 'sometimes' }],
    });
    const record = await runExperiment(e, {
      lab: breakerLab(),
      prometheus: new FakePrometheus(
        () => 0,
        () => [],
      ),
      load: passingLoad(),
      ...fast,
    });
    const probe = record.probes.find((p) => p.phase === 'during');
    expect(probe).toMatchObject({
      name: 'degraded replies',
      outcome: 'no data',
      note: expect.stringMatching(/^0 samples of \d+ 1-s steps$/),
    });
    expect(record.verdict.failures).toEqual([
      expect.stringMatching(/^no data from "degraded replies" \(during; PromQL: degraded; 0 samples/),
    ]);
  });

  it('runs the preflight first: when it throws, nothing is set up, loaded, injected or probed', async () => {
    const lab = breakerLab();
    const prometheus = new FakePrometheus(() => 0);
    let loads = 0;
    const load = passingLoad();
    const preflight = jest.fn(async () => {
      throw new Error(
        'Prometheus is not answering on http://127.0.0.1:9090 (not running): start it with npm run lab -- up',
      );
    });
    await expect(
      runExperiment(miniExperiment({ env: { worker: { X: '1' } } }), {
        lab,
        prometheus,
        load: (...args) => (loads++, load(...args)),
        preflight,
        ...fast,
      }),
    ).rejects.toThrow(/^Prometheus is not answering/);
    expect(preflight).toHaveBeenCalledWith(expect.objectContaining({ name: 'mini' }));
    expect({ calls: lab.calls, loads, instants: prometheus.instants }).toEqual({ calls: [], loads: 0, instants: [] });
  });

  it('fails when the steady state does not hold before the method', async () => {
    const record = await runExperiment(miniExperiment(), {
      lab: breakerLab(),
      prometheus: new FakePrometheus(() => 0.2),
      load: passingLoad(),
      ...fast,
    });
    expect(record.verdict.failures[0]).toBe('before: "error ratio" expected < 0.01, measured 0.2, out of bounds');
  });

  it('fails when recovery takes longer than allowed', async () => {
    const lab = breakerLab();
    lab.onClear = undefined; // the breaker stays open after the fault is gone
    const record = await runExperiment(miniExperiment(), {
      lab,
      prometheus: new FakePrometheus(() => 0),
      load: passingLoad(),
      ...fast,
    });
    expect(record.recoverySeconds).toBeUndefined();
    expect(record.verdict.failures).toContain("no recovery within 0.5 s of the method's end");
  });

  it('rolls back everything it did when a step fails', async () => {
    const lab = new FakeLab();
    lab.failOn = 'restart worker';
    const e = parseExperiment({
      name: 'rb',
      description: 'd',
      env: { worker: { WORKER_CONCURRENCY: '1' } },
      alertOverrides: [{ alert: 'X', expr: 'up', for: '5s' }],
      load: { rate: 1, durationSeconds: 1, rampSeconds: 0 },
      method: [
        { at: 0.05, inject: { service: 'provider', fault: { type: 'latency', ms: 5 } }, for: 0.3 },
        { at: 0.1, scale: { app: 'worker', n: 3 } },
        { at: 0.15, kill: 'worker' },
        { at: 0.2, restart: 'worker' },
      ],
      recovery: { withinSeconds: 0.1 },
    });
    const record = await runExperiment(e, { lab, prometheus: new FakePrometheus(), load: passingLoad(), ...fast });
    expect(record.verdict.passed).toBe(false);
    expect(record.verdict.failures[0]).toMatch(/step "restart worker" failed: fake failure/);
    // The kill's rollback restarts the worker (and fails again, as the fake is told to); all others still ran.
    expect(record.rollbacks.map((r) => `${r.action}:${r.ok}`)).toEqual([
      'restart worker if still down:false',
      'scale worker back to 1:true',
      'clear latency fault on provider:true',
      'remove alert overrides:true',
      "restart worker with the lab's settings:true",
    ]);
    expect(lab.calls.slice(-3)).toEqual(['scale worker 1', 'alerts remove', 'env worker lab']);
  });

  it('rolls back when interrupted (Ctrl-C) and fails the verdict', async () => {
    const lab = breakerLab();
    const interrupt = new AbortController();
    setTimeout(() => interrupt.abort(), 550);
    const started = Date.now();
    const record = await runExperiment(miniExperiment(), {
      lab,
      prometheus: new FakePrometheus(() => 0),
      load: passingLoad(),
      signal: interrupt.signal,
      ...fast,
    });
    expect(Date.now() - started).toBeLessThan(1500);
    expect(record.interrupted).toBe(true);
    expect(record.verdict.failures).toContain('interrupted before the method finished');
    expect(lab.calls).toEqual(['inject provider error', 'clear provider f1']);
  });

  it('rolls back even when the runner itself throws', async () => {
    const lab = new FakeLab();
    lab.failOn = 'alerts install';
    const e = miniExperiment({ alertOverrides: [{ alert: 'X', expr: 'up', for: '5s' }] });
    await expect(
      runExperiment(e, { lab, prometheus: new FakePrometheus(), load: passingLoad(), ...fast }),
    ).rejects.toThrow('fake failure');
    expect(lab.calls).toEqual(['alerts install', 'alerts remove']);
  });

  /** A ledger-only experiment whose counters go from 100 accepted and 100 completed to these during the load. */
  async function ledgerAfter(gateway: Record<string, number>, dataService: Record<string, number>) {
    const lab = new FakeLab();
    lab.metrics.gateway = { jeeves_messages_accepted_total: 100 };
    lab.metrics['data-service'] = { jeeves_messages_completed_total: 100 };
    const e = miniExperiment({ steadyState: [], deviation: [], measurements: [], ledger: { drainSeconds: 0.3 } });
    const load = passingLoad();
    return runExperiment(e, {
      lab,
      prometheus: new FakePrometheus(),
      load: (r, s, l) => {
        lab.metrics.gateway = gateway;
        lab.metrics['data-service'] = dataService;
        return load(r, s, l);
      },
      ...fast,
    });
  }

  it('counts the ledger from the gateway and data-service counters', async () => {
    const record = await ledgerAfter({ jeeves_messages_accepted_total: 110 }, { jeeves_messages_completed_total: 109 });
    expect(record.ledger).toMatchObject({
      acceptedByGateway: 10,
      completedByDataService: 9,
      lost: 1,
      extraCompletions: 0,
      ok: false,
    });
    expect(record.verdict.passed).toBe(false);
  });

  it('reports the records appended to the messages, replies and dead-letter topics beside a loss: where it stopped', async () => {
    const lab = new FakeLab();
    lab.metrics.gateway = { jeeves_messages_accepted_total: 100 };
    lab.metrics['data-service'] = { jeeves_messages_completed_total: 100 };
    lab.clusterCounts.set('records/messages', 100);
    lab.clusterCounts.set('records/replies', 100);
    lab.clusterCounts.set('records/dlq', 0);
    const e = miniExperiment({ steadyState: [], deviation: [], measurements: [], ledger: { drainSeconds: 0.3 } });
    const logged: string[] = [];
    const record = await runExperiment(e, {
      lab,
      prometheus: new FakePrometheus(),
      load: (r, s, l) => {
        // 10 accepted and on the topic, 9 replies and no dead letter: one stopped before its reply.
        lab.metrics.gateway = { jeeves_messages_accepted_total: 110 };
        lab.metrics['data-service'] = { jeeves_messages_completed_total: 109 };
        lab.clusterCounts.set('records/messages', 110);
        lab.clusterCounts.set('records/replies', 109);
        return passingLoad()(r, s, l);
      },
      ...fast,
      log: (line) => logged.push(line),
    });
    expect(record.ledger).toMatchObject({ lost: 1, recordsAppended: { messages: 10, replies: 9, dlq: 0 } });
    expect(logged.join('\n')).toContain(
      'lost 1, completed without an acceptance 0; records appended: messages 10, replies 9, dlq 0',
    );
  });

  it("counts a message answered 503 and published later as the gateway's, not as an extra completion", async () => {
    const record = await ledgerAfter(
      { jeeves_messages_accepted_total: 108, jeeves_messages_published_late_total: 2 },
      { jeeves_messages_completed_total: 110 },
    );
    expect(record.ledger).toMatchObject({
      acceptedByGateway: 10,
      completedByDataService: 10,
      lost: 0,
      extraCompletions: 0,
    });
  });

  describe('a format rollout in miniature', () => {
    const PROTOBUF = { JEEVES_PAYLOAD_FORMAT: 'protobuf' };
    const rollout = (ledger: Record<string, unknown>): ReturnType<typeof parseExperiment> =>
      miniExperiment({
        steadyState: [],
        deviation: [],
        measurements: [
          {
            name: 'deadLettered',
            increase: { cluster: { count: 'records', topic: 'dlq' } },
            from: 'start',
            to: 'end',
            expect: '== 0',
          },
        ],
        load: { rate: 1, durationSeconds: 1.2, rampSeconds: 0 },
        method: [
          { id: 'gateway', at: 0.2, restart: 'gateway', env: PROTOBUF },
          { id: 'bot', at: 0.4, restart: 'bot', env: PROTOBUF },
          { id: 'worker', at: 0.6, restart: 'worker', env: PROTOBUF },
        ],
        ledger,
      });

    it('restarts each app with its new settings in turn, and every one back with the lab’s after the load', async () => {
      const lab = new FakeLab();
      lab.clusterCounts.set('records/messages', 0);
      lab.clusterCounts.set('records/dlq', 3);
      lab.metrics['data-service'] = { jeeves_messages_completed_total: 0 };
      const record = await runExperiment(rollout({ drainSeconds: 0.3, accepted: 'messages-topic' }), {
        lab,
        prometheus: new FakePrometheus(() => 0),
        load: passingLoad(),
        ...fast,
      });
      expect(lab.calls).toEqual([
        'env gateway {"JEEVES_PAYLOAD_FORMAT":"protobuf"}',
        'env bot {"JEEVES_PAYLOAD_FORMAT":"protobuf"}',
        'env worker {"JEEVES_PAYLOAD_FORMAT":"protobuf"}',
        'env worker lab',
        'env bot lab',
        'env gateway lab',
      ]);
      expect(record.events.map((e) => e.label)).toEqual([
        'restart gateway with JEEVES_PAYLOAD_FORMAT=protobuf',
        'restart bot with JEEVES_PAYLOAD_FORMAT=protobuf',
        'restart worker with JEEVES_PAYLOAD_FORMAT=protobuf',
      ]);
      expect(record.measurements.find((m) => m.name === 'deadLettered')).toMatchObject({ value: 0, ok: true });
    });

    it('counts acceptances on the messages topic from the broker, so a restarted gateway loses nothing to the count', async () => {
      const lab = new FakeLab();
      lab.clusterCounts.set('records/messages', 500);
      lab.clusterCounts.set('records/dlq', 0);
      lab.metrics['data-service'] = { jeeves_messages_completed_total: 40 };
      // The gateway's own counter restarts with it and would miss what it counted after its last scrape.
      lab.metrics.gateway = { jeeves_messages_accepted_total: 1 };
      const record = await runExperiment(rollout({ drainSeconds: 0.3, accepted: 'messages-topic' }), {
        lab,
        prometheus: new FakePrometheus(() => 0),
        load: (r, s, l) => {
          lab.clusterCounts.set('records/messages', 512);
          lab.clusterCounts.set('records/dlq', 1);
          lab.metrics['data-service'] = { jeeves_messages_completed_total: 52 };
          return passingLoad()(r, s, l);
        },
        ...fast,
      });
      expect(record.ledger).toMatchObject({
        acceptedByGateway: 12,
        acceptedCountedFrom: 'messages-topic',
        completedByDataService: 12,
        lost: 0,
        ok: true,
      });
      // One record dead-lettered during the run: the measurement fails the verdict.
      expect(record.measurements.find((m) => m.name === 'deadLettered')).toMatchObject({ value: 1, ok: false });
      expect(record.verdict.passed).toBe(false);
    });

    it("refuses a gateway restart when the ledger counts the gateway's own counters", () => {
      expect(() => rollout({ drainSeconds: 1 })).toThrow(/accepted: messages-topic/);
    });
  });

  describe('a poison pill in miniature', () => {
    const KEY = 'bot/messages/load-user-0';
    const DLQ = 'jeeves_kafka_dead_letters_total{source_topic="jeeves.messages.v1",reason="invalid-json"}';
    const poison = (expectLag: string): ReturnType<typeof parseExperiment> =>
      parseExperiment({
        name: 'poison',
        description: 'a malformed record under one key',
        load: { rate: 1, durationSeconds: 1.4, rampSeconds: 0 },
        steadyState: [{ name: 'lag', lag: { group: 'bot', topic: 'messages', key: 'load-user-0' }, expect: '< 10' }],
        method: [{ id: 'bad', at: 0.3, produce: { topic: 'messages', key: 'load-user-0', value: 'not json' } }],
        recovery: { withinSeconds: 0.3 },
        measurements: [
          {
            name: 'deadLetterSeconds',
            from: 'bad.start',
            until: { watch: { app: 'bot', metric: DLQ, missingAsZero: true }, expect: 'increases' },
            expect: '<= 0.3',
          },
          {
            name: 'peakLag',
            peak: { lag: { group: 'bot', topic: 'messages', key: 'load-user-0' } },
            from: 'bad.start',
            to: 'end',
            expect: expectLag,
          },
          {
            name: 'crashes',
            increase: { watch: { app: 'bot', metric: 'jeeves_kafka_consumer_crashes_total' } },
            from: 'bad.start',
            to: 'end',
            expect: '== 0',
          },
        ],
      });

    it('produces the record, times its dead letter from a counter the app had not created, and passes', async () => {
      const lab = new FakeLab();
      lab.metrics.bot = { jeeves_kafka_consumer_crashes_total: 0 };
      lab.lags.set(KEY, 1);
      lab.onProduce = () => {
        lab.metrics.bot = { jeeves_kafka_consumer_crashes_total: 0, [DLQ]: 1 };
      };
      const record = await runExperiment(poison('< 5'), {
        lab,
        prometheus: new FakePrometheus(),
        load: passingLoad(),
        ...fast,
      });
      expect(lab.produced).toEqual([{ topic: 'messages', key: 'load-user-0', value: 'not json' }]);
      expect(record.events[0].label).toBe('produce "not json" onto messages with key load-user-0');
      expect(record.verdict).toEqual({ passed: true, failures: [], noData: [] });
      const values = Object.fromEntries(record.measurements.map((m) => [m.name, m.value]));
      expect(values.deadLetterSeconds).toBeLessThan(0.2);
      expect(values.peakLag).toBe(1);
      expect(values.crashes).toBe(0);
      // The lag is sampled with the watched series, and plotted under its own key.
      expect(record.watched['lag:bot:messages:key=load-user-0'].length).toBeGreaterThan(3);
    });

    it('fails, naming the lag, the crashes and the missing dead letter, when the partition blocks', async () => {
      const lab = new FakeLab();
      lab.metrics.bot = { jeeves_kafka_consumer_crashes_total: 0 };
      lab.lags.set(KEY, 0);
      let crashes = 0;
      const timer = setInterval(() => {
        if (lab.produced.length === 0) return;
        lab.lags.set(KEY, (lab.lags.get(KEY) ?? 0) + 1);
        lab.metrics.bot = { jeeves_kafka_consumer_crashes_total: ++crashes };
      }, 50);
      try {
        const record = await runExperiment(poison('< 5'), {
          lab,
          prometheus: new FakePrometheus(),
          load: passingLoad(),
          ...fast,
        });
        expect(record.verdict.passed).toBe(false);
        expect(record.verdict.failures).toEqual([
          'measurement deadLetterSeconds = no data, expected <= 0.3',
          expect.stringMatching(/^measurement peakLag = \d+, expected < 5$/),
          expect.stringMatching(/^measurement crashes = \d+, expected == 0$/),
        ]);
      } finally {
        clearInterval(timer);
      }
    });

    it('rolls nothing back for a produce step and fails the step when the broker refuses', async () => {
      const lab = new FakeLab();
      lab.failOn = 'produce';
      lab.lags.set(KEY, 0);
      const record = await runExperiment(poison('< 5'), {
        lab,
        prometheus: new FakePrometheus(),
        load: passingLoad(),
        ...fast,
      });
      expect(record.rollbacks).toEqual([]);
      expect(record.verdict.failures[0]).toMatch(
        /^step "produce "not json" onto messages with key load-user-0" failed/,
      );
    });
  });

  describe('a broker failover in miniature', () => {
    const ERRORS = 'jeeves_kafka_producer_errors_total{topic="jeeves.messages.v1"}';
    const failover = (extra: Record<string, unknown> = {}): ReturnType<typeof parseExperiment> =>
      parseExperiment({
        name: 'failover',
        description: 'the leader of messages dies and comes back',
        requires: { brokers: 3 },
        load: { rate: 1, durationSeconds: 1.6, rampSeconds: 0 },
        steadyState: [{ name: 'in sync', cluster: { count: 'under-replicated' }, expect: '== 0' }],
        method: [
          { id: 'leader', at: 0.2, kill: 'messages-leader' },
          { id: 'back', at: 0.8, restart: 'messages-leader' },
        ],
        deviation: [
          { name: 'under-replicated', cluster: { count: 'under-replicated' }, expect: '> 0', holds: 'sometimes' },
        ],
        recovery: { withinSeconds: 0.5 },
        measurements: [
          {
            name: 'election',
            from: 'leader.end',
            until: { cluster: { count: 'led-by-down-broker', topic: 'messages' }, expect: '== 0' },
            expect: '<= 0.5',
          },
          {
            name: 'clientRecovery',
            lastIncrease: { watch: { app: 'gateway', metric: ERRORS } },
            from: 'leader.start',
            to: 'back.start',
          },
          { name: 'peakUnder', peak: { cluster: { count: 'under-replicated' } }, from: 'leader.start', to: 'back.end' },
          {
            name: 'rejoin',
            from: 'back.end',
            until: { cluster: { count: 'under-replicated' }, expect: '== 0' },
          },
        ],
        ...extra,
      });

    /** A cluster where killing broker-2 leaves 4 partitions under-replicated and 2 of messages leaderless for 0.2 s. */
    function clusterLab(): FakeLab {
      const lab = new FakeLab();
      lab.leaders.set('messages', 'broker-2');
      lab.clusterCounts.set('under-replicated/all', 0);
      lab.clusterCounts.set('led-by-down-broker/messages', 0);
      lab.metrics.gateway = { [ERRORS]: 0 };
      const kill = lab.kill.bind(lab);
      lab.kill = async (id) => {
        await kill(id);
        lab.clusterCounts.set('under-replicated/all', 4);
        lab.clusterCounts.set('led-by-down-broker/messages', 2);
        lab.metrics.gateway = { [ERRORS]: 3 };
        setTimeout(() => {
          lab.clusterCounts.set('led-by-down-broker/messages', 0);
          lab.metrics.gateway = { [ERRORS]: 5 };
        }, 200);
      };
      const restart = lab.restart.bind(lab);
      lab.restart = async (id) => {
        await restart(id);
        setTimeout(() => lab.clusterCounts.set('under-replicated/all', 0), 100);
      };
      return lab;
    }

    it('kills the broker leading messages, restarts the same one, and times election, client recovery and ISR rejoin', async () => {
      const lab = clusterLab();
      const lines: string[] = [];
      const record = await runExperiment(failover(), {
        lab,
        prometheus: new FakePrometheus(() => 0),
        load: passingLoad(),
        ...fast,
        log: (line) => lines.push(line),
      });
      // Resolved once, when the kill ran: the restart acts on the same broker, and nothing is left to roll back.
      expect(lab.calls).toEqual(['leader messages', 'kill broker-2', 'restart broker-2']);
      expect(
        lines.some((l) => /messages-leader is broker-2 \(it leads the most partitions of messages\)/.test(l)),
      ).toBe(true);
      expect(record.verdict).toEqual({ passed: true, failures: [], noData: [] });
      const value = (name: string): number | undefined => record.measurements.find((m) => m.name === name)?.value;
      expect(value('election')).toBeGreaterThanOrEqual(0.15);
      expect(value('election')).toBeLessThan(0.45);
      // The last rise of the error counter (3 → 5) came about 0.2 s after the kill.
      expect(value('clientRecovery')).toBeGreaterThanOrEqual(0.15);
      expect(value('clientRecovery')).toBeLessThan(0.45);
      expect(value('peakUnder')).toBe(4);
      expect(value('rejoin')).toBeGreaterThanOrEqual(0.05);
      expect(value('rejoin')).toBeLessThan(0.4);
      expect(Object.keys(record.watched)).toEqual(
        expect.arrayContaining(['cluster:under-replicated:all', 'cluster:led-by-down-broker:messages']),
      );
    });

    it('restarts the killed broker in rollback when the run fails before its restart step', async () => {
      const lab = clusterLab();
      lab.failOn = 'restart broker-2';
      await runExperiment(failover(), { lab, prometheus: new FakePrometheus(() => 0), load: passingLoad(), ...fast });
      // The step's restart failed, so the broker still counts as down: the rollback tries again.
      expect(lab.calls).toEqual(['leader messages', 'kill broker-2', 'restart broker-2', 'restart broker-2']);
    });

    it("sets a variant's topic settings before the run and restores them; a ledger counter's settings come back after the drain", async () => {
      const lab = clusterLab();
      lab.metrics['data-service'] = { jeeves_messages_completed_total: 0 };
      const order: string[] = [];
      const scrape = lab.scrape.bind(lab);
      lab.scrape = async (app) => {
        // The drain's reads: after the method's rollbacks (bot's settings back), before or after the gateway's.
        if (app === 'data-service' && lab.calls.includes('env bot lab'))
          order.push(lab.calls.includes('env gateway lab') ? 'read after' : 'read before');
        return scrape(app);
      };
      const e = failover({
        ledger: { drainSeconds: 0.2 },
        env: { gateway: { KAFKA_PRODUCER_ACKS: '1' }, bot: { KAFKA_PRODUCER_ACKS: '1' } },
        topicConfig: { 'min.insync.replicas': '1' },
      });
      await runExperiment(e, { lab, prometheus: new FakePrometheus(() => 0), load: passingLoad(), ...fast });
      const setup = lab.calls.slice(0, 3);
      expect(setup).toEqual([
        'topics {"min.insync.replicas":"1"}',
        'env gateway {"KAFKA_PRODUCER_ACKS":"1"}',
        'env bot {"KAFKA_PRODUCER_ACKS":"1"}',
      ]);
      const after = lab.calls.slice(lab.calls.indexOf('restart broker-2') + 1);
      expect(after).toEqual(['env bot lab', 'topics restore', 'env gateway lab']);
      // The gateway (a ledger counter) got its settings back only once the ledger had drained.
      expect(order).toContain('read before');
      expect(order.indexOf('read after')).not.toBe(0);
    });
  });
});
