import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { catalogueProblems } from './metric-catalogue';
import { docAnchors } from './docs-anchors';
import { loadRuleFiles, promtool, recordedSeries, REPO_ROOT, RULES_DIR } from './promtool';

const PROMETHEUS_DIR = join(REPO_ROOT, 'prometheus');
const TESTS_DIR = join(PROMETHEUS_DIR, 'tests');
const ruleFiles = loadRuleFiles();
const rules = ruleFiles.flatMap((f) => f.groups.flatMap((g) => g.rules));
const alerts = rules.filter((r) => r.alert);
const recordings = rules.filter((r) => r.record);

// prometheus.yml scrapes the apps on the host; prometheus-compose-apps.yml the compose `apps`
// profile's containers, by service name. Everything else in the two must be the same.
const APP_PORTS = {
  gateway: 3000,
  'token-dealer': 3001,
  'data-service': 3002,
  provider: 3003,
  bot: 3004,
  worker: 3005,
} as const;

describe.each([
  ['prometheus.yml', () => 'host.docker.internal'],
  ['prometheus-compose-apps.yml', (service: string) => service],
])('prometheus/%s (compose stack)', (fileName, hostOf) => {
  const configText = readFileSync(join(PROMETHEUS_DIR, fileName), 'utf8');

  it('passes promtool check config, including the rule files it loads', () => {
    // In the container the rules sit under /etc/prometheus/rules; point the glob at the repo's copy
    // so promtool checks the config and the rules together.
    const dir = mkdtempSync(join(tmpdir(), 'prometheus-config-'));
    const file = join(dir, 'prometheus.yml');
    expect(configText).toContain('/etc/prometheus/rules/*.yml');
    writeFileSync(file, configText.replace('/etc/prometheus/rules/*.yml', join(RULES_DIR, '*.yml')));
    const result = promtool(['check', 'config', file]);
    expect(result.output).toContain(`SUCCESS: ${ruleFiles.length} rule files found`);
    expect(result.status).toBe(0);
  });

  it('scrapes all six apps on their default ports, labelled with their service, as job jeeves', () => {
    const config = parse(configText) as {
      scrape_configs: Array<{
        job_name: string;
        static_configs: Array<{ targets: string[]; labels?: Record<string, string> }>;
      }>;
    };
    const jeeves = config.scrape_configs.find((s) => s.job_name === 'jeeves');
    const targets = Object.fromEntries((jeeves?.static_configs ?? []).map((s) => [s.labels?.service, s.targets]));
    expect(targets).toEqual(
      Object.fromEntries(Object.entries(APP_PORTS).map(([service, port]) => [service, [`${hostOf(service)}:${port}`]])),
    );
  });
});

it('prometheus-compose-apps.yml is prometheus.yml with the apps addressed by compose name', () => {
  const host = parse(readFileSync(join(PROMETHEUS_DIR, 'prometheus.yml'), 'utf8')) as unknown;
  const apps = parse(readFileSync(join(PROMETHEUS_DIR, 'prometheus-compose-apps.yml'), 'utf8')) as unknown;
  const renamed = JSON.stringify(apps).replace(
    new RegExp(`"(${Object.keys(APP_PORTS).join('|')}):(\\d+)"`, 'g'),
    '"host.docker.internal:$2"',
  );
  expect(JSON.parse(renamed)).toEqual(host);
});

describe('prometheus/rules', () => {
  it('passes promtool check rules', () => {
    const files = ruleFiles.map((f) => f.file);
    const result = promtool(['check', 'rules', ...files]);
    expect(result.output).not.toMatch(/FAILED|error/i);
    expect(result.status).toBe(0);
  });

  it('passes its promtool unit tests (prometheus/tests)', () => {
    const tests = readdirSync(TESTS_DIR).filter((f) => f.endsWith('.test.yml'));
    expect(tests.length).toBeGreaterThan(0);
    const result = promtool(['test', 'rules', ...tests], TESTS_DIR);
    expect(result.output).not.toContain('FAILED');
    expect(result.status).toBe(0);
  });

  it('names recorded series level:metric:operations', () => {
    const bad = recordings
      .map((r) => r.record as string)
      .filter((name) => !/^[a-z_]*:[a-z0-9_]+:[a-z0-9_]+$/.test(name));
    expect(bad).toEqual([]);
  });

  it('queries only catalogued metrics and their labels', () => {
    const extra = recordedSeries(ruleFiles);
    const problems = rules.flatMap((r) => catalogueProblems(r.expr, extra).map((p) => `${r.record ?? r.alert}: ${p}`));
    expect(problems).toEqual([]);
  });

  it('has the alerts the runbooks describe', () => {
    expect(alerts.map((a) => a.alert).sort()).toEqual(
      [
        'JeevesBreakerOpen',
        'JeevesDeadLettersReceived',
        'JeevesDeadLettersRefused',
        'JeevesErrorBudgetBurnFast',
        'JeevesErrorBudgetBurnSlow',
        'JeevesServiceDown',
        'KafkaConsumerLagGrowing',
      ].sort(),
    );
  });

  describe.each(alerts.map((a) => [a.alert as string, a] as const))('alert %s', (name, alert) => {
    it('has a severity, a summary and a description', () => {
      expect(['critical', 'warning', 'info']).toContain(alert.labels?.severity);
      expect(alert.annotations?.summary?.trim()).toBeTruthy();
      expect(alert.annotations?.description?.trim()).toBeTruthy();
    });

    it('links to a runbook section that exists in docs/observability.md', () => {
      const url = alert.annotations?.runbook_url ?? '';
      expect(url).toBe(`docs/observability.md#${name.toLowerCase()}`);
      expect(docAnchors(join(REPO_ROOT, 'docs', 'observability.md'))).toContain(name.toLowerCase());
    });

    it('is unit-tested both firing and not firing', () => {
      const cases = readdirSync(TESTS_DIR)
        .filter((f) => f.endsWith('.test.yml'))
        .flatMap((f) => {
          const suite = parse(readFileSync(join(TESTS_DIR, f), 'utf8')) as {
            tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts: unknown[] }> }>;
          };
          return suite.tests.flatMap((t) => t.alert_rule_test ?? []);
        })
        .filter((c) => c.alertname === name);
      expect(cases.some((c) => c.exp_alerts.length > 0)).toBe(true);
      expect(cases.some((c) => c.exp_alerts.length === 0)).toBe(true);
    });
  });
});
