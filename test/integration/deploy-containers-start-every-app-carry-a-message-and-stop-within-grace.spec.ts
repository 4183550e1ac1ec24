import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { SERVICE_NAMES, type ServiceName } from '#libs/contracts';
import { TokenSource } from '../../tools/common';
import { deployTools, kustomizeBuild, Manifests, UNKNOWN } from '../../tools/deploy/manifests';
import { REPO_ROOT } from '../../tools/lab';
import { CLIENTS, lab, waitFor } from './support/lab';

/**
 * The container spec of deploy/overlays/local, run as processes of this checkout (the image's
 * layout: dist/ and package.json in its WORKDIR): each app's process as Kubernetes composes it from
 * the manifests' command/args and the Dockerfile's ENTRYPOINT/CMD, with the ConfigMap's and the
 * Secret's values. Only what a cluster would provide is
 * put in by hand: the pod's fields (JEEVES_APP, INSTANCE_ID), Service names (→ 127.0.0.1 and the
 * app's port: this machine only listens on loopback), the broker (the test lab's) and a topic prefix
 * of its own. Every app becomes ready on its readiness probe's path, a message goes through all of
 * them, and SIGTERM stops each within the grace period less the preStop pause, exiting 0.
 */
const tools = deployTools();
const manifests = new Manifests('local', kustomizeBuild(tools, 'local'));
const workDir = mkdtempSync(join(tmpdir(), 'jeeves-deploy-'));
const prefix = `k8s${Date.now().toString(36)}`;

interface Pod {
  readonly app: ServiceName;
  readonly port: number;
  readonly log: string;
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1' }, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error())));
    });
  });
}

function podEnv(app: ServiceName, ports: Record<ServiceName, number>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  for (const [name, value] of manifests.env(app)) if (value !== UNKNOWN) env[name] = value;
  env.JEEVES_APP = manifests.deployment(app).spec.template.metadata.labels['app.kubernetes.io/name'];
  env.INSTANCE_ID = `${app}-k8s`;
  env.HOST = '127.0.0.1';
  env.PORT = String(ports[app]);
  env.KAFKA_BROKERS = lab().brokers;
  env.JEEVES_TOPIC_PREFIX = prefix;
  env.DATA_DIR = join(workDir, 'data');
  for (const [name, value] of Object.entries(env)) {
    const service = value && /^http:\/\/([a-z-]+)$/.exec(value)?.[1];
    if (service && (SERVICE_NAMES as readonly string[]).includes(service))
      env[name] = `http://127.0.0.1:${ports[service as ServiceName]}`;
  }
  return env;
}

/** The image's ENTRYPOINT and CMD (exec form) and WORKDIR: the last of each in the Dockerfile. */
function imageProcess(): { entrypoint: string[]; cmd: string[]; workdir: string } {
  const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
  const last = (pattern: RegExp): string => {
    const found = [...dockerfile.matchAll(pattern)].at(-1)?.[1];
    if (found === undefined) throw new Error(`Dockerfile: no ${String(pattern)}`);
    return found;
  };
  return {
    entrypoint: JSON.parse(last(/^ENTRYPOINT\s+(\[.*\])\s*$/gm)) as string[],
    cmd: JSON.parse(last(/^CMD\s+(\[.*\])\s*$/gm)) as string[],
    workdir: last(/^WORKDIR\s+(\S+)\s*$/gm),
  };
}

function start(app: ServiceName, ports: Record<ServiceName, number>): Pod {
  const env = podEnv(app, ports);
  const container = manifests.container(app);
  const image = imageProcess();
  // Kubernetes: `command` replaces ENTRYPOINT (and drops CMD); `args` replaces CMD; $(VAR) from env.
  const argv = [...(container.command ?? image.entrypoint), ...(container.args ?? (container.command ? [] : image.cmd))]
    .map((part) => part.replace(/\$\(([A-Z0-9_]+)\)/g, (_, name: string) => env[name] ?? ''))
    .map((part) =>
      part.startsWith(`${image.workdir}/`) ? join(REPO_ROOT, part.slice(image.workdir.length + 1)) : part,
    );
  const log = join(workDir, `${app}.log`);
  const out = createWriteStream(log);
  // The image's node is Node 24, as is the one running this spec: first on PATH for the entrypoint.
  env.PATH = `${dirname(process.execPath)}:${env.PATH ?? ''}`;
  const child = spawn(argv[0], argv.slice(1), { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) =>
    child.once('exit', (code, signal) => resolveExit({ code, signal })),
  );
  return { app, port: ports[app], log, child, exited };
}

const tail = (pod: Pod) => readFileSync(pod.log, 'utf8').split('\n').slice(-20).join('\n');

let pods: Pod[] = [];

beforeAll(async () => {
  const ports = Object.fromEntries(
    await Promise.all(SERVICE_NAMES.map(async (app) => [app, await freePort()] as const)),
  ) as Record<ServiceName, number>;
  pods = SERVICE_NAMES.map((app) => start(app, ports));
  await Promise.all(
    pods.map((pod) =>
      waitFor(
        async () => {
          if (pod.child.exitCode !== null) throw new Error(`${pod.app} exited:\n${tail(pod)}`);
          const probe = manifests.container(pod.app).readinessProbe!.httpGet!.path;
          const answer = await fetch(`http://127.0.0.1:${pod.port}${probe}`, { signal: AbortSignal.timeout(2000) });
          return answer.status === 200;
        },
        { timeoutMs: 90_000, intervalMs: 250, what: `${pod.app} to answer its readiness probe` },
      ),
    ),
  );
}, 120_000);

afterAll(() => {
  for (const pod of pods) if (pod.child.exitCode === null) pod.child.kill('SIGKILL');
  rmSync(workDir, { recursive: true, force: true });
});

it('answers every liveness probe', async () => {
  for (const pod of pods) {
    const probe = manifests.container(pod.app).livenessProbe!.httpGet!.path;
    const answer = await fetch(`http://127.0.0.1:${pod.port}${probe}`, { signal: AbortSignal.timeout(5000) });
    expect({ app: pod.app, status: answer.status }).toEqual({ app: pod.app, status: 200 });
  }
});

it("carries a message from the gateway to a reply, with local's token-dealer clients", async () => {
  const url = (app: ServiceName) => `http://127.0.0.1:${pods.find((p) => p.app === app)!.port}`;
  const token = await new TokenSource(url('token-dealer'), { id: CLIENTS.demo.id, secret: CLIENTS.demo.secret }).get();
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const accepted = await fetch(`${url('gateway')}/v1/messages`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ user: 'k8s-spec', text: 'time in Tokyo' }),
    signal: AbortSignal.timeout(10_000),
  });
  expect(accepted.status).toBe(202);
  const { id } = (await accepted.json()) as { id: string };
  const replied = await waitFor(
    async () => {
      const answer = await fetch(`${url('gateway')}/v1/messages/${id}`, { headers, signal: AbortSignal.timeout(5000) });
      const view = answer.status === 200 ? ((await answer.json()) as { status: string }) : undefined;
      return view?.status === 'replied' ? view : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 250, what: `message ${id} to be replied` },
  );
  expect(replied.status).toBe('replied');
});

it('stops every app on SIGTERM within the grace period less the preStop pause, exit code 0', async () => {
  const results = await Promise.all(
    pods.map(async (pod) => {
      const spec = manifests.deployment(pod.app).spec.template.spec;
      const budgetMs =
        ((spec.terminationGracePeriodSeconds ?? 30) - (spec.containers[0].lifecycle?.preStop?.sleep?.seconds ?? 0)) *
        1000;
      const started = Date.now();
      pod.child.kill('SIGTERM');
      const { code } = await pod.exited;
      return { app: pod.app, code, withinGrace: Date.now() - started < budgetMs };
    }),
  );
  expect(results).toEqual(pods.map((pod) => ({ app: pod.app, code: 0, withinGrace: true })));
});
