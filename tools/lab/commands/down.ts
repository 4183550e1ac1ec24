import { UsageError, type LabCommand } from '../command';
import { down, openLab } from '../lab';

export const command: LabCommand = {
  name: 'down',
  summary: 'stop everything this lab started (by its pid files), and nothing else',
  async run({ positional }, io) {
    if (positional.length > 0) throw new UsageError(`down takes no arguments (got ${positional.join(' ')})`);
    const config = openLab(io.env);
    await down(config, io.log);
    io.out(`Lab down (${config.stateDir}).`);
  },
};
