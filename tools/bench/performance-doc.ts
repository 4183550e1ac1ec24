import { cpus, loadavg, totalmem } from 'node:os';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../lab';

const DOC = join(REPO_ROOT, 'docs', 'performance.md');

const HEAD = `# Performance of the lab on this machine

Written by \`npm run bench -- <name>\` (tools/bench/); each benchmark rewrites only its own section, between
its markers. The numbers are this machine's, measured in one run of each benchmark; they are ratios
where they are compared, because the machine is shared and absolute speed moves with its neighbours.
See docs/load-testing.md for the load driver the benchmarks use and docs/decisions/0060-load-driver.md
for why it is the one it is.
`;

/** The machine line every section carries: the numbers mean nothing without it. */
export function machineLine(): string {
  const c = cpus();
  // The load average says how much the machine's other tenants took while this ran.
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');
  return `Machine: ${c.length} × ${c[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}; load average (1/5/15 min) at the end ${load}; measured ${new Date().toISOString()}.`;
}

/** Replaces (or appends) the section of `name` in docs/performance.md and returns the file's path. */
export function writePerformanceSection(name: string, markdown: string, reproduce: string, doc = DOC): string {
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const titles: Record<string, string> = {
    overhead: 'Instrumentation overhead',
    capacity: 'Capacity: what the lab sustains, beside a bare pipeline',
    drivers: 'Load drivers compared',
    footprint: 'Footprint: start-up and idle memory against a baseline',
    'token-guessing': 'Token dealer under secret guessing',
    'first-run': "First run: the README's first command, cold and warm",
    payloads: 'Envelope formats: bytes, codec CPU and pipeline capacity per format',
    polling: 'Polling a message: If-None-Match and compression',
  };
  const section = [
    start,
    `## ${titles[name] ?? name}`,
    '',
    `Reproduce: \`${reproduce}\``,
    '',
    machineLine(),
    '',
    markdown,
    end,
  ].join('\n');
  const current = existsSync(doc) ? readFileSync(doc, 'utf8') : HEAD;
  const from = current.indexOf(start);
  const to = current.indexOf(end);
  const next =
    from >= 0 && to > from
      ? current.slice(0, from) + section + current.slice(to + end.length)
      : `${current.trimEnd()}\n\n${section}\n`;
  writeFileSync(doc, next);
  return doc;
}
