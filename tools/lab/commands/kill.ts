import { UsageError, type LabCommand } from '../command';
import { kill, openLab } from '..';

export const command: LabCommand = {
  name: 'kill',
  usage: '<app>',
  summary: 'SIGKILL an app instance (a crash; restart it with `restart`)',
  async run({ positional }, io) {
    const [id, ...extra] = positional;
    if (!id || extra.length > 0) throw new UsageError('Which app (one)? e.g. `npm run lab -- kill worker`');
    await kill(openLab(io.env), id, io.log);
  },
};
