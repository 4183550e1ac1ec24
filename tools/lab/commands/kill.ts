import { UsageError, type LabCommand } from '../command';
import { kill, openLab } from '..';

export const command: LabCommand = {
  name: 'kill',
  usage: '<app>|broker-N',
  summary: 'SIGKILL an app instance or one broker of a --brokers 3 lab (a crash; bring it back with `restart`)',
  async run({ positional }, io) {
    const [id, ...extra] = positional;
    if (!id || extra.length > 0)
      throw new UsageError('Which app or broker (one)? e.g. `npm run lab -- kill worker` or `kill broker-2`');
    await kill(openLab(io.env), id, io.log);
  },
};
