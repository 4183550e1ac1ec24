import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkConfig } from '#libs/config';
import { consoleConfigShape } from '../../apps/console/src/console.config';
import { APP_NAMES } from './apps';
import { loadLabConfig } from './config';
import { consoleEnv, consolePaths } from './console';
import { describeInstance } from './instances';

describe('the lab console process', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'lab-console-'));

  it('listens on loopback at 3010 + the offset, whatever LAB_HOST says', () => {
    const config = loadLabConfig({ LAB_HOST: '0.0.0.0' }, { stateDir, portOffset: 100 });
    expect(consolePaths(config)).toMatchObject({ port: 3110, url: 'http://127.0.0.1:3110' });
    expect(consoleEnv(config, undefined)).toMatchObject({ PORT: '3110', HOST: '127.0.0.1', INSTANCE_ID: 'console' });
  });

  it("gets this lab's service URLs, trace UI, Prometheus and Toxiproxy, in a form its own config accepts", () => {
    const config = loadLabConfig({}, { stateDir, portOffset: 100, prometheusPort: 9190 });
    const env = consoleEnv(config, 'http://127.0.0.1:9511');
    const checked = checkConfig(
      {
        CONSOLE_SERVICE_URLS: consoleConfigShape.CONSOLE_SERVICE_URLS,
        CONSOLE_TRACE_UI_URL: consoleConfigShape.CONSOLE_TRACE_UI_URL,
        CONSOLE_PROMETHEUS_URL: consoleConfigShape.CONSOLE_PROMETHEUS_URL,
        CONSOLE_TOXIPROXY_URL: consoleConfigShape.CONSOLE_TOXIPROXY_URL,
      },
      env,
    );
    expect(checked.problems).toBeUndefined();
    for (const app of APP_NAMES)
      expect(checked.config?.CONSOLE_SERVICE_URLS[app]).toBe(describeInstance(config, app, 1).url);
    expect(checked.config?.CONSOLE_TRACE_UI_URL).toBe('http://127.0.0.1:9511');
    expect(checked.config?.CONSOLE_PROMETHEUS_URL).toBe('http://127.0.0.1:9190');
    expect(checked.config?.CONSOLE_TOXIPROXY_URL).toBe('http://127.0.0.1:8474');
  });

  it('names this lab and its results root for the Experiments page, and hands on what the lab CLI reads', () => {
    const config = loadLabConfig({}, { stateDir, portOffset: 100 });
    const saved = { ...process.env };
    Object.assign(process.env, {
      LAB_STATE_DIR: '/some/other/lab',
      LAB_TRACING: 'off',
      RATE_LIMIT_PER_SECOND: '2000',
      WORKER_CONCURRENCY: '4',
      EXPERIMENT_RESULTS_ROOT: '/tmp/runs',
    });
    try {
      const env = consoleEnv(config, undefined);
      expect(env).toMatchObject({
        CONSOLE_LAB_STATE_DIR: stateDir,
        CONSOLE_RESULTS_ROOT: '/tmp/runs',
        LAB_TRACING: 'off',
        RATE_LIMIT_PER_SECOND: '2000',
        WORKER_CONCURRENCY: '4',
      });
      // The console's child CLI gets the lab's state dir from CONSOLE_LAB_STATE_DIR, never the shell's.
      expect(env.LAB_STATE_DIR).toBeUndefined();
      const checked = checkConfig(
        {
          CONSOLE_LAB_STATE_DIR: consoleConfigShape.CONSOLE_LAB_STATE_DIR,
          CONSOLE_RESULTS_ROOT: consoleConfigShape.CONSOLE_RESULTS_ROOT,
        },
        env,
      );
      expect(checked.config).toEqual({ CONSOLE_LAB_STATE_DIR: stateDir, CONSOLE_RESULTS_ROOT: '/tmp/runs' });
    } finally {
      for (const key of [
        'LAB_STATE_DIR',
        'LAB_TRACING',
        'RATE_LIMIT_PER_SECOND',
        'WORKER_CONCURRENCY',
        'EXPERIMENT_RESULTS_ROOT',
      ])
        delete process.env[key];
      Object.assign(process.env, saved);
    }
  });

  it("passes the shell's CONSOLE_* and OTEL_* through, and nothing else of it", () => {
    const config = loadLabConfig({}, { stateDir, portOffset: 100 });
    const saved = { ...process.env };
    Object.assign(process.env, { CONSOLE_ALLOWED_HOSTS: 'lab.local:3110', OTEL_SERVICE_NAME: 'x', UNRELATED: 'no' });
    try {
      const env = consoleEnv(config, undefined);
      expect(env).toMatchObject({ CONSOLE_ALLOWED_HOSTS: 'lab.local:3110', OTEL_SERVICE_NAME: 'x' });
      expect(env.UNRELATED).toBeUndefined();
    } finally {
      for (const key of ['CONSOLE_ALLOWED_HOSTS', 'OTEL_SERVICE_NAME', 'UNRELATED']) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });
});
