import { booleanFlag, type LabCommand, stringFlag, UsageError } from '../command';
import { describeInstance, kill, openLab, pause, restart, requireRunning, WHOLE_PIPELINE } from '..';
import { type Disruption, formatLedger, ledgerPassed, runLedger } from '../../ledger/ledger';
import { parseDurationMs } from './chaos';

export const command: LabCommand = {
  name: 'ledger-test',
  usage:
    '[--messages 2000] [--concurrency 16] [--no-broker-restart] [--pause-broker 15s] [--keyless-share 0.5] [--json]',
  summary:
    'no-loss ledger: sends messages while kill -9-ing and restarting a worker and restarting Kafka; exit 1 if any was lost, duplicated or stored unannounced',
  flags: {
    messages: stringFlag('N', 'messages to send (at least 10; default 2000)'),
    concurrency: stringFlag('N', 'POSTs in flight at once (default 16)'),
    'no-broker-restart': booleanFlag('leave the broker alone (only the worker is crashed)'),
    'pause-broker': stringFlag(
      '15s',
      "also freeze the lab's broker (SIGSTOP) this long at 45 % of the run: POSTs meanwhile get 503s",
    ),
    'keyless-share': stringFlag(
      '0.5',
      'share of messages sent without an Idempotency-Key, whose client gives up on a 503 keeping the id (default 0)',
    ),
    json: booleanFlag('print the report as JSON'),
  },
  async run({ positional, flags }, io) {
    if (positional.length > 0) throw new UsageError(`ledger-test takes no arguments (got ${positional.join(' ')})`);
    const messages = Number(flags.get('messages') ?? 2000);
    const concurrency = Number(flags.get('concurrency') ?? 16);
    const keylessShare = Number(flags.get('keyless-share') ?? 0);
    if (!Number.isInteger(messages) || messages < 10) throw new UsageError('--messages needs a whole number ≥ 10');
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new UsageError('--concurrency needs a whole number ≥ 1');
    if (!(keylessShare >= 0 && keylessShare <= 1)) throw new UsageError('--keyless-share needs a number from 0 to 1');
    const pauseFlag = flags.get('pause-broker');
    const pauseMs = typeof pauseFlag === 'string' ? parseDurationMs(pauseFlag) : undefined;
    const config = openLab(io.env);
    await requireRunning(config, WHOLE_PIPELINE);
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
    if (pauseMs !== undefined)
      disruptions.push({
        name: `pause kafka ${pauseMs} ms`,
        atFraction: 0.45,
        run: () => pause(config, 'kafka', pauseMs, io.log),
      });
    if (!flags.has('no-broker-restart'))
      disruptions.push({ name: 'restart kafka', atFraction: 0.6, run: () => restart(config, 'kafka', io.log) });
    const report = await runLedger({
      gatewayUrl: url('gateway'),
      dataServiceUrl: url('data-service'),
      tokenDealerUrl: url('token-dealer'),
      messages,
      concurrency,
      disruptions,
      keylessShare,
      log: io.log,
    });
    io.out(flags.has('json') ? JSON.stringify(report, null, 2) : formatLedger(report));
    const disruptionFailed = report.disruptions.some((d) => d.error);
    return ledgerPassed(report) && !disruptionFailed ? 0 : 1;
  },
};
