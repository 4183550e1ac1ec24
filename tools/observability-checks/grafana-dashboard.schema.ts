/**
 * A strict schema of the Grafana dashboard JSON model (schemaVersion 39, Grafana 10-12) covering what
 * Grafana needs to load a provisioned dashboard and every field our dashboards use. Grafana publishes
 * no maintained JSON Schema for the model, so this is written from its docs ("JSON model") and kept
 * strict: an unknown top-level or panel field fails, which catches typos such as `gridpos` that
 * Grafana would silently ignore. Panel `options` and `fieldConfig.defaults.custom` are per-plugin
 * and stay open.
 */
import { z } from 'zod';

/** Grafana's uid rule: at most 40 characters of letters, digits, `-` and `_`. */
export const uidSchema = z.string().regex(/^[a-zA-Z0-9_-]{1,40}$/, 'uid: 1-40 characters of [a-zA-Z0-9_-]');

/** Every panel and target points at the provisioned Prometheus by its stable uid. */
export const prometheusRefSchema = z.strictObject({ type: z.literal('prometheus'), uid: z.literal('prometheus') });

export const gridPosSchema = z
  .strictObject({
    x: z.int().min(0).max(23),
    y: z.int().min(0),
    w: z.int().min(1).max(24),
    h: z.int().min(1),
  })
  .refine((g) => g.x + g.w <= 24, { message: 'gridPos: x + w must be at most 24' });

export const targetSchema = z.strictObject({
  refId: z.string().regex(/^[A-Z]$/, 'refId: one capital letter'),
  datasource: prometheusRefSchema,
  expr: z.string().min(1),
  legendFormat: z.string().optional(),
  range: z.boolean().optional(),
  instant: z.boolean().optional(),
  exemplar: z.boolean().optional(),
  interval: z.string().optional(),
  hide: z.boolean().optional(),
});

const thresholdStepSchema = z.strictObject({ value: z.number().nullable(), color: z.string().min(1) });

const fieldConfigSchema = z.strictObject({
  defaults: z.strictObject({
    unit: z.string().min(1),
    min: z.number().optional(),
    max: z.number().optional(),
    decimals: z.number().optional(),
    mappings: z
      .array(
        z.looseObject({
          type: z.enum(['value', 'range', 'regex', 'special']),
          options: z.record(z.string(), z.unknown()),
        }),
      )
      .optional(),
    thresholds: z
      .strictObject({ mode: z.enum(['absolute', 'percentage']), steps: z.array(thresholdStepSchema).min(1) })
      .optional(),
    color: z.looseObject({ mode: z.string() }).optional(),
    custom: z.record(z.string(), z.unknown()).optional(),
  }),
  overrides: z.array(z.looseObject({ matcher: z.looseObject({ id: z.string() }), properties: z.array(z.unknown()) })),
});

const PANEL_TYPES = ['timeseries', 'stat', 'state-timeline', 'gauge', 'bargauge', 'table', 'heatmap', 'text'] as const;

export const panelSchema = z.strictObject({
  id: z.int().positive(),
  type: z.enum(PANEL_TYPES),
  title: z.string().min(1),
  description: z.string().optional(),
  datasource: prometheusRefSchema,
  gridPos: gridPosSchema,
  fieldConfig: fieldConfigSchema,
  options: z.record(z.string(), z.unknown()),
  targets: z.array(targetSchema).min(1),
  transformations: z.array(z.looseObject({ id: z.string() })).optional(),
  interval: z.string().optional(),
  maxDataPoints: z.number().optional(),
});

export const rowSchema = z.strictObject({
  id: z.int().positive(),
  type: z.literal('row'),
  title: z.string().min(1),
  collapsed: z.boolean(),
  gridPos: gridPosSchema.refine((g) => g.x === 0 && g.w === 24 && g.h === 1, {
    message: 'a row spans the full width, height 1',
  }),
  /** Panels of a collapsed row; empty for an open row (its panels follow it at top level). */
  panels: z.array(panelSchema),
});

export const variableSchema = z.strictObject({
  name: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/),
  label: z.string().optional(),
  type: z.literal('query'),
  datasource: prometheusRefSchema,
  definition: z.string().min(1),
  query: z.strictObject({ qryType: z.number(), query: z.string().min(1), refId: z.string() }),
  refresh: z.union([z.literal(1), z.literal(2)]),
  includeAll: z.boolean(),
  multi: z.boolean(),
  allValue: z.string().optional(),
  current: z.looseObject({ text: z.unknown(), value: z.unknown() }),
  options: z.array(z.unknown()),
  regex: z.string(),
  sort: z.int().min(0).max(8),
  hide: z.union([z.literal(0), z.literal(1), z.literal(2)]),
});

const linkSchema = z.strictObject({
  type: z.enum(['link', 'dashboards']),
  title: z.string(),
  url: z.string(),
  keepTime: z.boolean(),
  includeVars: z.boolean(),
  targetBlank: z.boolean(),
  icon: z.string(),
  tags: z.array(z.string()),
  asDropdown: z.boolean(),
  tooltip: z.string(),
});

const annotationSchema = z.looseObject({
  name: z.string(),
  enable: z.boolean(),
  datasource: z.looseObject({ type: z.string(), uid: z.string() }),
});

export const dashboardSchema = z.strictObject({
  uid: uidSchema,
  title: z.string().min(1),
  description: z.string().optional(),
  tags: z.array(z.string()),
  schemaVersion: z.int().min(36).max(41),
  version: z.int().min(0),
  editable: z.boolean(),
  graphTooltip: z.union([z.literal(0), z.literal(1), z.literal(2)]),
  timezone: z.enum(['browser', 'utc', '']),
  refresh: z.union([z.string().regex(/^\d+[smhd]$/), z.literal('')]),
  time: z.strictObject({ from: z.string(), to: z.string() }),
  links: z.array(linkSchema),
  annotations: z.strictObject({ list: z.array(annotationSchema) }),
  templating: z.strictObject({ list: z.array(variableSchema) }),
  panels: z.array(z.union([rowSchema, panelSchema])).min(1),
});

export type DashboardModel = z.infer<typeof dashboardSchema>;

type Grid = { x: number; y: number; w: number; h: number };

/**
 * Layout problems the schema cannot see: duplicate panel ids, duplicate refIds within a panel, and
 * panels that overlap on the grid (Grafana moves them, so the layout is not what the file says).
 */
export function layoutProblems(dashboard: DashboardModel): string[] {
  const problems: string[] = [];
  const ids = new Set<number>();
  const placed: Array<{ title: string; g: Grid }> = [];
  const panels = dashboard.panels.flatMap((p) => (p.type === 'row' ? [p, ...p.panels] : [p]));
  for (const p of panels) {
    if (ids.has(p.id)) problems.push(`panel id ${p.id} is used twice`);
    ids.add(p.id);
    if (p.type !== 'row') {
      const refIds = p.targets.map((t) => t.refId);
      if (new Set(refIds).size !== refIds.length) problems.push(`${p.title}: duplicate refId`);
    }
    const g = p.gridPos;
    for (const other of placed) {
      const o = other.g;
      if (g.x < o.x + o.w && o.x < g.x + g.w && g.y < o.y + o.h && o.y < g.y + g.h)
        problems.push(`${p.title} overlaps ${other.title}`);
    }
    placed.push({ title: p.title, g });
  }
  return problems;
}
