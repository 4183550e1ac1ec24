/**
 * `npm run bench -- trace-ui [--rounds 3] [--idle-seconds 60]`: what the Zipkin trace UI costs the
 * lab. Per round: Zipkin alone from spawn to its first 200 on /health (jar cached), then the whole
 * lab (`up`) beside it, idle, and the RSS of every process the lab started (its pid files); then
 * the same lab with `--no-trace-ui`. Run it on a lab of its own (LAB_STATE_DIR, LAB_PORT_OFFSET,
 * KAFKA_PORT, JEEVES_TOPIC_PREFIX): it brings that lab up and down.
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import {
  loadLabConfig,
  type LabConfig,
  down,
  up,
  readPidFile,
  launchTraceUi,
  runningZipkin,
  ZIPKIN,
  tracePaths,
} from '../lab';
import { readRssBytes } from './footprint';
import { fmtMiB } from './footprint-report';
import { defineBench } from './support';

/** Every pid file the lab keeps (apps, kafka, prometheus, zipkin, and the trace sink's), by part name. */
export function labPidFiles(config: LabConfig): Map<string, string> {
  const files = new Map<string, string>();
  const pids = join(config.stateDir, 'pids');
  if (existsSync(pids))
    for (const file of readdirSync(pids))
      if (file.endsWith('.pid')) files.set(basename(file, '.pid'), join(pids, file));
  const sink = tracePaths(config).pidFile;
  if (existsSync(sink)) files.set('otlp-sink', sink);
  return files;
}

/** RSS in bytes of each live process the lab started, by part name. */
export function labRss(config: LabConfig): Map<string, number> {
  const rss = new Map<string, number>();
  for (const [name, file] of labPidFiles(config)) {
    const record = readPidFile(file);
    if (!record) continue;
    try {
      rss.set(name, readRssBytes(record.pid));
    } catch {
      // gone since its pid file was written: nothing resident
    }
  }
  return rss;
}

function sum(values: Iterable<number>): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

/** Median and range of a list of numbers, as `median (min–max)` with `fmt` applied. */
export function spread(values: readonly number[], fmt: (n: number) => string): string {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const median = sorted.length % 2 ? sorted[Math.floor(mid)] : (sorted[mid - 1] + sorted[mid]) / 2;
  return `${fmt(median)} (${fmt(sorted[0])}–${fmt(sorted[sorted.length - 1])})`;
}

interface Round {
  readonly zipkinReadyMs: number;
  readonly zipkinRss: number;
  readonly labWith: number;
  readonly labWithout: number;
}

export const bench = defineBench({
  summary: "Zipkin's ready time and idle RSS, and the whole lab's idle RSS with and without it",
  options: { rounds: { type: 'string', default: '3' }, 'idle-seconds': { type: 'string', default: '60' } },
  async run(values, log) {
    const rounds = Number(values.rounds);
    const idleSeconds = Number(values['idle-seconds']);
    const config = loadLabConfig(process.env);
    const quiet = (): void => undefined;
    const results: Round[] = [];
    for (let round = 1; round <= rounds; round++) {
      await down(config, quiet);
      const startedAt = Date.now();
      const launched = await launchTraceUi(config, { log: quiet });
      const state = await launched.ready;
      if (!state.url) throw new Error(`Zipkin did not start: ${state.skipped}`);
      const zipkinReadyMs = Date.now() - startedAt;
      log(`round ${round}: zipkin ready after ${(zipkinReadyMs / 1000).toFixed(1)} s; lab up with it`);
      await up(config, { log: quiet });
      await delay(idleSeconds * 1000);
      const withRss = labRss(config);
      if (!runningZipkin(config)) throw new Error('Zipkin is not running after the idle period');
      log(`  idle ${idleSeconds} s: ${[...withRss].map(([n, b]) => `${n} ${fmtMiB(b)}`).join(', ')} MiB`);
      await down(config, quiet);
      await up(config, { log: quiet, noTraceUi: true });
      await delay(idleSeconds * 1000);
      const withoutRss = labRss(config);
      log(`  without: total ${fmtMiB(sum(withoutRss.values()))} MiB`);
      await down(config, quiet);
      results.push({
        zipkinReadyMs,
        zipkinRss: withRss.get(ZIPKIN) ?? NaN,
        labWith: sum(withRss.values()),
        labWithout: sum(withoutRss.values()),
      });
    }
    const mib = (b: number): string => `${fmtMiB(b)} MiB`;
    const lines = [
      `trace UI footprint: ${rounds} rounds, ${idleSeconds} s idle after up; median (min–max)`,
      `  zipkin ready after start (jar cached, lab down): ${spread(
        results.map((r) => r.zipkinReadyMs / 1000),
        (n) => `${n.toFixed(1)} s`,
      )}`,
      `  zipkin idle RSS: ${spread(
        results.map((r) => r.zipkinRss),
        mib,
      )}`,
      `  whole lab idle RSS with zipkin: ${spread(
        results.map((r) => r.labWith),
        mib,
      )}`,
      `  whole lab idle RSS without (--no-trace-ui): ${spread(
        results.map((r) => r.labWithout),
        mib,
      )}`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
    return 0;
  },
});
