import { parseArgs, UsageError, type LabCommand } from '../command';
import { kill, openLab } from '../lab';

export const command: LabCommand = {
  name: 'kill',
  usage: '<app>',
  summary: 'SIGKILL an app instance (a crash; restart it with `restart`)',
  async run(args, io) {
    const [id] = parseArgs(args).positional;
    if (!id) throw new UsageError('Which app? e.g. `npm run lab -- kill worker`');
    await kill(openLab(io.env), id, io.log);
  },
};
