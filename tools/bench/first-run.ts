/**
 * `npm run bench -- first-run`: what a new user waits for. Each round clones this repository's HEAD
 * into a temporary directory and runs the README's first command, `npm run lab -- up`, there with
 * every cache empty (npm's, the lab's, Maven's local repository, Go's module and build caches), then
 * again with all of them warm; after the cold `up` it lets the lab idle and sums the resident memory
 * of every process the lab started (trace UI included), and does the same once more with
 * `--no-trace-ui` when `up` has that flag.
 *
 * Its own ports (LAB_PORT_OFFSET, KAFKA_PORT) so it never joins a lab or a broker already running;
 * every lab it starts it stops, and the clone and its caches are deleted at the end of the round.
 * The caches are the cold part: downloads come from the package registries the ordinary clients
 * (npm, mvn, go) are configured for.
 */
import { spawn } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { loadLabConfig, REPO_ROOT } from '../lab';
import { defineBench, table } from './support';
import { labRss, spread } from './trace-ui';

/** Ports of the bench's labs: far from the default lab (0), the test lab (100) and the CI check (300). */
const PORT_OFFSET = 500;
const KAFKA_PORT = 9592;

/** One line of `lab up`'s output and when it arrived, in seconds after the command started. */
export interface TimedLine {
  readonly atSeconds: number;
  readonly line: string;
}

/** One `npm run lab -- up`: wall time, and how much of it went to the bootstrap (npm ci + build). */
export interface UpTiming {
  readonly seconds: number;
  /** Until the first line that is not the bootstrap's: installing dependencies and compiling. */
  readonly bootstrapSeconds: number;
  readonly lines: readonly TimedLine[];
}

export interface Round {
  readonly round: number;
  readonly cold: UpTiming;
  readonly warm: UpTiming;
  /** Sum of VmRSS over the lab's processes after idling, with the trace UI and (if measured) without. */
  readonly idleRssMiB: { readonly withTraceUi: number; readonly withoutTraceUi?: number };
  readonly processes: Readonly<Record<string, number>>;
  /** MiB on disk after the cold `up`: node_modules, the lab's cache, Maven's and Go's caches. */
  readonly diskMiB: Readonly<Record<string, number>>;
}

/** Bytes of the regular files under `path` (symlinks not followed); 0 when it does not exist. */
export function dirBytes(path: string): number {
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.isFile() ? stat.size : 0;
  return readdirSync(path).reduce((total, entry) => total + dirBytes(join(path, entry)), 0);
}

/** Seconds until the first output line that is not the bootstrap's (`bootstrap: …` or npm's own). */
export function bootstrapSeconds(lines: readonly TimedLine[], totalSeconds: number): number {
  const first = lines.find(
    (l) => l.line.trim() !== '' && !/^(bootstrap:|npm (warn|notice)|added \d+ packages|>)/.test(l.line.trim()),
  );
  return first ? first.atSeconds : totalSeconds;
}

/** Runs a command in `cwd`, timing it and every line it prints; throws (with the tail) when it fails. */
async function timed(
  command: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): Promise<UpTiming> {
  const started = Date.now();
  const lines: TimedLine[] = [];
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let partial = { out: '', err: '' };
  const relay = (stream: 'out' | 'err') => (chunk: Buffer) => {
    const text = partial[stream] + chunk.toString('utf8');
    const parts = text.split('\n');
    partial = { ...partial, [stream]: parts.pop() ?? '' };
    for (const line of parts) {
      const atSeconds = (Date.now() - started) / 1000;
      lines.push({ atSeconds, line });
      log(`  ${atSeconds.toFixed(0).padStart(4)} s | ${line}`);
    }
  };
  child.stdout.on('data', relay('out'));
  child.stderr.on('data', relay('err'));
  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c) => resolve(c ?? 1));
  });
  const seconds = (Date.now() - started) / 1000;
  if (code !== 0)
    throw new Error(
      `${command} ${args.join(' ')} exited ${code} after ${seconds.toFixed(0)} s:\n${lines
        .slice(-15)
        .map((l) => l.line)
        .join('\n')}`,
    );
  return { seconds, bootstrapSeconds: bootstrapSeconds(lines, seconds), lines };
}

function rssMiB(stateDir: string): { total: number; each: Record<string, number> } {
  const each = Object.fromEntries(
    [...labRss(loadLabConfig({ LAB_STATE_DIR: stateDir })).entries()].map(([name, bytes]) => [name, bytes / 2 ** 20]),
  );
  return { total: Object.values(each).reduce((a, b) => a + b, 0), each };
}

const spreadOf = (xs: readonly number[], digits = 0): string => spread(xs, (n) => n.toFixed(digits));

export const bench = defineBench({
  summary: "the README's first command on a fresh clone: cold (no cache) and warm, and the idle lab's memory",
  section: 'first-run',
  options: {
    rounds: { type: 'string', default: '3' },
    'idle-seconds': { type: 'string', default: '60' },
  },
  async run(values, log) {
    const rounds = Number(values.rounds);
    const idleSeconds = Number(values['idle-seconds']);
    if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds needs a whole number ≥ 1');
    if (!(idleSeconds >= 0)) throw new Error('--idle-seconds needs a number ≥ 0');

    const results: Round[] = [];
    for (let round = 1; round <= rounds; round++) {
      const root = mkdtempSync(join(tmpdir(), 'jeeves-first-run-'));
      const clone = join(root, 'jeeves-lab');
      const caches = {
        npm_config_cache: join(root, 'npm-cache'),
        LAB_CACHE_DIR: join(root, 'lab-cache'),
        GOMODCACHE: join(root, 'go-mod'),
        GOCACHE: join(root, 'go-build'),
        MAVEN_OPTS: `-Dmaven.repo.local=${join(root, 'm2')}`,
      };
      for (const dir of Object.values(caches).filter((v) => v.startsWith('/'))) mkdirSync(dir, { recursive: true });
      // The lab's own defaults: no external broker, collector or fixed Prometheus port of this shell's.
      const inherited = { ...process.env };
      for (const key of [
        'KAFKA_BROKERS',
        'PROMETHEUS_PORT',
        'OTEL_EXPORTER_OTLP_ENDPOINT',
        'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
      ])
        delete inherited[key];
      const env: NodeJS.ProcessEnv = {
        ...inherited,
        ...caches,
        // The clone must find its own Node 24 and tools, not this checkout's.
        PATH: (process.env.PATH ?? '')
          .split(':')
          .filter((p) => !p.startsWith(REPO_ROOT))
          .join(':'),
        LAB_STATE_DIR: join(clone, '.lab', 'default'),
        LAB_PORT_OFFSET: String(PORT_OFFSET),
        KAFKA_PORT: String(KAFKA_PORT),
        KAFKA_CONTROLLER_PORT: String(KAFKA_PORT + 1),
      };
      const lab = (verb: string, ...rest: string[]): Promise<UpTiming> =>
        timed('npm', ['run', '-s', 'lab', '--', verb, ...rest], clone, env, log);
      try {
        log(`round ${round}/${rounds}: git clone ${REPO_ROOT} → ${clone}`);
        await timed('git', ['clone', '--quiet', REPO_ROOT, clone], root, env, log);
        log(`round ${round}: cold \`npm run lab -- up\` (npm, lab, Maven and Go caches empty)`);
        const cold = await lab('up');
        const diskMiB = Object.fromEntries(
          Object.entries({
            node_modules: join(clone, 'node_modules'),
            'lab cache': caches.LAB_CACHE_DIR,
            'Maven repository': join(root, 'm2'),
            'Go modules': caches.GOMODCACHE,
            'Go build cache': caches.GOCACHE,
            'npm cache': caches.npm_config_cache,
          }).map(([name, dir]) => [name, Math.round(dirBytes(dir) / 2 ** 20)]),
        );
        log(`round ${round}: cold up took ${cold.seconds.toFixed(0)} s; on disk (MiB): ${JSON.stringify(diskMiB)}`);
        log(`round ${round}: idling ${idleSeconds} s`);
        await delay(idleSeconds * 1000);
        const withUi = rssMiB(env.LAB_STATE_DIR!);
        log(
          `round ${round}: idle RSS ${withUi.total.toFixed(0)} MiB over ${Object.keys(withUi.each).length} processes`,
        );
        await lab('down');
        log(`round ${round}: warm \`npm run lab -- up\``);
        const warm = await lab('up');
        await lab('down');
        let withoutTraceUi: number | undefined;
        const help = await lab('up', '--help');
        if (help.lines.some((l) => l.line.includes('--no-trace-ui'))) {
          await lab('up', '--no-trace-ui');
          await delay(idleSeconds * 1000);
          withoutTraceUi = rssMiB(env.LAB_STATE_DIR!).total;
          log(`round ${round}: idle RSS without the trace UI ${withoutTraceUi.toFixed(0)} MiB`);
          await lab('down');
        }
        results.push({
          round,
          cold,
          warm,
          idleRssMiB: { withTraceUi: withUi.total, ...(withoutTraceUi !== undefined ? { withoutTraceUi } : {}) },
          processes: Object.fromEntries(Object.entries(withUi.each).map(([k, v]) => [k, Math.round(v)])),
          diskMiB,
        });
      } finally {
        await timed('npm', ['run', '-s', 'lab', '--', 'down'], clone, env, () => undefined).catch(() => undefined);
        rmSync(root, { recursive: true, force: true });
      }
    }

    const out = join(REPO_ROOT, '.lab', 'bench');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'first-run.json'), JSON.stringify(results, null, 2) + '\n');
    const rows = results.map((r) => [
      String(r.round),
      r.cold.seconds.toFixed(0),
      r.cold.bootstrapSeconds.toFixed(0),
      (r.cold.seconds - r.cold.bootstrapSeconds).toFixed(0),
      r.warm.seconds.toFixed(1),
      r.idleRssMiB.withTraceUi.toFixed(0),
      r.idleRssMiB.withoutTraceUi?.toFixed(0) ?? '-',
    ]);
    const header = [
      'round',
      'cold up (s)',
      'of which npm ci + build (s)',
      'of which the lab (s)',
      'warm up (s)',
      'idle RSS, trace UI on (MiB)',
      'idle RSS, --no-trace-ui (MiB)',
    ];
    const without = results.flatMap((r) =>
      r.idleRssMiB.withoutTraceUi === undefined ? [] : [r.idleRssMiB.withoutTraceUi],
    );
    const summary = [
      `cold up ${spreadOf(results.map((r) => r.cold.seconds))} s, warm up ${spreadOf(
        results.map((r) => r.warm.seconds),
        1,
      )} s, idle RSS ${spreadOf(results.map((r) => r.idleRssMiB.withTraceUi))} MiB with the trace UI${
        without.length > 0 ? `, ${spreadOf(without)} MiB without` : ''
      } (median, min–max over ${results.length} rounds)`,
    ];
    log(`\n${table(header, rows)}\n${summary[0]}`);
    const processes = results.at(-1)?.processes ?? {};
    const markdown = [
      `Each round cloned HEAD into a temporary directory and ran \`npm run lab -- up\` there with npm's cache, the lab's cache (LAB_CACHE_DIR), Maven's local repository and Go's module and build caches all empty ("cold": npm ci, the build, the Kafka and trace-UI jars, the Prometheus build), idled ${idleSeconds} s and summed the VmRSS of every process the lab started; then \`down\` and \`up\` again in the same clone ("warm": everything cached and built)${
        without.length > 0 ? ', and once more with `--no-trace-ui` for the idle memory without it' : ''
      }. Medians over ${results.length} rounds, min–max in brackets.`,
      '',
      `| ${header.join(' | ')} |`,
      `| ${header.map(() => '---').join(' | ')} |`,
      ...rows.map((r) => `| ${r.join(' | ')} |`),
      '',
      summary[0] + '.',
      '',
      `On disk after the cold \`up\` of the last round (MiB): ${Object.entries(results.at(-1)?.diskMiB ?? {})
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}.`,
      '',
      `Idle RSS by process in the last round (MiB): ${Object.entries(processes)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}.`,
    ].join('\n');
    return { markdown, reproduce: `npm run bench -- first-run --rounds ${rounds}` };
  },
});
