import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { providerService } from '../../apps/provider/src/main';
import { CONSOLE_APP } from '#libs/contracts';
import { createLogger } from '#libs/observability';
import { buildService } from '#libs/platform';
import { REPO_ROOT } from './compose-file';
import {
  DOCKERFILE,
  dockerignored,
  envOf,
  execForm,
  type Instruction,
  loadDockerfile,
  loadDockerignore,
} from './dockerfile';

/**
 * The Dockerfile, checked without a Docker engine (none runs here): hadolint, then what hadolint
 * cannot know. The runtime stage itself is run by test/integration/container-runtime-stage-*.spec.ts.
 */

const instructions = loadDockerfile();
const ignore = loadDockerignore();
const nestCli = JSON.parse(readFileSync(join(REPO_ROOT, 'nest-cli.json'), 'utf8')) as {
  exec: string;
  compilerOptions: { builder: { options: { filenames: string[]; outDir: string; ignore: string[] } } };
  projects: Record<string, { type: string; sourceRoot: string; entryFile: string }>;
};
// The lab console (apps/console) is in nest-cli.json but not in the image: a lab tool that `lab up`
// starts beside the services, left out by .dockerignore (ADR 0100).
const APPS = Object.entries(nestCli.projects)
  .filter(([name, p]) => p.type === 'application' && name !== CONSOLE_APP.name)
  .map(([name]) => name);
const stages = [...new Set(instructions.map((i) => i.stage))];
const finalStage = stages.at(-1);
const runtime = instructions.filter((i) => i.stage === finalStage);
const one = (keyword: string, within: readonly Instruction[] = runtime): Instruction => {
  const found = within.filter((i) => i.keyword === keyword);
  expect(found).toHaveLength(1);
  return found[0];
};

/** hadolint's path, installed by tools/docker/install-lint.sh (CI runs it before the tests). */
function hadolint(): string {
  const found = spawnSync('sh', [join(__dirname, 'install-lint.sh'), '--installed'], { encoding: 'utf8' });
  if (found.status !== 0) {
    throw new Error(
      `hadolint is not installed: run \`sh tools/docker/install-lint.sh\` once (it installs the pinned hadolint into the lab cache).\n${found.stderr}`,
    );
  }
  return found.stdout.trim();
}

function lint(text: string): { status: number | null; findings: Array<{ code: string; message: string }> } {
  const result = spawnSync(hadolint(), ['--no-color', '--format', 'json', '-'], { input: text, encoding: 'utf8' });
  return {
    status: result.status,
    findings: JSON.parse(result.stdout || '[]') as Array<{ code: string; message: string }>,
  };
}

describe('Dockerfile', () => {
  it('passes hadolint with no finding', () => {
    const result = lint(readFileSync(DOCKERFILE, 'utf8'));
    expect(result.findings).toEqual([]);
    expect(result.status).toBe(0);
  });

  it('fails hadolint when the base is unpinned or the image runs as root (the check can fail)', () => {
    const text = readFileSync(DOCKERFILE, 'utf8');
    const unpinned = lint(text.replace(/^FROM node:\S+/m, 'FROM node'));
    expect(unpinned.findings.map((f) => f.code)).toContain('DL3006');
    expect(unpinned.status).not.toBe(0);
    const root = lint(text.replace(/^USER .*$/m, 'USER root'));
    expect(root.findings.map((f) => f.code)).toContain('DL3002');
  });

  it('builds on the slim Node image of the exact version the checkout runs (the `node` devDependency)', () => {
    const bases = instructions.filter((i) => i.keyword === 'FROM').map((i) => i.args.split(/\s+/)[0]);
    const external = bases.filter((b) => !stages.includes(b));
    expect(external).toHaveLength(1);
    const match = /^node:(\d+\.\d+\.\d+)-[a-z]+-slim(@sha256:[0-9a-f]{64})?$/.exec(external[0]);
    expect(match).not.toBeNull();
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    expect(match?.[1]).toBe(pkg.devDependencies.node);
  });

  it('runs as a numeric non-root user, which owns DATA_DIR and nothing it was copied', () => {
    const user = one('USER').args;
    expect(user).toMatch(/^\d+:\d+$/);
    expect(user.split(':').map(Number)).not.toContain(0);
    const env = envOf(runtime);
    expect(env.DATA_DIR).toMatch(/^\/\w+/);
    expect(runtime.filter((i) => i.keyword === 'RUN').map((i) => i.args)).toContain(
      `mkdir -p ${env.DATA_DIR} && chown ${user} ${env.DATA_DIR}`,
    );
    // Every COPY comes before USER and none gives the user its files (--chown).
    const userAt = runtime.findIndex((i) => i.keyword === 'USER');
    const copies = runtime.map((i, at) => ({ i, at })).filter(({ i }) => i.keyword === 'COPY');
    expect(copies.filter(({ at }) => at > userAt)).toEqual([]);
    expect(copies.filter(({ i }) => i.args.includes('--chown'))).toEqual([]);
  });

  it('listens on every interface of the container, production unless told otherwise', () => {
    expect(envOf(runtime)).toMatchObject({ NODE_ENV: 'production', HOST: '0.0.0.0' });
    expect(one('EXPOSE').args).toBe(envOf(runtime).PORT);
  });

  it('builds apps/ and libs/ with nest-cli.json builder options, once, into dist/', () => {
    const builds = instructions.filter((i) => i.keyword === 'RUN' && i.args.includes('swc '));
    expect(builds).toHaveLength(1);
    const args = builds[0].args.split(/\s+/);
    const { filenames, outDir, ignore: skipped } = nestCli.compilerOptions.builder.options;
    expect(args.slice(1, 1 + filenames.length)).toEqual(filenames);
    expect(args[args.indexOf('-d') + 1]).toBe(outDir);
    expect(args).toContain('--copy-files');
    const ignored = args.flatMap((a, at) => (args[at - 1] === '--ignore' ? [a.replace(/^'|'$/g, '')] : []));
    expect(ignored.sort()).toEqual([...skipped].sort());
    // The runtime stage takes dist/ from that build and production-only node_modules.
    const fromOther = runtime.filter((i) => i.keyword === 'COPY' && i.args.startsWith('--from='));
    expect(fromOther.map((i) => i.args).sort()).toEqual(
      [`--from=${builds[0].stage} /app/dist dist`, '--from=deps /app/node_modules node_modules'].sort(),
    );
    const deps = instructions.filter((i) => i.stage === 'deps' && i.keyword === 'RUN');
    expect(deps.map((i) => i.args).join(' ')).toMatch(/npm ci --omit=dev /);
  });

  it('copies into the context only files that exist and that .dockerignore lets in', () => {
    const sources = instructions
      .filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from='))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    expect(sources.length).toBeGreaterThan(4);
    expect(sources.filter((s) => !existsSync(join(REPO_ROOT, s)))).toEqual([]);
    expect(sources.filter((s) => dockerignored(ignore, s))).toEqual([]);
    // A file inside a copied folder is in the context too.
    expect(dockerignored(ignore, 'apps/gateway/src/main.ts')).toBe(false);
  });

  it('leaves out of the context node_modules, dist, .lab, .git, tests and secrets', () => {
    const leftOut = [
      'node_modules/jose/package.json',
      'dist/apps/gateway/src/main.js',
      '.lab/data/jeeves.db',
      '.git/config',
      'results/run.json',
      'apps/gateway/src/gateway.inject.spec.ts',
      'apps/gateway/node_modules/x/index.js',
      'apps/token-dealer/keys/signing.pem',
      'libs/auth/src/client.key',
      '.env',
      'apps/gateway/.env.local',
      '.npmrc',
      'tools/lab/main.ts',
    ];
    expect(leftOut.filter((p) => !dockerignored(ignore, p))).toEqual([]);
  });

  it('checks its health with node on /health/live, a route every app serves (libs/platform)', async () => {
    const healthcheck = one('HEALTHCHECK').args;
    const command = execForm(healthcheck.slice(healthcheck.indexOf('CMD ') + 4));
    expect(command).toEqual(['node', `${one('WORKDIR', instructions).args}/tools/docker/healthcheck.js`]);
    const route = /fetch\(`http:\/\/127\.0\.0\.1:\$\{port\}(\/[^`]*)`/.exec(
      readFileSync(join(__dirname, 'healthcheck.js'), 'utf8'),
    )?.[1];
    expect(route).toBe('/health/live');
    // A real app (the provider: no Kafka) answers it, as every app built on libs/platform does.
    const logger = createLogger({ service: 'provider', level: 'silent' });
    const { app } = await buildService(providerService, {}, { logger });
    try {
      await app.init();
      await app.getHttpAdapter().getInstance().ready();
      const answer = await app.inject({ method: 'GET', url: route ?? '' });
      expect(answer.statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('starts the app named by the command through tools/docker/entrypoint.sh, none by default', () => {
    // Absolute: an orchestrator may set another working directory.
    expect(execForm(one('ENTRYPOINT').args)).toEqual([
      `${one('WORKDIR', instructions).args}/tools/docker/entrypoint.sh`,
    ]);
    expect(execForm(one('CMD').args)).toEqual(['--help']);
    expect(one('WORKDIR', instructions).args).toBe('/app');
    // COPY keeps the mode the checkout gives it: git must record the script as executable.
    expect(statSync(join(__dirname, 'entrypoint.sh')).mode & 0o111).toBe(0o111);
    const git = spawnSync('git', ['ls-files', '-s', 'tools/docker/entrypoint.sh'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    if (git.status === 0 && git.stdout !== '') expect(git.stdout).toMatch(/^100755 /);
  });
});

/** A copy of the image's /app with a `node` on PATH that prints what it was asked to run. */
function fakeImageRoot(apps: readonly string[]): { root: string; env: NodeJS.ProcessEnv } {
  const root = mkdtempSync(join(tmpdir(), 'jeeves-image-'));
  mkdirSync(join(root, 'tools', 'docker'), { recursive: true });
  copyFileSync(join(__dirname, 'entrypoint.sh'), join(root, 'tools', 'docker', 'entrypoint.sh'));
  chmodSync(join(root, 'tools', 'docker', 'entrypoint.sh'), 0o755);
  for (const app of apps) {
    mkdirSync(join(root, 'dist', 'apps', app, 'src'), { recursive: true });
    writeFileSync(join(root, 'dist', 'apps', app, 'src', 'main.js'), '');
  }
  const bin = join(root, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'node'), '#!/bin/sh\necho "node $*"\n');
  chmodSync(join(bin, 'node'), 0o755);
  return { root, env: { PATH: `${bin}:/usr/bin:/bin` } };
}

describe('tools/docker/entrypoint.sh', () => {
  const { root, env } = fakeImageRoot(APPS);
  const run = (...args: string[]) =>
    spawnSync(join(root, 'tools', 'docker', 'entrypoint.sh'), args, { cwd: tmpdir(), env, encoding: 'utf8' });

  it.each(APPS)('starts %s the way nest-cli.json and the lab do: the tracing preload, then its main', (app) => {
    const { sourceRoot, entryFile } = nestCli.projects[app];
    const result = run(app);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    // nest-cli.json's `exec` is the lab's command (tools/lab/instances.ts) with a relative preload.
    expect(result.stdout.trim()).toBe(`${nestCli.exec} dist/${sourceRoot}/${entryFile}.js`);
  });

  it('knows the same six apps as the lab and nest-cli.json', () => {
    expect(APPS.sort()).toEqual(['bot', 'data-service', 'gateway', 'provider', 'token-dealer', 'worker']);
    // The lab console's sources never reach the build context (.dockerignore), so the image has no console.
    expect(dockerignored(ignore, 'apps/console/src/main.ts')).toBe(true);
    expect(dockerignored(ignore, 'apps/console/web/src/App.tsx')).toBe(true);
  });

  it.each([[[]], [['--help']], [['nope']], [['../gateway']], [['gateway', '--inspect']]])(
    'refuses %j with exit 64 and the list of apps',
    (args: string[]) => {
      const result = run(...args);
      expect(result.status).toBe(64);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(`apps: ${[...APPS].sort().join(' ')}`);
    },
  );
});

describe('tools/docker/healthcheck.js', () => {
  let server: Server;
  let status = 200;
  const paths: string[] = [];
  beforeAll(async () => {
    server = createServer((request, response) => {
      paths.push(request.url ?? '');
      response.writeHead(status).end();
    });
    await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  });
  afterAll(() => new Promise<void>((resolveClose) => server.close(() => resolveClose())));

  // Asynchronous: the server answering it lives in this process.
  const check = (port: number) =>
    new Promise<number | null>((resolveExit) => {
      const child = spawn(process.execPath, [join(__dirname, 'healthcheck.js')], {
        env: { PORT: String(port) },
        stdio: 'ignore',
        timeout: 10_000,
      });
      child.on('exit', (code) => resolveExit(code));
    });

  it('exits 0 when /health/live answers 200, and 1 when it answers 503', async () => {
    const { port } = server.address() as AddressInfo;
    status = 200;
    expect(await check(port)).toBe(0);
    status = 503;
    expect(await check(port)).toBe(1);
    expect(paths).toEqual(['/health/live', '/health/live']);
  });

  it('exits 1 when nothing listens on PORT', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((r) => closed.close(() => r()));
    expect(await check(port)).toBe(1);
  });
});
