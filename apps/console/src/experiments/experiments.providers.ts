import type { Provider } from '@nestjs/common';
import { join, resolve } from 'node:path';
import type { ServiceContext } from '#libs/platform';
import type { ConsoleConfig } from '../console.config';
import { redactTokens } from '../upstream/lab-services';
import { ExperimentCatalogue } from './experiment-catalogue';
import { ExperimentReports } from './experiment-reports';
import { ExperimentRuns } from './experiment-runs';
import { SHUTDOWN_WAIT } from './experiments.controller';
import { labCliEnv, ProcessLabCli, repositoryRoot, type LabCli } from './lab-cli';

/** `lab experiments --json` is re-read after this long (a definition edited meanwhile shows up). */
const CATALOGUE_MAX_AGE_MS = 15_000;

/**
 * The Experiments page's parts, from the console's config: the lab CLI (this checkout's, on the
 * lab named by CONSOLE_LAB_STATE_DIR), the catalogue it describes, the one-at-a-time runs and the
 * reports under CONSOLE_RESULTS_ROOT/results.
 */
export function experimentProviders(context: ServiceContext<ConsoleConfig>): Provider[] {
  const config = context.config;
  const repo = repositoryRoot();
  const resultsRoot = resolve(repo, config.CONSOLE_RESULTS_ROOT || '.');
  const labCli: LabCli = new ProcessLabCli({
    cliPath: resolve(repo, config.CONSOLE_LAB_CLI || join('dist', 'tools', 'lab', 'main.js')),
    cwd: repo,
    resultsRoot,
    env: labCliEnv(process.env, config.CONSOLE_LAB_STATE_DIR || undefined),
    describeTimeoutMs: 30_000,
  });
  // The CLI's lines reach the page: no token, and neither of the console's client secrets, in any.
  const secrets = [config.CONSOLE_ADMIN_CLIENT_SECRET, config.CONSOLE_DEMO_CLIENT_SECRET].filter((s) => s.length >= 4);
  const redact = (line: string): string =>
    secrets.reduce((text, secret) => text.split(secret).join('[secret]'), redactTokens(line));
  return [
    { provide: ExperimentCatalogue, useValue: new ExperimentCatalogue(labCli, CATALOGUE_MAX_AGE_MS) },
    {
      provide: ExperimentRuns,
      useValue: new ExperimentRuns(labCli, { cancelGraceMs: config.CONSOLE_EXPERIMENT_CANCEL_GRACE_MS, redact }),
    },
    { provide: ExperimentReports, useValue: new ExperimentReports(join(resultsRoot, 'results')) },
    // Within the app's own shutdown deadline, with time left to close.
    {
      provide: SHUTDOWN_WAIT,
      useValue: Math.max(0, Math.min(config.CONSOLE_EXPERIMENT_CANCEL_GRACE_MS, config.SHUTDOWN_TIMEOUT_MS - 2000)),
    },
  ];
}
