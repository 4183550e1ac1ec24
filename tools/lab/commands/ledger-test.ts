import { UsageError, type LabCommand } from '../command';
import { describeInstance } from '../instances';
import { kill, openLab, restart } from '../lab';
import { type Disruption, formatLedger, runLedger } from '../../ledger/ledger';

export const command: LabCommand = {
  name: 'ledger-test',
  usage: '[--messages 2000] [--concurrency 16] [--no-broker-restart] [--json]',
  summary:
    'no-loss ledger: sends messages while kill -9-ing and restarting a worker and restarting Kafka; exit 1 if any was lost or duplicated',
  flags: {
    messages: { type: 'string', valueName: 'N', description: 'messages to send (at least 10; default 2000)' },
    concurrency: { type: 'string', valueName: 'N', description: 'POSTs in flight at once (default 16)' },
    'no-broker-restart': { type: 'boolean', description: 'leave the broker alone (only the worker is crashed)' },
    json: { type: 'boolean', description: 'print the report as JSON' },
  },
  async run({ positional, flags }, io) {
    if (positional.length > 0) throw new UsageError(`ledger-test takes no arguments (got ${positional.join(' ')})`);
    const messages = Number(flags.get('messages') ?? 2000);
    const concurrency = Number(flags.get('concurrency') ?? 16);
    if (!Number.isInteger(messages) || messages < 10) throw new UsageError('--messages needs a whole number ≥ 10');
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new UsageError('--concurrency needs a whole number ≥ 1');
    const config = openLab(io.env);
    const url = (app: Parameters<typeof describeInstance>[1]) => describeInstance(config, app).url;
    const disruptions: Disruption[] = [
      {
        name: 'kill -9 worker, then restart it',
        atFraction: 0.3,
        run: async () => {
          await kill(config, 'worker', io.log);
          await restart(config, 'worker', io.log);
        },
      },
    ];
    if (!flags.has('no-broker-restart'))
      disruptions.push({ name: 'restart kafka', atFraction: 0.6, run: () => restart(config, 'kafka', io.log) });
    const report = await runLedger({
      gatewayUrl: url('gateway'),
      dataServiceUrl: url('data-service'),
      tokenDealerUrl: url('token-dealer'),
      messages,
      concurrency,
      disruptions,
      log: io.log,
    });
    io.out(flags.has('json') ? JSON.stringify(report, null, 2) : formatLedger(report));
    const disruptionFailed = report.disruptions.some((d) => d.error);
    return report.lost.length === 0 && report.duplicated.length === 0 && !disruptionFailed ? 0 : 1;
  },
};
