import type { LabCommand } from '../command';
import { loadLabConfig } from '../config';
import { up } from '../lab';

export const command: LabCommand = {
  name: 'up',
  summary: 'start Kafka (unless KAFKA_BROKERS), Prometheus (if installed) and all apps; wait until ready',
  async run(_args, io) {
    const startedAt = Date.now();
    const config = loadLabConfig(io.env);
    const lab = await up(config, { log: io.log });
    const lines = [
      `Lab up in ${((Date.now() - startedAt) / 1000).toFixed(1)} s (state: ${lab.stateDir}${lab.topicPrefix ? `, topic prefix: ${lab.topicPrefix}` : ''})`,
      `  kafka        ${lab.brokers}${lab.kafkaMode === 'external' ? ' (external)' : ''}`,
      `  prometheus   ${lab.prometheusUrl ?? '(not running)'}`,
      ...Object.entries(lab.apps).map(([name, a]) => `  ${name.padEnd(12)} ${a.url}`),
      'Next: npm run lab -- status | logs <app> | down',
    ];
    io.out(lines.join('\n'));
  },
};
