import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../tools/lab';
import { BenchLab } from '../../tools/bench/bench-lab';
import { CAPACITY_SECTIONS } from '../../tools/bench/capacity-report';
import { specLabOffset } from './support/settings';

/**
 * CI's run of `npm run bench -- capacity --short`: the bench's own lab (its own broker and apps,
 * .lab/bench), a few 3 s steps of each measurement, one round. It claims nothing about speed
 * (speed belongs in the benchmark, as ratios): only that the whole set completes and writes a
 * report with every section, the raw numbers and the plot — and leaves docs/ alone.
 */
describe('bench capacity --short', () => {
  const out = mkdtempSync(join(tmpdir(), 'jeeves-capacity-'));
  // Its ports move with the shard (tools/test/shard-lab.ts); its broker's follow (BenchLab).
  const env: NodeJS.ProcessEnv = { ...process.env, BENCH_PORT_OFFSET: String(specLabOffset('bench')) };
  let run: { code: number | null; stderr: string };

  beforeAll(async () => {
    const child = spawn(
      process.execPath,
      [join(REPO_ROOT, 'dist', 'tools', 'bench', 'main.js'), 'capacity', '--short', '--out', out],
      { stdio: ['ignore', 'ignore', 'pipe'], env },
    );
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    // Bounded: a run past this is a failure to look at, not to wait for.
    const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    clearTimeout(timer);
    run = { code, stderr };
  }, 160_000);

  // A killed run leaves the bench lab's broker and apps behind: stop them by their pid files.
  afterAll(() => new BenchLab(() => undefined, env).close(), 60_000);

  it('completes and writes the report, the raw numbers and the plot', () => {
    expect({ code: run.code, tail: run.code === 0 ? '' : run.stderr.slice(-3000) }).toEqual({ code: 0, tail: '' });
    // Progress: a line per step.
    expect(run.stderr).toMatch(/lab \d+\/s: accepted \d+\/s, replied \d+\/s, e2e p50/);
    expect(run.stderr).toMatch(/bare \d+\/s: accepted/);
    const report = readFileSync(join(out, 'capacity.md'), 'utf8');
    // --short runs no broker step; every other section is there.
    const { broker: _broker, ...sections } = CAPACITY_SECTIONS;
    for (const section of Object.values(sections)) expect(report).toContain(section);
    expect(report).toContain('![offered rate against e2e p99 and replies/s, lab and bare pipeline](capacity.svg)');
    const raw = JSON.parse(readFileSync(join(out, 'capacity.json'), 'utf8')) as {
      rounds: Array<{ lab: unknown[]; bare: unknown[]; intents: unknown[]; gateway: unknown[]; bareNest: unknown[] }>;
    };
    expect(raw.rounds).toHaveLength(1);
    const [round] = raw.rounds;
    for (const part of [round.lab, round.bare, round.gateway, round.bareNest]) expect(part.length).toBeGreaterThan(0);
    expect(round.intents).toHaveLength(4);
    expect(readFileSync(join(out, 'capacity.svg'), 'utf8')).toMatch(/^<svg [^>]*>.*data-series="lab r1"/s);
  });

  it('does not touch docs/ (the short version is not a measurement to publish)', () => {
    expect(existsSync(join(out, 'capacity.md'))).toBe(true);
    expect(run.stderr).not.toMatch(/wrote .*docs\/performance\.md/);
  });
});
