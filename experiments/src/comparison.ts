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

/** One row of the side-by-side table. */
export interface ComparisonRow {
  readonly name: string;
  readonly unit: string;
  readonly description: string;
  /** Per variant (ComparisonTable.variants' order), the number of each of its rounds (undefined: no data). */
  readonly values: ReadonlyArray<ReadonlyArray<number | undefined>>;
  /** Per variant and round: whether the number met its `expect` (undefined: not part of the verdict). */
  readonly ok: ReadonlyArray<ReadonlyArray<boolean | undefined>>;
}

export interface ComparisonTable {
  /** Variant names in the order they first ran. */
  readonly variants: readonly string[];
  readonly rows: readonly ComparisonRow[];
}

/** Median, min and max of the numbers among `values`; undefined when there are none. */
export function spread(
  values: ReadonlyArray<number | undefined>,
): { median: number; min: number; max: number; n: number } | undefined {
  const xs = values.filter((v): v is number => v !== undefined && !Number.isNaN(v)).sort((a, b) => a - b);
  if (xs.length === 0) return undefined;
  const mid = Math.floor(xs.length / 2);
  const median = xs.length % 2 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
  return { median, min: xs[0], max: xs[xs.length - 1], n: xs.length };
}

/**
 * The rows the runs share, in the definition's order — every measurement, then recovery time, the
 * load's failed share and ledger loss — with one column per variant and its rounds' numbers in it.
 * `records` are runs of one experiment (a run without a variant counts as variant "").
 */
export function comparisonRows(records: readonly RunRecord[]): ComparisonTable {
  const variants = [...new Set(records.map((r) => r.variant ?? ''))];
  const byVariant = variants.map((v) => records.filter((r) => (r.variant ?? '') === v));
  const row = (
    name: string,
    unit: string,
    description: string,
    value: (r: RunRecord) => number | undefined,
    ok: (r: RunRecord) => boolean | undefined,
  ): ComparisonRow => ({
    name,
    unit,
    description,
    values: byVariant.map((runs) => runs.map(value)),
    ok: byVariant.map((runs) => runs.map(ok)),
  });
  const names = [...new Set(records.flatMap((r) => r.measurements.map((m) => m.name)))];
  const rows: ComparisonRow[] = names.map((name) => {
    const first = records.flatMap((r) => r.measurements).find((m) => m.name === name);
    const of = (r: RunRecord) => r.measurements.find((m) => m.name === name);
    return row(
      name,
      first?.unit ?? '',
      first?.description ?? '',
      (r) => of(r)?.value,
      (r) => of(r)?.ok,
    );
  });
  rows.push(
    row(
      'recoverySeconds',
      's',
      'steady state again, counted from the end of the method',
      (r) => r.recoverySeconds,
      (r) => (r.recoverySeconds === undefined ? undefined : r.recoverySeconds <= r.experiment.recovery.withinSeconds),
    ),
    row(
      'loadFailedShare',
      '',
      "share of the load driver's requests that failed (k6's http_req_failed: status ≥ 400 or no answer)",
      (r) => r.load?.failedRate,
      () => undefined,
    ),
    row(
      'ledgerLost',
      'messages',
      'accepted by the gateway, never completed by data-service',
      (r) => r.ledger?.lost,
      (r) => r.ledger?.ok,
    ),
  );
  // A row no run has a number for (no ledger in this experiment) says nothing.
  return { variants, rows: rows.filter((r) => r.values.some((vs) => vs.some((v) => v !== undefined))) };
}

/** One cell: the number (one round) or `median (min–max)` (several), ✓/✗ when it is part of the verdict. */
function cell(values: ReadonlyArray<number | undefined>, ok: ReadonlyArray<boolean | undefined>): string {
  const s = spread(values);
  const text =
    values.length <= 1 || s === undefined
      ? fmt(values[0])
      : `${fmt(s.median)} <small>(${fmt(s.min)}–${fmt(s.max)})</small>`;
  const judged = ok.filter((o): o is boolean => o !== undefined);
  const missed = judged.filter((o) => !o).length;
  const mark =
    judged.length === 0 ? '' : missed === 0 ? ' ✓' : values.length > 1 ? ` ✗ ${missed}/${judged.length}` : ' ✗';
  return `<td class="${missed > 0 ? 'bad' : ''}">${text}${mark}</td>`;
}

/**
 * The comparison page: verdicts, the shared table (with several rounds: median and min–max), and
 * each chart of every variant's first round side by side.
 */
export function renderComparison(runs: readonly ComparedRun[], dir: string): string {
  const records = runs.map((r) => r.record);
  const e = records[0].experiment;
  const passed = records.every((r) => r.verdict.passed);
  const table = comparisonRows(records);
  const rounds = Math.max(...table.variants.map((v) => records.filter((r) => (r.variant ?? '') === v).length));
  const head = table.variants
    .map((v) => {
      const mine = runs.filter((r) => (r.record.variant ?? '') === v);
      const ok = mine.filter((r) => r.record.verdict.passed).length;
      const links = mine
        .map(
          (r, i) =>
            `<a href="${esc(relative(dir, r.files.html))}">${mine.length > 1 ? `round ${i + 1}` : 'report'}</a>`,
        )
        .join(' ');
      return `<th>${esc(v || e.name)}<br><span class="verdict ${ok === mine.length ? 'pass' : 'fail'}">${ok === mine.length ? 'PASSED' : 'FAILED'}${mine.length > 1 ? ` ${ok}/${mine.length}` : ''}</span><br><small>${links}</small></th>`;
    })
    .join('');
  const descriptions = e.variants.length
    ? `<ul>${e.variants
        .filter((v) => table.variants.includes(v.name))
        .map((v) => `<li><b>${esc(v.name)}</b>: ${esc(v.description)}</li>`)
        .join('')}</ul>`
    : '';
  const rows = table.rows
    .map(
      (row) =>
        `<tr><td>${esc(row.name)}${row.unit ? ` <small>(${esc(row.unit)})</small>` : ''}</td>${row.values
          .map((vs, i) => cell(vs, row.ok[i]))
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
  const firsts = table.variants.map((v) => runs.find((r) => (r.record.variant ?? '') === v) as ComparedRun);
  const titles = [...new Set(firsts.flatMap((r) => r.charts.map((c) => c.title)))];
  const chartRows = titles
    .map((title) => {
      const cells = firsts.map((r) => {
        const chart = r.charts.find((c) => c.title === title);
        return `<div>${chart ? renderChart({ ...chart, title: `${chart.title} — ${r.record.variant ?? ''}` }, r.record) : '<p>no chart</p>'}</div>`;
      });
      return `<div class="side" style="grid-template-columns:repeat(${firsts.length},1fr)">${cells.join('')}</div>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(e.name)}: variants side by side</title><style>${REPORT_CSS}.side{display:grid;gap:12px;margin-bottom:12px}.side>div{min-width:0}.side svg{max-width:100%;height:auto}</style></head>
<body>
<h1>Experiment ${esc(e.name)}: ${table.variants.length > 1 ? `${table.variants.length} variants side by side` : 'rounds side by side'}${rounds > 1 ? `, ${rounds} rounds` : ''}${records[0].short ? ' (short)' : ''}</h1>
<p>${esc(e.description)}</p>
${descriptions}
<p><span id="verdict" class="verdict ${passed ? 'pass' : 'fail'}">${passed ? 'ALL PASSED' : 'NOT ALL PASSED'}</span> Each run on its own, one after the other on the same lab${rounds > 1 ? ', variants alternating round by round; numbers are medians with min–max over the rounds' : ''}. Each column links to its runs' full reports.</p>
${failures ? `<ul id="failures" class="badtext">${failures}</ul>` : ''}
<table id="comparison"><tr><th>measured</th>${head}<th>meaning</th></tr>${rows}</table>
<h2>Plots</h2><p><small>Shaded: the method's steps. Each row is one chart, one column per variant${rounds > 1 ? ' (its first round)' : ''}.</small></p>
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
        runs: runs.map((r) => ({
          variant: r.record.variant,
          passed: r.record.verdict.passed,
          failures: r.record.verdict.failures,
          report: relative(dir, r.files.json),
        })),
        ...withSpreads(comparisonRows(records)),
      },
      null,
      2,
    ) + '\n',
  );
  writeFileSync(html, renderComparison(runs, dir));
  return { dir, json, html };
}

/** The table with each variant's median, min and max added to every row, for comparison.json. */
function withSpreads(table: ComparisonTable): ComparisonTable & { rows: Array<ComparisonRow & { spread: unknown }> } {
  return {
    variants: table.variants,
    rows: table.rows.map((row) => ({
      ...row,
      spread: Object.fromEntries(table.variants.map((v, i) => [v, spread(row.values[i]) ?? null])),
    })),
  };
}
