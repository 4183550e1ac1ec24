import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoredSpan } from '../otlp-sink';
import { appsToSwap } from './consumers-ab';
import { writePerformanceSection } from './performance-doc';
import { spanBreakdown } from './spans-breakdown';
import { defineBench } from './support';
import { judgeStep, type Step, survivedRate, tokenGuessingMarkdown, type Variant } from './token-guessing';

const dir = (): string => mkdtempSync(join(tmpdir(), 'bench-spec-'));

describe('docs/performance.md writer', () => {
  it('replaces only its own section, keeps the others, and states how to reproduce', () => {
    const doc = join(dir(), 'performance.md');
    writePerformanceSection('capacity', 'first capacity', 'npm run bench -- capacity', doc);
    writePerformanceSection('overhead', 'overhead numbers', 'npm run bench -- overhead', doc);
    writePerformanceSection('capacity', 'second capacity', 'npm run bench -- capacity', doc);
    const text = readFileSync(doc, 'utf8');
    expect(text).toContain('# Performance of the lab on this machine');
    expect(text).not.toContain('first capacity');
    expect(text).toContain('second capacity');
    expect(text).toContain('overhead numbers');
    expect(text.match(/<!-- bench:capacity:start -->/g)).toHaveLength(1);
    expect(text).toContain('Reproduce: `npm run bench -- overhead`');
    expect(text).toMatch(/Machine: \d+ × .*load average/);
  });
});

describe('defineBench', () => {
  const lines: string[] = [];
  const log = (line: string): void => void lines.push(line);
  beforeEach(() => (lines.length = 0));

  const documented = defineBench({
    summary: 'a bench with a section',
    section: 'spec-only',
    options: { rate: { type: 'string', default: '8' }, fail: { type: 'boolean', default: false } },
    async run(values) {
      return values.fail
        ? 2
        : { markdown: `rate ${values.rate}`, reproduce: `npm run bench -- x --rate ${values.rate}` };
    },
  });

  it('parses its options into the run, and writes no section with --no-doc', async () => {
    const seen: string[] = [];
    const bench = defineBench({
      summary: 's',
      section: 'spec-only',
      options: { rate: { type: 'string', default: '8' } },
      async run(values) {
        seen.push(values.rate);
        return { markdown: 'm', reproduce: 'r' };
      },
    });
    await expect(bench.run(['--rate', '20', '--no-doc'], log)).resolves.toBe(0);
    await expect(bench.run(['--no-doc'], log)).resolves.toBe(0);
    expect(seen).toEqual(['20', '8']);
    expect(lines).toEqual([]);
  });

  it("passes the run's exit code through and writes nothing", async () => {
    await expect(documented.run(['--fail'], log)).resolves.toBe(2);
    expect(lines).toEqual([]);
  });

  it('refuses an unknown option, and --no-doc where the bench writes no section', async () => {
    await expect(documented.run(['--rps', '5'], log)).rejects.toThrow(/--rps/);
    const printsOnly = defineBench({ summary: 's', options: {}, run: async () => 0 });
    await expect(printsOnly.run(['--no-doc'], log)).rejects.toThrow(/--no-doc/);
    await expect(printsOnly.run([], log)).resolves.toBe(0);
  });
});

describe('spanBreakdown', () => {
  const span = (
    id: string,
    parent: string | null,
    service: string,
    name: string,
    startMs: number,
    endMs: number,
  ): StoredSpan => ({
    traceId: 't1',
    spanId: id,
    parentSpanId: parent,
    name,
    kind: 1,
    service,
    startTimeUnixNano: String(startMs * 1e6),
    endTimeUnixNano: String(endMs * 1e6),
    attributes: {},
    statusCode: 0,
    links: [],
  });

  it('sums self time per span, counts the gaps between hops and prints the slow trace without prefixes', () => {
    const file = join(dir(), 'spans.jsonl');
    const spans = [
      span('a', null, 'gateway', 'POST /v1/messages', 0, 10),
      span('b', 'a', 'gateway', 'send bench123g0.jeeves.messages.v1', 2, 6),
      span('c', 'b', 'bot', 'process bench123g0.jeeves.messages.v1', 20, 30),
      span('d', 'c', 'worker', 'process bench123g0.jeeves.actions.v1', 40, 90),
      span('e', 'd', 'data-service', 'process bench123g0.jeeves.replies.v1', 95, 100),
      span('f', 'a', 'gateway', 'onRequest hook', 0, 0.1),
    ];
    writeFileSync(file, spans.map((s) => JSON.stringify(s)).join('\n') + '\n');
    const text = spanBreakdown(file);
    expect(text).toMatch(/1 complete traces; trace duration p50 100 ms/);
    // The data-service span starts after the worker's ends: it is not the worker's waiting time.
    expect(text).toContain('| worker · process jeeves.actions.v1 | 1 | 50.0 | 50.0 % |');
    // The send span's consumer child runs later, so the send keeps its own 4 ms.
    expect(text).toContain('| gateway · send jeeves.messages.v1 | 1 | 4.0 | 4.0 % |');
    // 100 ms of trace, 5.9 + 4 + 10 + 50 + 5 + 0.1 ms in spans: the rest waited between hops.
    expect(text).toMatch(/\(gaps: .*\| 25\.0 \| 25\.0 % \|/);
    expect(text).toContain('bot · process jeeves.messages.v1  10.0 ms');
    const tree = text.slice(text.indexOf('The p99 trace'));
    expect(tree).toContain('worker · process jeeves.actions.v1  50.0 ms');
    expect(tree).not.toContain('onRequest hook');
    expect(text).not.toContain('bench123g0');
  });

  it('says so when no complete trace arrived', () => {
    const file = join(dir(), 'spans.jsonl');
    writeFileSync(file, JSON.stringify(span('a', null, 'gateway', 'POST', 0, 1)) + '\n');
    expect(spanBreakdown(file)).toMatch(/No complete traces among 1 spans/);
  });
});

describe('token-guessing verdicts', () => {
  const latency = (p99Ms: number) => ({ count: 40, p50Ms: 5, p90Ms: 8, p99Ms, maxMs: p99Ms });
  const step = (offered: number, ok: number, p99Ms: number, variant: Variant = 'limits on', round = 1): Step => ({
    variant,
    round,
    offered,
    answeredPerSecond: offered,
    guessStatuses: { '401': offered * 5, '429': offered * 5 },
    dropped: 0,
    good: { sent: 400, ok, latency: latency(p99Ms) },
    dealerCpuCores: 0.5,
  });

  it('holds good clients to ≥ 99.5 % ok and p99 < 500 ms', () => {
    expect(judgeStep(step(10, 400, 120))).toEqual({ ok: true, note: 'ok' });
    expect(judgeStep(step(10, 398, 120))).toEqual({ ok: true, note: 'ok' });
    expect(judgeStep(step(10, 397, 120))).toEqual({ ok: false, note: 'good 99.3 % ok' });
    expect(judgeStep(step(10, 400, 500))).toEqual({ ok: false, note: 'good p99 500 ms' });
  });

  it('survives up to the last rate before the first miss, 0 when the first step missed', () => {
    expect(survivedRate([step(10, 400, 50), step(20, 400, 80), step(40, 300, 900), step(80, 400, 50)])).toBe(20);
    expect(survivedRate([step(10, 10, 4000)])).toBe(0);
  });

  it('writes the survived rates per round with median and spread, and every step', () => {
    const steps = [
      step(10, 400, 50, 'limits off', 1),
      step(20, 100, 4000, 'limits off', 1),
      step(10, 400, 50, 'limits off', 2),
      step(20, 400, 50, 'limits off', 2),
      step(10, 400, 50, 'limits on', 1),
      step(20, 400, 50, 'limits on', 1),
      step(10, 400, 50, 'limits on', 2),
      step(20, 400, 50, 'limits on', 2),
    ];
    const settings = { durationSeconds: 10, goodRate: 4, sources: 16, secretCacheSeconds: 0, rounds: 2 };
    const text = tokenGuessingMarkdown(steps, settings);
    expect(text).toContain('| limits off | 10 / 20 | 15 | 10–20 |');
    expect(text).toContain('| limits on | 20 / 20 | 20 (the highest rate tried) | 20–20 |');
    expect(text).toContain(
      '| limits off | 1 | 20 | 20 | 401: 100, 429: 100 | 0 | 25.0 | 5.0 | 4000 | 0.50 | good 25.0 % ok, good p99 4000 ms |',
    );
  });
});

describe('consumers --apps', () => {
  it('takes the apps on the message path in the order given', () => {
    expect(appsToSwap('gateway,bot, worker,data-service,provider')).toEqual([
      'gateway',
      'bot',
      'worker',
      'data-service',
      'provider',
    ]);
  });

  it('refuses an unknown app, the token-dealer, an empty name and a repeat, naming what was wrong', () => {
    expect(() => appsToSwap('bot,gatway')).toThrow(/not gatway/);
    expect(() => appsToSwap('token-dealer')).toThrow(/not token-dealer/);
    expect(() => appsToSwap('bot,,worker')).toThrow(/expected names from gateway, bot/);
    expect(() => appsToSwap('bot,bot')).toThrow(/named twice/);
  });
});
