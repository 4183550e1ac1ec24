import { type LabCommand, stringFlag, UsageError } from '../command';
import { logs, openLab } from '..';

export const command: LabCommand = {
  name: 'logs',
  usage: '<app|kafka|broker-N|prometheus|zipkin|console> [--lines N]',
  summary: 'print the tail of a log from the lab state dir',
  flags: { lines: stringFlag('N', 'how many lines of the tail (default 60)') },
  async run({ positional, flags }, io) {
    const [id] = positional;
    if (!id) throw new UsageError('Whose logs? e.g. `npm run lab -- logs gateway`');
    const lines = Number(flags.get('lines') ?? 60);
    if (!Number.isInteger(lines) || lines < 1) throw new UsageError('--lines takes a positive integer');
    io.out(logs(openLab(io.env), id, lines) || `(no log yet for ${id})`);
  },
};
