import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadLabConfig, prometheusConfig, prometheusPaths, targetGroups } from '../lab';
import { loadRuleFiles, promtool } from './promtool';

/**
 * The lab generates its own Prometheus config (tools/lab/prometheus.ts). The alerts and dashboards
 * rely on parts of it: the rules are loaded, the apps are job `jeeves` (JeevesServiceDown selects
 * `up{job="jeeves"}`), and every target carries `service` and `instance` (the dashboards' variables).
 */
describe("the lab's generated Prometheus config", () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'lab-prometheus-'));
  const config = loadLabConfig({}, { stateDir });
  const paths = prometheusPaths(config);
  const text = prometheusConfig(config, paths);

  it('passes promtool check config and loads every rule file of prometheus/rules', () => {
    mkdirSync(paths.dir, { recursive: true });
    writeFileSync(paths.targets, '[]\n');
    writeFileSync(paths.config, text);
    const result = promtool(['check', 'config', paths.config]);
    expect(result.output).toContain(`SUCCESS: ${loadRuleFiles().length} rule files found`);
    expect(result.status).toBe(0);
  });

  it('scrapes the apps as job jeeves, with targets labelled service and instance', () => {
    const parsed = parse(text) as { scrape_configs: Array<{ job_name: string; file_sd_configs?: unknown[] }> };
    expect(parsed.scrape_configs.find((s) => s.job_name === 'jeeves')?.file_sd_configs).toBeDefined();
    const [group] = targetGroups([
      { app: 'gateway', instance: 1, id: 'gateway', port: 3000, url: 'http://127.0.0.1:3000' },
    ]);
    expect(group.labels).toMatchObject({ service: 'gateway', instance: '127.0.0.1:3000' });
  });
});
