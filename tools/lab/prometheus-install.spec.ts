import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadLabConfig } from './config';
import { preparePrometheus, prometheusNotRunning } from './prometheus';
import {
  PrometheusInstallError,
  findPrometheusTool,
  goModuleVersion,
  pinnedPrometheusVersion,
  prometheusCacheDir,
  reportedVersion,
  resolvePrometheusTool,
  type ResolveOptions,
} from './prometheus-install';

/**
 * Resolution with fakes on a temporary PATH: shell scripts stand in for `go` and for other
 * Prometheus releases. The fake `go install` writes binaries that report the version its -ldflags
 * set, so a build that forgot them would be caught. A real build takes minutes (docs/decisions/0012).
 */
const PIN = pinnedPrometheusVersion();

function script(path: string, body: string): void {
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
}

/** A `prometheus`/`promtool` that reports `version`. */
function fakeTool(dir: string, tool: string, version: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, tool);
  script(path, `echo "${tool}, version ${version} (branch: fake, revision: fake)"`);
  return path;
}

/**
 * A `go` whose `install` records its arguments, says it downloads something, lists a package, and
 * writes both tools into $GOBIN reporting the version from `-X ...version.Version=`; FAKE_GO_FAIL
 * makes it fail like a compile error.
 */
function fakeGo(dir: string, calls: string): void {
  mkdirSync(dir, { recursive: true });
  script(
    join(dir, 'go'),
    [
      'case "$1" in',
      '  version) echo "go version go1.99.0 linux/amd64" ;;',
      '  install)',
      `    echo "$*" >> "${calls}"`,
      '    if [ -n "$FAKE_GO_FAIL" ]; then echo "# github.com/prometheus/prometheus/tsdb" >&2; echo "tsdb/db.go:1:1: broken" >&2; exit 1; fi',
      '    echo "go: downloading github.com/prometheus/common v0.72.1" >&2',
      '    echo "github.com/prometheus/prometheus/tsdb" >&2',
      '    v=$(echo "$*" | sed -n "s/.*version\\.Version=\\([^ ]*\\).*/\\1/p")',
      '    for t in prometheus promtool; do',
      '      printf \'#!/bin/sh\\necho "%s, version %s (branch: x, revision: y)"\\n\' "$t" "$v" > "$GOBIN/$t"',
      '      chmod +x "$GOBIN/$t"',
      '    done ;;',
      '  *) exit 2 ;;',
      'esac',
    ].join('\n'),
  );
}

interface Bench {
  readonly root: string;
  readonly cacheDir: string;
  /** Holds the fake go (when asked for) and a Debian-like 2.42 prometheus and promtool. */
  readonly bin: string;
  readonly calls: string;
  readonly lines: string[];
  options(env?: NodeJS.ProcessEnv): ResolveOptions;
  goCalls(): string[];
}

/** PATH: our fakes first, then the system directories the fake scripts need (sed, chmod). */
function bench({ go = true }: { go?: boolean } = {}): Bench {
  const root = mkdtempSync(join(tmpdir(), 'prom-install-'));
  const bin = join(root, 'bin');
  const calls = join(root, 'go-calls.txt');
  fakeTool(bin, 'prometheus', '2.42.0+ds');
  fakeTool(bin, 'promtool', '2.42.0+ds');
  if (go) fakeGo(bin, calls);
  const lines: string[] = [];
  const cacheDir = join(root, 'cache');
  return {
    root,
    cacheDir,
    bin,
    calls,
    lines,
    options: (env = {}) => ({
      cacheDir,
      log: (line) => lines.push(line),
      env: { PATH: `${bin}:/usr/bin:/bin`, ...env },
    }),
    goCalls: () => (existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n') : []),
  };
}

describe('the Prometheus pin', () => {
  it('is one version in tools/prometheus/VERSION, and maps to the Go module tag 3.M.P → v0.(300+M).P', () => {
    expect(PIN).toMatch(/^3\.\d+\.\d+$/);
    expect(goModuleVersion('3.16.0')).toBe('v0.316.0');
    expect(goModuleVersion('3.5.2')).toBe('v0.305.2');
    expect(() => goModuleVersion('2.42.0')).toThrow(/3\.0\.0 or later/);
  });
});

describe('resolving prometheus and promtool', () => {
  it('ignores a non-pinned prometheus on PATH and builds both once into the cache, with the tags and version flags', async () => {
    const b = bench();
    const resolved = await resolvePrometheusTool('prometheus', b.options());
    const dir = prometheusCacheDir(b.cacheDir, PIN);
    expect(resolved).toEqual({ tool: 'prometheus', path: join(dir, 'prometheus'), source: 'built', version: PIN });
    expect(b.lines).toContainEqual(
      `prometheus: not using ${join(b.bin, 'prometheus')} on PATH: it reports version 2.42.0+ds, the lab pins ${PIN}`,
    );
    expect(b.lines.some((l) => /one-time build of about \d+ min/.test(l))).toBe(true);
    expect(b.lines).toContain('  go: downloading github.com/prometheus/common v0.72.1');
    const [call] = b.goCalls();
    expect(call).toContain('-tags=remove_all_sd');
    expect(call).toContain('-trimpath');
    const moduleVersion = goModuleVersion(PIN);
    expect(call).toContain(`github.com/prometheus/prometheus/cmd/prometheus@${moduleVersion}`);
    expect(call).toContain(`github.com/prometheus/prometheus/cmd/promtool@${moduleVersion}`);
    // Both tools landed; the temporary sibling was renamed away.
    expect(readdirSync(dir).sort()).toEqual(['prometheus', 'promtool']);
    expect(readdirSync(b.cacheDir)).toEqual([`prometheus-${PIN}`]);
  });

  it('uses the cache afterwards without calling go, for promtool too', async () => {
    const b = bench();
    await resolvePrometheusTool('prometheus', b.options());
    const promtool = await resolvePrometheusTool('promtool', b.options());
    expect(promtool).toMatchObject({ source: 'cache', path: join(prometheusCacheDir(b.cacheDir, PIN), 'promtool') });
    expect(b.goCalls()).toHaveLength(1);
  });

  it('uses a prometheus on PATH that reports the pinned version, and builds nothing', async () => {
    const b = bench();
    const pinned = fakeTool(join(b.root, 'pinned'), 'prometheus', PIN);
    const resolved = await resolvePrometheusTool(
      'prometheus',
      b.options({ PATH: `${join(b.root, 'pinned')}:${b.bin}:/usr/bin:/bin` }),
    );
    expect(resolved).toMatchObject({ source: 'path', path: pinned, version: PIN });
    expect(b.goCalls()).toEqual([]);
  });

  it('uses an explicit PROMETHEUS_BIN as given, warning when it is not the pin', async () => {
    const b = bench();
    const old = join(b.bin, 'prometheus');
    const resolved = await resolvePrometheusTool('prometheus', b.options({ PROMETHEUS_BIN: old }));
    expect(resolved).toMatchObject({ source: 'override', path: old, version: '2.42.0+ds' });
    expect(b.lines).toContainEqual(
      `prometheus: warning: PROMETHEUS_BIN=${old} reports version 2.42.0+ds, not the pinned ${PIN}; using it as given`,
    );
    expect(b.goCalls()).toEqual([]);
  });

  it('refuses a PROMTOOL that does not run, naming the variable', () => {
    const b = bench();
    const missing = join(b.root, 'nowhere', 'promtool');
    expect(() => findPrometheusTool('promtool', b.options({ PROMTOOL: missing }))).toThrow(
      expect.objectContaining({ code: 'override-unusable', message: expect.stringContaining(`PROMTOOL=${missing}`) }),
    );
  });

  it('gives up on a binary whose --version hangs, even one that ignores SIGTERM', () => {
    const b = bench();
    const hung = join(b.root, 'hung-prometheus');
    // A wrapper stuck on something (a lock, a prompt) that also traps TERM, as shells in scripts do.
    script(hung, 'trap "" TERM\nsleep 20');
    const startedAt = Date.now();
    expect(reportedVersion(hung, b.options().env, 500)).toBeUndefined();
    expect(Date.now() - startedAt).toBeLessThan(5000);
  });

  it('without Go, says exactly what to do instead of building', async () => {
    const b = bench({ go: false });
    const error = await resolvePrometheusTool('prometheus', b.options({ PATH: b.bin })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PrometheusInstallError);
    expect(error).toMatchObject({ code: 'no-go' });
    const message = (error as Error).message;
    expect(message).toContain('Install Go');
    expect(message).toContain('npm run lab -- up');
    expect(message).toContain(`set PROMETHEUS_BIN and PROMTOOL to Prometheus ${PIN}'s binaries`);
  });

  it("reports a failed build with go's last lines and leaves no half-built cache", async () => {
    const b = bench();
    const error = await resolvePrometheusTool('prometheus', b.options({ FAKE_GO_FAIL: '1' })).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'build-failed' });
    expect((error as Error).message).toContain('tsdb/db.go:1:1: broken');
    expect(b.lines).toContain('  go: tsdb/db.go:1:1: broken');
    expect(existsSync(b.cacheDir) ? readdirSync(b.cacheDir) : []).toEqual([]);
  });

  it('clears a partial build left by an interrupted run before building', async () => {
    const b = bench();
    // Pid 2^22 + 1 is above Linux's pid_max limit: no process can hold it.
    const abandoned = `${prometheusCacheDir(b.cacheDir, PIN)}.partial-${2 ** 22 + 1}`;
    mkdirSync(abandoned, { recursive: true });
    writeFileSync(join(abandoned, 'prometheus'), 'half');
    await resolvePrometheusTool('promtool', b.options());
    expect(readdirSync(b.cacheDir)).toEqual([`prometheus-${PIN}`]);
  });
});

describe('lab up without a way to get Prometheus', () => {
  it('gets a problem to report, not an exception, and the closing line says Prometheus is NOT running', async () => {
    const b = bench({ go: false });
    const config = loadLabConfig({ LAB_STATE_DIR: join(b.root, 'state'), LAB_CACHE_DIR: b.cacheDir });
    const binary = await preparePrometheus(config, (line) => b.lines.push(line), { PATH: b.bin });
    expect(binary).toEqual({ problem: expect.stringContaining('Go is not installed') });
    const closing = prometheusNotRunning((binary as { problem: string }).problem);
    expect(closing).toContain('Prometheus is NOT running');
    expect(closing).toContain('Install Go');
  });
});
