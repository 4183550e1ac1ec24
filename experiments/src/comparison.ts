import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { esc, fmt, renderChart, REPORT_CSS, type Chart, type ReportFiles } from './report';
import type { RunRecord } from './runner';

/** One variant's run as the comparison shows it: its record, its charts and its own report. */
export interface ComparedRun {
  readonly record: RunRecord;
  readonly charts: readonly Chart[];
  readonly files: ReportFiles;
}

/** One row of the side-by-side table: a number per variant (undefined: no data). */
export interface ComparisonRow {
  readonly name: string;
  readonly unit: string;
  readonly description: string;
  readonly values: ReadonlyArray<number | undefined>;
  /** Per variant: whether the number met its `expect` (undefined: not part of the verdict). */
  readonly ok: ReadonlyArray<boolean | undefined>;
}

/**
 * The rows both reports share, in the definition's order: every measurement, then recovery time,
 * load errors and ledger loss. `records` are the variants' runs of one experiment.
 */
export function comparisonRows(records: readonly RunRecord[]): ComparisonRow[] {
  const names = [...new Set(records.flatMap((r) => r.measurements.map((m) => m.name)))];
  const rows: ComparisonRow[] = names.map((name) => {
    const found = records.map((r) => r.measurements.find((m) => m.name === name));
    const first = found.find((m) => m !== undefined);
    return {
      name,
      unit: first?.unit ?? '',
      description: first?.description ?? '',
      values: found.map((m) => m?.value),
      ok: found.map((m) => m?.ok),
    };
  });
  rows.push(
    {
      name: 'recoverySeconds',
      unit: 's',
      description: 'steady state again, counted from the end of the method',
      values: records.map((r) => r.recoverySeconds),
      ok: records.map((r) =>
        r.recoverySeconds === undefined ? undefined : r.recoverySeconds <= r.experiment.recovery.withinSeconds,
      ),
    },
    {
      name: 'loadFailedShare',
      unit: '',
      description: "share of the load driver's requests that failed (k6's http_req_failed: status ≥ 400 or no answer)",
      values: records.map((r) => r.load?.failedRate),
      ok: records.map(() => undefined),
    },
    {
      name: 'ledgerLost',
      unit: 'messages',
      description: 'accepted by the gateway, never completed by data-service',
      values: records.map((r) => r.ledger?.lost),
      ok: records.map((r) => r.ledger?.ok),
    },
  );
  // A row no run has a number for (no ledger in this experiment) says nothing.
  return rows.filter((row) => row.values.some((v) => v !== undefined));
}

/** The comparison page: verdicts, the shared table, and each chart once per variant side by side. */
export function renderComparison(runs: readonly ComparedRun[], dir: string): string {
  const records = runs.map((r) => r.record);
  const e = records[0].experiment;
  const passed = records.every((r) => r.verdict.passed);
  const head = runs
    .map(
      (r) =>
        `<th><a href="${esc(relative(dir, r.files.html))}">${esc(r.record.variant ?? e.name)}</a><br><span class="verdict ${r.record.verdict.passed ? 'pass' : 'fail'}">${r.record.verdict.passed ? 'PASSED' : 'FAILED'}</span></th>`,
    )
    .join('');
  const descriptions = e.variants.length
    ? `<ul>${e.variants
        .filter((v) => records.some((r) => r.variant === v.name))
        .map((v) => `<li><b>${esc(v.name)}</b>: ${esc(v.description)}</li>`)
        .join('')}</ul>`
    : '';
  const rows = comparisonRows(records)
    .map(
      (row) =>
        `<tr><td>${esc(row.name)}${row.unit ? ` <small>(${esc(row.unit)})</small>` : ''}</td>${row.values
          .map(
            (v, i) =>
              `<td class="${row.ok[i] === false ? 'bad' : ''}">${fmt(v)}${row.ok[i] === undefined ? '' : row.ok[i] ? ' ✓' : ' ✗'}</td>`,
          )
          .join('')}<td>${esc(row.description)}</td></tr>`,
    )
    .join('');
  const failures = runs
    .filter((r) => !r.record.verdict.passed)
    .map(
      (r) =>
        `<li>${esc(r.record.variant ?? '')}: ${r.record.verdict.failures.map(esc).join('; ') || 'see its report'}</li>`,
    )
    .join('');
  const titles = [...new Set(runs.flatMap((r) => r.charts.map((c) => c.title)))];
  const chartRows = titles
    .map((title) => {
      const cells = runs.map((r) => {
        const chart = r.charts.find((c) => c.title === title);
        return `<div>${chart ? renderChart({ ...chart, title: `${chart.title} — ${r.record.variant ?? ''}` }, r.record) : '<p>no chart</p>'}</div>`;
      });
      return `<div class="side" style="grid-template-columns:repeat(${runs.length},1fr)">${cells.join('')}</div>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(e.name)}: variants side by side</title><style>${REPORT_CSS}.side{display:grid;gap:12px;margin-bottom:12px}.side>div{min-width:0}.side svg{max-width:100%;height:auto}</style></head>
<body>
<h1>Experiment ${esc(e.name)}: ${runs.length} variants side by side${records[0].short ? ' (short)' : ''}</h1>
<p>${esc(e.description)}</p>
${descriptions}
<p><span id="verdict" class="verdict ${passed ? 'pass' : 'fail'}">${passed ? 'ALL PASSED' : 'NOT ALL PASSED'}</span> Each variant ran on its own, one after the other, on the same lab; each column links to that run's full report.</p>
${failures ? `<ul id="failures" class="badtext">${failures}</ul>` : ''}
<table id="comparison"><tr><th>measured</th>${head}<th>meaning</th></tr>${rows}</table>
<h2>Plots</h2><p><small>Shaded: the method's steps. Each row is one chart, one column per variant.</small></p>
${chartRows}
</body></html>
`;
}

/** Writes comparison.html and comparison.json into `dir` (beside the variants' own report folders). */
export function writeComparison(dir: string, runs: readonly ComparedRun[]): ReportFiles {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, 'comparison.json');
  const html = join(dir, 'comparison.html');
  const records = runs.map((r) => r.record);
  writeFileSync(
    json,
    JSON.stringify(
      {
        experiment: records[0].experiment.name,
        short: records[0].short,
        passed: records.every((r) => r.verdict.passed),
        variants: runs.map((r) => ({
          variant: r.record.variant,
          passed: r.record.verdict.passed,
          failures: r.record.verdict.failures,
          report: relative(dir, r.files.json),
        })),
        rows: comparisonRows(records),
      },
      null,
      2,
    ) + '\n',
  );
  writeFileSync(html, renderComparison(runs, dir));
  return { dir, json, html };
}
