import type { AppName } from '../../../tools/lab';
import type { Experiment } from '../definition';
import type { LabActions } from '../lab-actions';
import { ledgerSourcesOf } from './instruments';
import type { Rollbacks } from './rollbacks';

/**
 * Setup: sets the run's topic settings, restarts each app named in `env` with the run's settings
 * and swaps in the alert overrides, registering what undoes each before doing it (an app the
 * ledger counts from gets its own settings back after the ledger drained). Runs before the steady
 * state is judged, so it is judged on the system as the experiment runs it. Throws what the lab throws.
 */
export async function applySettings(
  experiment: Experiment,
  lab: LabActions,
  rollbacks: Rollbacks,
  log: (line: string) => void,
): Promise<void> {
  const topicConfig = Object.entries(experiment.topicConfig);
  if (topicConfig.length > 0) {
    log(`setup: topic settings ${topicConfig.map(([k, v]) => `${k}=${v}`).join(' ')} on the contract topics`);
    rollbacks.push("restore the topics' settings", () => lab.restoreTopicConfig());
    await lab.setTopicConfig(experiment.topicConfig);
  }
  const counted = new Set<string>(experiment.ledger ? ledgerSourcesOf(experiment.ledger).countingApps : []);
  for (const [app, env] of Object.entries(experiment.env) as Array<[AppName, Record<string, string>]>) {
    log(
      `setup: restarting ${app} with ${Object.entries(env)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
    );
    rollbacks.push(`restart ${app} with the lab's settings`, () => lab.restartWithEnv(app, undefined), {
      afterLedger: counted.has(app),
    });
    await lab.restartWithEnv(app, env);
  }
  if (experiment.alertOverrides.length > 0) {
    log(`setup: alert overrides ${experiment.alertOverrides.map((o) => `${o.alert} (for: ${o.for})`).join(', ')}`);
    rollbacks.push('remove alert overrides', () => lab.removeAlertOverrides());
    await lab.installAlertOverrides(experiment.name, experiment.alertOverrides);
  }
}
