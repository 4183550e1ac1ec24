import type { LabCommand } from '../command';
import { down, openLab } from '../lab';

export const command: LabCommand = {
  name: 'down',
  summary: 'stop everything this lab started (by its pid files), and nothing else',
  async run(_args, io) {
    const config = openLab(io.env);
    await down(config, io.log);
    io.out(`Lab down (${config.stateDir}).`);
  },
};
