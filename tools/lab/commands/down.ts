import { booleanFlag, type LabCommand, UsageError } from '../command';
import { down, openLab, wipeLab } from '..';

export const command: LabCommand = {
  name: 'down',
  usage: '[--wipe]',
  summary: 'stop everything this lab started (by its pid files), and nothing else; --wipe: then remove its state',
  flags: {
    wipe: booleanFlag(
      "after stopping, remove this lab's broker data, store, traces and Prometheus TSDB, so the next up starts from nothing",
    ),
  },
  async run({ positional, flags }, io) {
    if (positional.length > 0) throw new UsageError(`down takes no arguments (got ${positional.join(' ')})`);
    // Read before `down`: it removes lab.json, which says whether the broker is this lab's.
    const config = openLab(io.env);
    await down(config, io.log);
    if (!flags.has('wipe')) {
      io.out(`Lab down (${config.stateDir}).`);
      return;
    }
    const { removed, notes } = await wipeLab(config, { log: io.log, env: io.env });
    io.out(
      [
        `Lab down and wiped (${config.stateDir}): ${removed.length > 0 ? `removed ${removed.length} dirs` : 'nothing to remove'}; the next up starts from nothing.`,
        ...notes.map((n) => `  note: ${n}`),
      ].join('\n'),
    );
  },
};
