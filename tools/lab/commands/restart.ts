import { UsageError, type LabCommand } from '../command';
import { openLab, restart } from '../lab';

export const command: LabCommand = {
  name: 'restart',
  usage: '<app|kafka>',
  summary: 'stop (SIGTERM, then SIGKILL after a deadline) and start again, waiting until ready',
  async run({ positional }, io) {
    const [id, ...extra] = positional;
    if (!id || extra.length > 0)
      throw new UsageError('Which part? e.g. `npm run lab -- restart worker` or `restart kafka`');
    await restart(openLab(io.env), id, io.log);
  },
};
