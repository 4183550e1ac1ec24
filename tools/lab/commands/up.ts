import { APP_NAMES, isAppName, loadLabConfig, up, prometheusNotRunning } from '..';
import { booleanFlag, type LabCommand, stringFlag, UsageError } from '../command';

export const command: LabCommand = {
  name: 'up',
  usage:
    '[--brokers 1|3] [--kafka-transport hardened|stock] [--gateway-reads http|kafka] [--no-trace-ui] [--no-console] [app ...]',
  summary:
    'start Kafka (unless KAFKA_BROKERS), the pinned Prometheus (built once with Go if missing), the Zipkin trace UI, all apps (or the ones named) and the lab console; wait until ready',
  flags: {
    brokers: stringFlag(
      '1|3',
      'how many Kafka brokers: 1 (the default) or 3, a KRaft cluster with replication factor 3 and min.insync.replicas 2 (LAB_BROKERS does the same)',
    ),
    'kafka-transport': stringFlag(
      'hardened|stock',
      "the consuming apps' Kafka transport: ours (hardened, the default) or Nest's own (stock)",
    ),
    'gateway-reads': stringFlag(
      'http|kafka',
      'how the gateway reads from data-service: its HTTP API (http, the default) or Kafka request-reply (kafka, ADR 0042)',
    ),
    'no-trace-ui': booleanFlag('leave out the Zipkin trace UI (about 150 MiB idle); LAB_TRACE_UI=off does the same'),
    'no-console': booleanFlag('leave out the lab console, the web page on 127.0.0.1:3010 (apps/console)'),
  },
  async run({ positional, flags }, io) {
    const startedAt = Date.now();
    const transport = flags.get('kafka-transport');
    if (transport === true)
      throw new UsageError('--kafka-transport needs a value: --kafka-transport hardened or --kafka-transport stock.');
    const reads = flags.get('gateway-reads');
    if (reads === true)
      throw new UsageError('--gateway-reads needs a value: --gateway-reads http or --gateway-reads kafka.');
    const brokers = flags.get('brokers');
    if (brokers === true) throw new UsageError('--brokers needs a value: --brokers 1 or --brokers 3.');
    if (brokers !== undefined && brokers !== '1' && brokers !== '3')
      throw new UsageError(`--brokers ${brokers}: the lab runs 1 or 3 brokers (a KRaft quorum of 2 survives no loss).`);
    const unknown = positional.filter((a) => !isAppName(a));
    if (unknown.length > 0)
      throw new UsageError(`Unknown app(s) ${unknown.join(', ')}; known: ${APP_NAMES.join(', ')}.`);
    const config = loadLabConfig(io.env, {
      ...(transport ? { kafkaTransport: transport } : {}),
      ...(reads ? { gatewayReads: reads } : {}),
      ...(brokers ? { brokerCount: Number(brokers) } : {}),
    });
    const lab = await up(config, {
      log: io.log,
      noTraceUi: flags.has('no-trace-ui'),
      noConsole: flags.has('no-console'),
      ...(positional.length > 0 ? { apps: positional.filter(isAppName) } : {}),
    });
    const lines = [
      `Lab up in ${((Date.now() - startedAt) / 1000).toFixed(1)} s (state: ${lab.stateDir}${lab.topicPrefix ? `, topic prefix: ${lab.topicPrefix}` : ''})`,
      `  kafka        ${lab.brokers}${lab.kafkaMode === 'external' ? ' (external)' : ''}, ${lab.kafkaTransport} transport, gateway reads over ${lab.gatewayReads ?? 'http'}`,
      ...((lab.brokerCount ?? 1) > 1 && lab.kafkaMode !== 'external'
        ? [
            `               ${lab.brokerCount} brokers (broker-1..${lab.brokerCount}), replication factor ${lab.brokerCount}, min.insync.replicas ${lab.minInsyncReplicas}`,
          ]
        : []),
      `  prometheus   ${lab.prometheusUrl ?? '(not running)'}`,
      `  zipkin       ${lab.zipkinUrl ? `${lab.zipkinUrl}/zipkin/` : '(not running)'}`,
      ...Object.entries(lab.apps)
        .filter(([name]) => positional.length === 0 || positional.includes(name))
        .map(([name, a]) => `  ${name.padEnd(12)} ${a.url}`),
      `  console      ${lab.consoleUrl ?? '(not running)'}`,
      'Next: npm run lab -- status | logs <app> | down',
      ...(lab.prometheusProblem ? [prometheusNotRunning(lab.prometheusProblem)] : []),
    ];
    io.out(lines.join('\n'));
  },
};
