import { UsageError, type LabCommand } from '../command';
import { openLab, restart, requireRunning } from '..';

export const command: LabCommand = {
  name: 'restart',
  usage: '<app|kafka>',
  summary: 'stop (SIGTERM, then SIGKILL after a deadline) and start again, waiting until ready',
  async run({ positional }, io) {
    const [id, ...extra] = positional;
    if (!id || extra.length > 0)
      throw new UsageError('Which part? e.g. `npm run lab -- restart worker` or `restart kafka`');
    const config = openLab(io.env);
    // An app comes up ready only with its broker; `restart kafka` is what starts the broker.
    if (id !== 'kafka') await requireRunning(config, ['kafka']);
    await restart(config, id, io.log);
  },
};
