import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { REPO_ROOT, waitFor } from '../../tools/lab';
import { dockerignored, envOf, execForm, loadDockerfile, loadDockerignore } from '../../tools/docker/dockerfile';
import { lab } from './support/lab';

/**
 * The image's runtime stage, without a Docker engine (none runs here): each stage of the Dockerfile
 * is played into a folder of its own (its COPYs, from the context as .dockerignore leaves it, and
 * its RUN's npm install of production dependencies), then the image's ENTRYPOINT starts data-service
 * (Kafka consumer, SQLite under DATA_DIR) with the image's ENV against the test lab's broker, and
 * the image's HEALTHCHECK command must pass. What this proves: dist/ and production-only
 * node_modules are enough to run, the entrypoint and health check work, DATA_DIR is where the data
 * goes. What it cannot: the base image, the non-root user, Docker's own handling of the file.
 */

const APP = 'data-service';
const instructions = loadDockerfile();
const ignore = loadDockerignore();
const work = mkdtempSync(join(tmpdir(), 'jeeves-image-stages-'));
const stageDir = (stage: string): string => join(work, stage);
const workdir = instructions.find((i) => i.keyword === 'WORKDIR')?.args ?? '/';
const node24 = dirname(process.execPath);

/** Copies from the build context, file by file, leaving out what .dockerignore leaves out. */
function copyFromContext(source: string, target: string): void {
  cpSync(join(REPO_ROOT, source), target, {
    recursive: true,
    filter: (path) => !dockerignored(ignore, posix.relative(REPO_ROOT, path) || '.'),
  });
}

/** Plays one stage's COPY instructions (other stages' paths are absolute under WORKDIR). */
function playCopies(stage: string): void {
  for (const copy of instructions.filter((i) => i.stage === stage && i.keyword === 'COPY')) {
    const words = copy.args.split(/\s+/);
    const from = /^--from=(\S+)$/.exec(words[0])?.[1];
    const [sources, dest] = [words.slice(from ? 1 : 0, -1), words.at(-1) ?? '.'];
    for (const source of sources) {
      const target = dest.endsWith('/')
        ? join(stageDir(stage), dest, posix.basename(source))
        : join(stageDir(stage), dest);
      mkdirSync(dirname(target), { recursive: true });
      if (from) cpSync(join(stageDir(from), posix.relative(workdir, source)), target, { recursive: true });
      else copyFromContext(source, target);
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

describe('the image runtime stage, played without Docker', () => {
  let app: ChildProcess | undefined;
  let output = '';

  afterAll(async () => {
    if (app && app.exitCode === null) {
      app.kill('SIGKILL');
      await new Promise((r) => app?.once('exit', r));
    }
    rmSync(work, { recursive: true, force: true });
  });

  it(`starts ${APP} from dist/ and production dependencies alone, healthy and ready, and stops on SIGTERM`, async () => {
    // deps: its COPYs, then its npm ci (not the cache clean after it: that cache is this machine's).
    playCopies('deps');
    const install = instructions.find((i) => i.stage === 'deps' && i.keyword === 'RUN')?.args ?? '';
    const npmCi = install.split('&&')[0].trim().split(/\s+/);
    expect(npmCi.slice(0, 3)).toEqual(['npm', 'ci', '--omit=dev']);
    const installed = spawnSync(npmCi[0], [...npmCi.slice(1), '--prefer-offline'], {
      cwd: stageDir('deps'),
      env: { ...process.env, PATH: `${node24}:${process.env.PATH ?? ''}` },
      encoding: 'utf8',
    });
    expect(installed.stderr).not.toMatch(/ERR!/);
    expect(installed.status).toBe(0);
    // No development dependency made it in.
    expect(existsSync(join(stageDir('deps'), 'node_modules', '@swc', 'core'))).toBe(false);
    expect(existsSync(join(stageDir('deps'), 'node_modules', 'jest'))).toBe(false);

    // build: its COPYs and its SWC command, with this checkout's node_modules standing in for the
    // stage's full `npm ci` (the same lock file; the install alone would add a minute).
    playCopies('build');
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(stageDir('build'), 'node_modules'));
    const swc = instructions.find((i) => i.stage === 'build' && i.keyword === 'RUN' && i.args.includes('swc '));
    const built = spawnSync('sh', ['-c', swc?.args ?? 'false'], {
      cwd: stageDir('build'),
      env: { ...process.env, PATH: `${node24}:${process.env.PATH ?? ''}` },
      encoding: 'utf8',
    });
    expect(built.stderr).toBe('');
    expect(built.status).toBe(0);
    expect(readdirSync(join(stageDir('build'), 'dist', 'apps')).sort()).toEqual(
      ['bot', 'data-service', 'gateway', 'provider', 'token-dealer', 'worker'].sort(),
    );

    // runtime: its COPYs, then the ENTRYPOINT with the app as the command and the image's ENV. HOST
    // and PORT are moved to loopback and a free port, DATA_DIR to a folder of this run, the brokers
    // and a topic prefix of its own are the test lab's (its consumer group then is its own too).
    playCopies('runtime');
    const root = stageDir('runtime');
    /** An absolute path under WORKDIR, in the folder standing in for it. */
    const inImage = (path: string): string =>
      path.startsWith(`${workdir}/`) ? join(root, posix.relative(workdir, path)) : path;
    const runtime = instructions.filter((i) => i.stage === 'runtime');
    const port = await freePort();
    const dataDir = join(work, 'data');
    mkdirSync(dataDir);
    const env: NodeJS.ProcessEnv = {
      ...envOf(runtime),
      PATH: `${node24}:/usr/bin:/bin`,
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: dataDir,
      KAFKA_BROKERS: lab().brokers,
      JEEVES_TOPIC_PREFIX: `${lab().topicPrefix}img`,
      LOG_LEVEL: 'warn',
    };
    // Every app's main loads, its imports all resolved from production dependencies, the tracing
    // SDK and instrumentations included (an OTLP endpoint turns them on; nothing is sent). A main
    // required rather than run does not start its service.
    for (const name of readdirSync(join(root, 'dist', 'apps'))) {
      const loaded = spawnSync(
        'node',
        ['--require', './dist/libs/observability/src/preload.js', '-e', `require('./dist/apps/${name}/src/main.js')`],
        { cwd: root, env: { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' }, encoding: 'utf8' },
      );
      expect({ name, status: loaded.status, stderr: loaded.stderr }).toEqual({ name, status: 0, stderr: '' });
    }

    const entrypoint = execForm(runtime.find((i) => i.keyword === 'ENTRYPOINT')?.args ?? '[]') ?? [];
    app = spawn(inImage(entrypoint[0]), [...entrypoint.slice(1), APP], { cwd: root, env });
    app.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    app.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));

    const healthcheck = runtime.find((i) => i.keyword === 'HEALTHCHECK')?.args ?? '';
    const check = execForm(healthcheck.slice(healthcheck.indexOf('CMD ') + 4)) ?? [];
    const healthy = (): boolean => spawnSync(check[0], check.slice(1).map(inImage), { cwd: root, env }).status === 0;
    await waitFor(
      async () => {
        if (app?.exitCode !== null) throw new Error(`${APP} exited (${app?.exitCode}):\n${output}`);
        return healthy() && (await fetch(`http://127.0.0.1:${port}/health/ready`)).status === 200;
      },
      { timeoutMs: 90_000, intervalMs: 500, what: `${APP} to pass the image's HEALTHCHECK and be ready` },
    );
    expect(readdirSync(dataDir).length).toBeGreaterThan(0);

    app.kill('SIGTERM');
    const code = await new Promise<number | null>((r) =>
      app?.exitCode !== null ? r(app?.exitCode ?? null) : app.once('exit', r),
    );
    expect({ code, output: code === 0 ? '' : output }).toEqual({ code: 0, output: '' });
    expect(healthy()).toBe(false);
  });
});
