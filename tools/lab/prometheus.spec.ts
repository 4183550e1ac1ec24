import { parse } from 'yaml';
import { loadLabConfig } from './config';
import { describeInstance } from './instances';
import { prometheusConfig, prometheusPaths, targetGroups } from './prometheus';

describe('lab Prometheus config', () => {
  const config = loadLabConfig({ LAB_STATE_DIR: '/tmp/some-lab' });

  it('scrapes the targets file every 5 s and loads the repo rules by absolute glob', () => {
    const paths = prometheusPaths(config);
    const doc = parse(prometheusConfig(config, paths)) as {
      global: { scrape_interval: string };
      rule_files: string[];
      scrape_configs: Array<{ job_name: string; file_sd_configs?: Array<{ files: string[] }> }>;
    };
    expect(doc.global.scrape_interval).toBe('5s');
    expect(doc.rule_files[0]).toMatch(/^\/.*\/prometheus\/rules\/\*\.yml$/);
    const jeeves = doc.scrape_configs.find((s) => s.job_name === 'jeeves');
    expect(jeeves?.file_sd_configs?.[0].files).toEqual(['/tmp/some-lab/prometheus/targets.json']);
  });

  it('labels each instance with its service and host:port', () => {
    const groups = targetGroups([describeInstance(config, 'worker', 1), describeInstance(config, 'worker', 2)]);
    expect(groups).toEqual([
      { targets: ['127.0.0.1:3005'], labels: { service: 'worker', instance: '127.0.0.1:3005', instance_id: 'worker' } },
      {
        targets: ['127.0.0.1:4015'],
        labels: { service: 'worker', instance: '127.0.0.1:4015', instance_id: 'worker-2' },
      },
    ]);
  });
});
