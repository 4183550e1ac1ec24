/**
 * Reads the provisioned Grafana dashboards and lists every PromQL query in them with template
 * variables expanded, so tests can parse them (promtool) or run them against a live Prometheus.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The parts of Grafana's dashboard model these checks read; the schema in grafana-dashboard.schema.ts is stricter. */
export interface DashboardTarget {
  readonly refId: string;
  readonly expr: string;
  readonly legendFormat?: string;
  readonly hide?: boolean;
}

export interface DashboardPanel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly targets?: readonly DashboardTarget[];
  /** Collapsed rows keep their panels inside the row. */
  readonly panels?: readonly DashboardPanel[];
}

export interface DashboardVariable {
  readonly name: string;
  readonly type: string;
  readonly definition?: string;
  readonly query?: string | { readonly query: string };
}

export interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly panels: readonly DashboardPanel[];
  readonly templating: { readonly list: readonly DashboardVariable[] };
  /** File the dashboard came from, set by loadDashboards. */
  readonly file?: string;
}

export interface PanelQuery {
  /** Dashboard uid. */
  readonly dashboard: string;
  readonly panel: string;
  readonly refId: string;
  readonly expr: string;
}

/** Values for template variables. Multi-value variables are regexes in our queries (`=~"$service"`). */
export type TemplateVars = Readonly<Record<string, string>>;

/**
 * Grafana's built-in variables, set to what Grafana would pick for a 15-minute range with a 5s scrape
 * interval ($__rate_interval is at least four scrape intervals).
 */
export const BUILTIN_VARS: TemplateVars = {
  __rate_interval: '1m',
  __interval: '15s',
  __range: '15m',
  __range_s: '900',
};

/** Every variable at "All": each of our multi-value variables means `.*` then. */
export const ALL_VARS: TemplateVars = { service: '.*', instance: '.*' };

/** Reads every *.json dashboard in a directory, sorted by file name. */
export function loadDashboards(dir: string): Dashboard[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const file = join(dir, f);
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as Dashboard;
      return { ...parsed, file };
    });
}

/**
 * Replaces `$name`, `${name}`, `${name:regex}` and `[[name]]` with the given values (built-ins
 * included). A variable without a value throws: a query that still holds `$x` is not PromQL.
 */
export function expandVariables(expr: string, vars: TemplateVars): string {
  const values: TemplateVars = { ...BUILTIN_VARS, ...vars };
  const lookup = (name: string): string => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for template variable $${name} in: ${expr}`);
    return value;
  };
  return expr
    .replace(/\$\{(\w+)(?::\w+)?\}/g, (_m, name: string) => lookup(name))
    .replace(/\[\[(\w+)(?::\w+)?\]\]/g, (_m, name: string) => lookup(name))
    .replace(/\$(\w+)/g, (_m, name: string) => lookup(name));
}

/** Panels in layout order, including those inside collapsed rows. */
export function allPanels(dashboard: Dashboard): DashboardPanel[] {
  return dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

/** Every visible target's query with variables expanded (vars default to "All"). */
export function panelQueries(dashboard: Dashboard, vars: TemplateVars = ALL_VARS): PanelQuery[] {
  return allPanels(dashboard).flatMap((panel) =>
    (panel.targets ?? [])
      .filter((t) => !t.hide)
      .map((t) => ({
        dashboard: dashboard.uid,
        panel: panel.title,
        refId: t.refId,
        expr: expandVariables(t.expr, { ...ALL_VARS, ...vars }),
      })),
  );
}

/**
 * The series selector inside each query variable's `label_values(selector, label)`, expanded, as
 * `{dashboard, panel: 'variable <name>', expr}`: Grafana runs it as a series query, so it must parse
 * and select something too.
 */
export function variableQueries(dashboard: Dashboard, vars: TemplateVars = ALL_VARS): PanelQuery[] {
  return dashboard.templating.list
    .filter((v) => v.type === 'query')
    .map((v) => {
      const raw = typeof v.query === 'string' ? v.query : (v.query?.query ?? v.definition ?? '');
      const match = /^label_values\((.+),\s*(\w+)\)$/.exec(raw.trim());
      if (!match)
        throw new Error(`${dashboard.uid}: variable ${v.name} is not label_values(<selector>, <label>): ${raw}`);
      return {
        dashboard: dashboard.uid,
        panel: `variable ${v.name}`,
        refId: v.name,
        expr: expandVariables(match[1], { ...ALL_VARS, ...vars }),
      };
    });
}
