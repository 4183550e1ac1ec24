import { loadLabConfig, restart, scale } from '../../tools/lab';
import { RealLabActions } from './lab-actions';

// The lab's own verbs, faked: what is asserted is the config each restart and scale is given.
jest.mock('../../tools/lab/lab', () => ({
  ...jest.requireActual('../../tools/lab/lab'),
  readLabDescription: () => ({ apps: { 'token-dealer': { url: 'http://127.0.0.1:9' } } }),
  restart: jest.fn(async () => undefined),
  scale: jest.fn(async () => undefined),
}));
jest.mock('../../tools/lab/instances', () => ({
  ...jest.requireActual('../../tools/lab/instances'),
  runningInstances: () => [],
}));

describe('RealLabActions.restartWithEnv', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
    jest.mocked(restart).mockClear();
    jest.mocked(scale).mockClear();
  });

  it("keeps the gateway's read mode while another app is restarted with its own settings, until the gateway's rollback", async () => {
    const config = loadLabConfig({ LAB_STATE_DIR: '/tmp/no-lab-here' });
    const lab = new RealLabActions(
      config,
      () => undefined,
      async () => undefined,
    );
    // A run's settings for two apps, in the order the runner applies them: the gateway's first.
    await lab.restartWithEnv('gateway', { GATEWAY_READS: 'kafka' });
    await lab.restartWithEnv('worker', { WORKER_CONCURRENCY: '1' });
    // The method then restarts and scales the gateway: in the run's read mode, not the lab's.
    await lab.restart('gateway');
    await lab.scale('gateway', 2);
    // Rollbacks, reversed: the worker back first (the gateway still in the run's mode), then the gateway.
    await lab.restartWithEnv('worker', undefined);
    await lab.restart('gateway');
    await lab.restartWithEnv('gateway', undefined);
    const gateway = [
      ...jest.mocked(restart).mock.calls.filter(([, id]) => id === 'gateway'),
      ...jest.mocked(scale).mock.calls.filter(([, app]) => app === 'gateway'),
    ].map(([c]) => c.gatewayReads);
    // Setup, the method's restart, the second restart after the worker's rollback, the gateway's rollback; the scale.
    expect(gateway).toEqual(['kafka', 'kafka', 'kafka', 'http', 'kafka']);
  });
});
