import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import {
  appPort,
  REPO_ROOT,
  type LabConfig,
  liveProcess,
  removePidFile,
  spawnDetached,
  stopProcess,
  writePidFile,
  waitFor,
} from '../lab';
import { DEFAULT_TOXIPROXY_URL, HttpToxiproxy, type ProxySpec } from '../common';

export const TOXIPROXY_PORT = 8474;

/**
 * The links the lab can degrade. Each proxy sits on its own port; an app goes through it only when
 * started with the proxy's address (see docs/resilience.md, "Network faults"):
 *  - `provider`: worker → provider, listening 20000 above the provider's port;
 *  - `kafka`: apps → broker, listening 10000 above the broker port and forwarding to the broker's
 *    PROXIED listener, which advertises the proxy's address, so that after the bootstrap every
 *    connection of a client that came in through the proxy also goes through it.
 */
export function labLinks(config: LabConfig): ProxySpec[] {
  const provider = appPort('provider', 1, config.portOffset);
  return [
    { name: 'provider', listen: `127.0.0.1:${provider + 20_000}`, upstream: `127.0.0.1:${provider}` },
    { name: 'kafka', listen: `127.0.0.1:${config.kafkaPort + 10_000}`, upstream: `127.0.0.1:${config.kafkaPort + 2}` },
  ];
}

/** Environment that points apps at the proxies (pass to `lab up` / `lab restart <app>`). */
export function proxiedEnv(config: LabConfig): Record<string, string> {
  const [provider, kafka] = labLinks(config);
  return { LAB_PROVIDER_URL: `http://${provider!.listen}`, LAB_APP_KAFKA_BROKERS: kafka!.listen };
}

/** Finds toxiproxy-server (PATH or the lab cache), installing it with `go install` when missing. */
export function ensureToxiproxyInstalled(config: LabConfig, log: (line: string) => void): string {
  log('toxiproxy: checking install');
  const dir = execFileSync('sh', [join(REPO_ROOT, 'tools', 'toxiproxy', 'install.sh')], {
    env: { ...process.env, LAB_CACHE_DIR: config.cacheDir },
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  }).trim();
  return join(dir, 'toxiproxy-server');
}

function pidFile(config: LabConfig): string {
  return join(config.stateDir, 'pids', 'toxiproxy.pid');
}

/** Starts toxiproxy-server on 127.0.0.1:8474 (unless running) and creates the lab's proxies. */
export async function startToxiproxy(config: LabConfig, log: (line: string) => void): Promise<HttpToxiproxy> {
  const client = new HttpToxiproxy(DEFAULT_TOXIPROXY_URL);
  const answering = await client.version().then(
    () => true,
    () => false,
  );
  if (!answering) {
    const server = ensureToxiproxyInstalled(config, log);
    const pid = spawnDetached({
      command: server,
      args: ['-host', '127.0.0.1', '-port', String(TOXIPROXY_PORT)],
      cwd: config.stateDir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      logFile: join(config.stateDir, 'logs', 'toxiproxy.log'),
    });
    writePidFile(pidFile(config), {
      pid,
      marker: 'toxiproxy-server',
      startedAt: new Date().toISOString(),
      port: TOXIPROXY_PORT,
    });
    await waitFor(() => client.version(), {
      timeoutMs: 15_000,
      intervalMs: 200,
      what: 'toxiproxy-server to answer on :8474',
    });
    log(`toxiproxy: started (pid ${pid})`);
  }
  for (const link of labLinks(config)) {
    await client.ensureProxy(link);
    log(`toxiproxy: ${link.name} ${link.listen} → ${link.upstream}`);
  }
  return client;
}

export async function stopToxiproxy(config: LabConfig, log: (line: string) => void): Promise<void> {
  const running = liveProcess(pidFile(config));
  if (!running) {
    log('toxiproxy: not running (or not started by this lab)');
    return;
  }
  await stopProcess(running.pid, 5000);
  removePidFile(pidFile(config));
  log('toxiproxy: stopped');
}
