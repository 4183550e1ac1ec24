import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allPanels, BUILTIN_VARS, loadDashboards, panelQueries, variableQueries } from './dashboard-queries';
import { buildDashboards, renderDashboard } from './generate-dashboards';
import { dashboardSchema, layoutProblems } from './grafana-dashboard.schema';
import { catalogueProblems } from './metric-catalogue';
import { checkExpressions, loadRuleFiles, recordedSeries, REPO_ROOT } from './promtool';

const DASHBOARD_DIR = join(REPO_ROOT, 'grafana', 'dashboards');
const dashboards = loadDashboards(DASHBOARD_DIR);

describe('grafana/dashboards', () => {
  it('holds the four dashboards, each with a unique uid and title', () => {
    expect(dashboards.map((d) => d.uid).sort()).toEqual([
      'jeeves-kafka',
      'jeeves-load-test',
      'jeeves-overview',
      'jeeves-resilience',
    ]);
    expect(new Set(dashboards.map((d) => d.title)).size).toBe(dashboards.length);
  });

  it('are what generate-dashboards.ts writes (edit the generator, then regenerate)', () => {
    const generated = buildDashboards();
    const files = readdirSync(DASHBOARD_DIR).filter((f) => f.endsWith('.json'));
    expect(files.sort()).toEqual(Object.keys(generated).sort());
    for (const [file, model] of Object.entries(generated)) {
      expect({ file, json: readFileSync(join(DASHBOARD_DIR, file), 'utf8') }).toEqual({
        file,
        json: renderDashboard(model),
      });
    }
  });

  describe.each(dashboards.map((d) => [d.uid, d] as const))('%s', (uid, dashboard) => {
    const { file: _file, ...model } = dashboard;

    it('matches the dashboard schema', () => {
      const result = dashboardSchema.safeParse(model);
      expect(result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([]);
    });

    it('has no overlapping panels, duplicate ids or duplicate refIds', () => {
      expect(layoutProblems(dashboardSchema.parse(model))).toEqual([]);
    });

    it('lets the user pick the instance (and the service where it applies)', () => {
      const names = dashboard.templating.list.map((v) => v.name);
      expect(names).toContain('instance');
      if (uid !== 'jeeves-load-test') expect(names).toEqual(['service', 'instance']);
    });

    it('uses only variables it defines or Grafana provides', () => {
      const defined = new Set([...dashboard.templating.list.map((v) => v.name), ...Object.keys(BUILTIN_VARS)]);
      const exprs = [
        ...allPanels(dashboard).flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
        ...dashboard.templating.list.map((v) => (typeof v.query === 'string' ? v.query : (v.query?.query ?? ''))),
      ];
      const used = exprs.flatMap((e) => [...e.matchAll(/\$\{?(\w+)/g)].map((m) => m[1]));
      expect(used.filter((v) => !defined.has(v))).toEqual([]);
    });

    it('gives every panel at least one query', () => {
      const empty = allPanels(dashboard).filter((p) => p.type !== 'row' && (p.targets ?? []).length === 0);
      expect(empty.map((p) => p.title)).toEqual([]);
    });

    it('queries only catalogued metrics and their labels', () => {
      const extra = recordedSeries(loadRuleFiles());
      const problems = [...panelQueries(dashboard), ...variableQueries(dashboard)].flatMap((q) =>
        catalogueProblems(q.expr, extra).map((p) => `${q.panel} ${q.refId}: ${p}`),
      );
      expect(problems).toEqual([]);
    });

    it('asks for exemplars only on histogram queries', () => {
      const targets = allPanels(dashboard).flatMap(
        (p) => (p.targets ?? []) as ReadonlyArray<{ expr: string; exemplar?: boolean }>,
      );
      expect(targets.filter((t) => t.exemplar && !t.expr.includes('_bucket')).map((t) => t.expr)).toEqual([]);
    });
  });

  it('parse as PromQL (promtool check rules on every query, variables expanded)', () => {
    const queries = dashboards.flatMap((d) => [...panelQueries(d), ...variableQueries(d)]);
    expect(queries.length).toBeGreaterThan(40);
    // Once with every variable at "All", once with concrete values as a user would pick them.
    const concrete = dashboards.flatMap((d) => panelQueries(d, { service: 'gateway', instance: '127.0.0.1:3000' }));
    const result = checkExpressions(
      [...queries, ...concrete].map((q) => ({ name: `${q.dashboard} / ${q.panel} / ${q.refId}`, expr: q.expr })),
    );
    expect(result.output).toContain(`SUCCESS: ${queries.length + concrete.length} rules found`);
    expect(result.status).toBe(0);
  });
});
