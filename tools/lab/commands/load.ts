import { resolve } from 'node:path';
import type { ConfigOf } from '#libs/config';
import { type LabCommand, type ParsedArgs, stringFlag, UsageError } from '../command';
import { REPO_ROOT, labSetting, labSettings, openLab, readLabDescription, prometheusPaths, requireRunning } from '..';
import { parseDuration } from '../../common';
import {
  applyOverrides,
  type Overrides,
  loadScenario,
  scenarioNames,
  DEFAULT_CLIENTS,
  type JeevesTarget,
  LiveMetrics,
  setScrapeTarget,
  progressLine,
  EXIT_THRESHOLDS_FAILED,
  runScenario,
  buildSummary,
  resultDir,
  writeSummary,
} from '../../../load-tests/src';

/** The scenario and its overrides from the parsed arguments (`--rate 20` or `--rate=20`). */
export function readLoadArgs({ positional, flags }: ParsedArgs): {
  scenario: string;
  overrides: Overrides;
  resultsRoot?: string;
} {
  const values = new Map<string, string>();
  for (const [name, value] of flags) {
    if (value === true || value === '') throw new UsageError(`--${name} needs a value`);
    values.set(name, value);
  }
  if (positional.length !== 1) throw new UsageError(`Name one scenario: ${scenarioNames().join(', ')}.`);
  const number = (name: string): number | undefined => {
    const raw = values.get(name);
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number, got "${raw}"`);
    return n;
  };
  let durationSeconds: number | undefined;
  if (values.has('duration')) {
    try {
      durationSeconds = parseDuration(values.get('duration') as string).seconds;
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  const vus = number('vus');
  if (vus !== undefined && !Number.isInteger(vus)) throw new UsageError('--vus must be a whole number');
  const overrides: Overrides = { rate: number('rate'), durationSeconds, vus };
  return {
    scenario: positional[0],
    overrides,
    // --results is taken from the working directory, as a shell user means it; an absolute path stays.
    ...(values.has('results') ? { resultsRoot: resolve(values.get('results') as string) } : {}),
  };
}

/**
 * The verb's own variables (blank is unset): LOAD_METRICS_PORT, the port of the run's live /metrics
 * (0–65535, default 0: any free one); LOAD_RESULTS_ROOT, where results/ goes without --results
 * (default the repository); and each app's URL (http or https), used only when the lab's saved
 * description lacks it (default http://127.0.0.1:<app's port>).
 */
const loadVerbShape = {
  LOAD_METRICS_PORT: labSetting.int(0, 65535),
  LOAD_RESULTS_ROOT: labSetting.text(),
  GATEWAY_URL: labSetting.httpUrl(),
  TOKEN_DEALER_URL: labSetting.httpUrl(),
  DATA_SERVICE_URL: labSetting.httpUrl(),
  PROVIDER_URL: labSetting.httpUrl(),
  BOT_URL: labSetting.httpUrl(),
  WORKER_URL: labSetting.httpUrl(),
};
type AppUrlVariable = Exclude<keyof typeof loadVerbShape, 'LOAD_METRICS_PORT' | 'LOAD_RESULTS_ROOT'>;

/** The load verb's variables from `env`, validated. Throws LabConfigError naming each bad one. */
export function loadVerbSettings(env: NodeJS.ProcessEnv): ConfigOf<typeof loadVerbShape> {
  return labSettings(loadVerbShape, env);
}

export const command: LabCommand = {
  name: 'load',
  usage: '<scenario> [--rate N] [--duration 30s] [--vus N] [--results DIR]',
  summary:
    'run a load-test scenario (load-tests/scenarios) with the built-in open-model driver; exit 99 when a threshold fails',
  flags: {
    rate: stringFlag('N', "iterations/s: scales every stage's target rate to this peak"),
    duration: stringFlag('30s', "the run's length: stretches the stages to it"),
    vus: stringFlag('N', 'most iterations in flight at once (maxVUs)'),
    results: stringFlag('DIR', 'where the summary and report go (default results/)'),
  },
  async run(args, io) {
    const { scenario: name, overrides, resultsRoot } = readLoadArgs(args);
    const scenario = applyOverrides(loadScenario(name), overrides);
    const settings = loadVerbSettings(io.env);
    const config = openLab(io.env);
    // The driver's own targets, and every service the scenario puts a fault on.
    await requireRunning(config, ['gateway', 'token-dealer', ...scenario.faults.map((f) => f.service)]);
    const lab = readLabDescription(config.stateDir);
    const url = (
      app: 'gateway' | 'token-dealer' | 'data-service' | 'provider' | 'bot' | 'worker',
      envName: AppUrlVariable,
      port: number,
    ): string => lab?.apps[app]?.url ?? settings[envName] ?? `http://127.0.0.1:${port}`;
    const serviceUrls = {
      gateway: url('gateway', 'GATEWAY_URL', 3000),
      'token-dealer': url('token-dealer', 'TOKEN_DEALER_URL', 3001),
      'data-service': url('data-service', 'DATA_SERVICE_URL', 3002),
      provider: url('provider', 'PROVIDER_URL', 3003),
      bot: url('bot', 'BOT_URL', 3004),
      worker: url('worker', 'WORKER_URL', 3005),
    };
    const target: JeevesTarget = {
      gatewayUrl: serviceUrls.gateway,
      tokenDealerUrl: serviceUrls['token-dealer'],
      serviceUrls,
      ...DEFAULT_CLIENTS,
    };

    const testid = `${scenario.name}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    const live = new LiveMetrics({ scenario: scenario.name, testid });
    const metricsPort = await live.listen(settings.LOAD_METRICS_PORT ?? 0);
    const targetsFile = prometheusPaths(config).targets;
    const scraped = setScrapeTarget(targetsFile, metricsPort, true);
    io.log(`load ${scenario.name}: ${scenario.description}`);
    io.log(
      `  gateway ${target.gatewayUrl}; live metrics on http://127.0.0.1:${metricsPort}/metrics${scraped ? " (scraped by the lab's Prometheus)" : ''}`,
    );

    const interrupt = new AbortController();
    const onSigint = (): void => interrupt.abort();
    process.once('SIGINT', onSigint);
    const tty = process.stderr.isTTY === true;
    let second = 0;
    let result;
    try {
      result = await runScenario({
        scenario,
        target,
        signal: interrupt.signal,
        onSecond: (state) => {
          live.update(state);
          if (++second % 5 === 0 && scraped) setScrapeTarget(targetsFile, metricsPort, true);
          const line = progressLine(scenario.name, state);
          if (tty) process.stderr.write(`\r\x1b[K${line}`);
          else if (second % 5 === 0) io.log(line);
        },
      });
    } finally {
      if (tty) process.stderr.write('\n');
      process.removeListener('SIGINT', onSigint);
      if (scraped) setScrapeTarget(targetsFile, metricsPort, false);
      await live.close();
    }

    const summary = buildSummary(result);
    const dir = resultDir(resultsRoot ?? settings.LOAD_RESULTS_ROOT ?? REPO_ROOT, scenario.name);
    const files = writeSummary(dir, summary);
    const lines = [
      `${scenario.name}: ${result.passed ? 'PASSED' : 'FAILED'} in ${result.durationSeconds.toFixed(1)} s${result.aborted ? ` (stopped early: ${result.aborted})` : ''}`,
      ...result.thresholds.map(
        (t) =>
          `  ${t.ok ? '✓' : '✗'} ${t.metric}: ${t.threshold}  (${t.value === undefined ? 'no samples' : t.value.toFixed(3)})`,
      ),
      ...Object.entries(summary.checks).map(
        ([check, c]) => `  check "${check}": ${c.passes} passed, ${c.fails} failed`,
      ),
      ...summary.faults.map(
        (f) =>
          `  fault at ${f.atSeconds}s on ${f.service}: ${f.fault.type} → ${f.status}${f.error ? ` (${f.error})` : ''}`,
      ),
      `  summary: ${files.json}`,
      `  report:  ${files.html}`,
    ];
    io.out(lines.join('\n'));
    return result.passed ? 0 : EXIT_THRESHOLDS_FAILED;
  },
};
