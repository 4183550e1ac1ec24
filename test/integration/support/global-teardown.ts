import { down, openLab } from '../../../tools/lab';
import { TEST_STATE_DIR } from './settings';

/**
 * Stops what global-setup started. The broker goes too when the test lab started it; a broker that
 * was already running (another lab's, or KAFKA_BROKERS) has no pid file in .lab/test and is left.
 * `LAB_TEST_KEEP=1` leaves the test lab up to poke at after a failure.
 */
export default async function globalTeardown(): Promise<void> {
  const log = (line: string): void => void process.stderr.write(`[test lab] ${line}\n`);
  if (process.env.LAB_TEST_KEEP === '1') {
    log(`LAB_TEST_KEEP=1: leaving the test lab up; stop it with LAB_STATE_DIR=${TEST_STATE_DIR} npm run lab -- down`);
    return;
  }
  await down(openLab(process.env, { stateDir: TEST_STATE_DIR }), log);
}
