/**
 * The other build a benchmark compares this checkout with: a detached git worktree of a revision,
 * installed with `npm ci` and built with its own bootstrap, once (a second run reuses it). It lives
 * outside this checkout, in the lab's machine-wide cache: Node looks a package up in every
 * node_modules above the requiring file, so a worktree inside this checkout would quietly load what
 * the old revision lacks (Nest's optional @nestjs/microservices, say) from this checkout's.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { APPS, REPO_ROOT, appMain } from '../lab';

export class BaselineError extends Error {
  override readonly name = 'BaselineError';
}

/** A built checkout: its root and how to name it in a report (`e3347d4`, `e3347d4-dirty`). */
export interface BuildCheckout {
  readonly root: string;
  readonly revision: string;
}

function git(args: readonly string[], cwd = REPO_ROOT): string {
  const result = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new BaselineError(
      `git ${args.join(' ')} failed in ${cwd}: ${(result.stderr || String(result.error)).trim()}`,
    );
  }
  return result.stdout.trim();
}

/** The short commit of the checkout at `root`, `-dirty` when tracked files differ from it. */
export function describeRevision(root: string): string {
  try {
    const short = git(['rev-parse', '--short', 'HEAD'], root);
    return git(['status', '--porcelain', '--untracked-files=no'], root) ? `${short}-dirty` : short;
  } catch {
    return 'unknown revision';
  }
}

/**
 * The environment for npm and the build in another checkout: this process's Node first on PATH (the
 * old checkout's bootstrap then finds Node 24 even before its own is installed), and no `npm_*`
 * variables — `npm run bench` exports its own, such as npm_config_local_prefix, which would make
 * the inner npm install into this checkout instead; npm reads its config files itself.
 */
export function childEnv(env: NodeJS.ProcessEnv = process.env, nodeDir = dirname(process.execPath)): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith('npm_')));
  return { ...clean, PATH: [nodeDir, env.PATH].filter(Boolean).join(delimiter) };
}

/**
 * Runs a command to completion, relaying its output lines to `log` under `label` and a heartbeat
 * every 15 s (npm says nothing for minutes); rejects with the exit code when it fails.
 */
async function runRelayed(
  command: string,
  args: readonly string[],
  cwd: string,
  label: string,
  log: (line: string) => void,
  heartbeat: () => string = () => '',
): Promise<void> {
  const startedMs = Date.now();
  const timer = setInterval(
    () => log(`  ${label}: still running (${Math.round((Date.now() - startedMs) / 1000)} s)${heartbeat()}`),
    15_000,
  );
  try {
    const code = await new Promise<number>((resolveExit, reject) => {
      const child = spawn(command, args, { cwd, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
      let buffered = '';
      const relay = (chunk: Buffer): void => {
        buffered += chunk.toString('utf8');
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) if (line.trim()) log(`  ${label}: ${line.trimEnd()}`);
      };
      child.stdout.on('data', relay);
      child.stderr.on('data', relay);
      child.once('error', reject);
      child.once('close', (exit) => {
        if (buffered.trim()) log(`  ${label}: ${buffered.trimEnd()}`);
        resolveExit(exit ?? 1);
      });
    });
    if (code !== 0) throw new BaselineError(`${label} (${command} ${args.join(' ')} in ${cwd}) exited with ${code}`);
  } finally {
    clearInterval(timer);
  }
}

/** `npm ci` when node_modules is missing or older than the lock (bootstrap.sh's rule), then the build. */
async function installAndBuild(root: string, log: (line: string) => void): Promise<void> {
  const installed = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (!existsSync(installed) || statSync(lock).mtimeMs > statSync(installed).mtimeMs) {
    log(`baseline: npm ci in ${root} (a few minutes the first time)`);
    const packages = (): string => {
      const dir = join(root, 'node_modules');
      return existsSync(dir) ? `, node_modules holds ${readdirSync(dir).length} entries` : '';
    };
    await runRelayed('npm', ['ci', '--no-audit', '--no-fund'], root, 'npm ci', log, packages);
  }
  log(`baseline: building (sh tools/bootstrap.sh in ${root})`);
  await runRelayed('sh', ['tools/bootstrap.sh'], root, 'build', log);
  assertBuilt(root);
}

/** The nearest node_modules directory above `root` (not its own), if any: packages would leak in from there. */
export function nodeModulesAbove(root: string): string | undefined {
  for (let dir = dirname(resolve(root)); ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules');
    if (existsSync(candidate)) return candidate;
    if (dir === dirname(dir)) return undefined;
  }
}

/** Fails unless a build at `root` can only load its own packages (see the file's comment). */
export function assertIsolated(root: string): void {
  const above = nodeModulesAbove(root);
  if (above) {
    throw new BaselineError(
      `${root} sits below ${above}: its apps would load any package it lacks from there, not fail or skip it as the revision does on its own. Use a checkout outside any directory with a node_modules.`,
    );
  }
}

/** Fails, naming what is missing, unless every app's compiled main exists under `root`. */
export function assertBuilt(root: string): void {
  const missing = APPS.map((a) => appMain(a.name, root)).filter((main) => !existsSync(main));
  if (missing.length > 0) {
    throw new BaselineError(`${root} is not built: missing ${missing.join(', ')}. Run sh tools/bootstrap.sh there.`);
  }
}

/**
 * A built checkout of `rev` at `<dir>/baseline-<short sha>` (dir: outside any checkout, see above): a
 * detached worktree added on the first run and reused after, installed and built (both skipped when
 * already done).
 */
export async function prepareBaseline(rev: string, dir: string, log: (line: string) => void): Promise<BuildCheckout> {
  let sha: string;
  try {
    sha = git(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]);
  } catch {
    throw new BaselineError(`${rev} is not a commit of this repository (git rev-parse --verify found nothing).`);
  }
  const short = git(['rev-parse', '--short', sha]);
  const root = join(dir, `baseline-${short}`);
  assertIsolated(root);
  if (existsSync(root)) {
    const head = existsSync(join(root, '.git')) ? git(['rev-parse', 'HEAD'], root) : '';
    if (head !== sha) {
      throw new BaselineError(
        `${root} exists but is not a checkout of ${sha}${head ? ` (it is at ${head})` : ''}. Remove it (git worktree remove --force ${root}) and run again.`,
      );
    }
    log(`baseline: reusing the worktree of ${short} in ${root}`);
  } else {
    // A worktree directory deleted by hand stays registered and would make `add` fail.
    git(['worktree', 'prune']);
    log(`baseline: git worktree add --detach ${root} ${short}`);
    mkdirSync(dir, { recursive: true });
    git(['worktree', 'add', '--detach', root, sha]);
  }
  await installAndBuild(root, log);
  return { root, revision: describeRevision(root) };
}

/** A checkout someone built already (`--baseline-dir`): checked, never installed or built here. */
export function existingBaseline(dir: string): BuildCheckout {
  const root = resolve(dir);
  assertIsolated(root);
  assertBuilt(root);
  return { root, revision: describeRevision(root) };
}
