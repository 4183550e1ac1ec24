import { UsageError, type LabCommand } from '../command';
import { isBrokerName, openLab, restart, requireRunning } from '..';

export const command: LabCommand = {
  name: 'restart',
  usage: '<app|kafka|broker-N>',
  summary:
    'stop (SIGTERM, then SIGKILL after a deadline) and start again, waiting until ready; `kafka` is every broker, `broker-N` one of a --brokers 3 lab',
  async run({ positional }, io) {
    const [id, ...extra] = positional;
    if (!id || extra.length > 0)
      throw new UsageError('Which part? e.g. `npm run lab -- restart worker` or `restart kafka`');
    const config = openLab(io.env);
    // An app comes up ready only with its broker; `restart kafka` / `broker-N` is what starts a broker.
    if (id !== 'kafka' && !isBrokerName(id)) await requireRunning(config, ['kafka']);
    await restart(config, id, io.log);
  },
};
