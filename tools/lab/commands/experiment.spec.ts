import { UsageError, type CommandIo } from '../command';
import { command, experimentResultsRoot } from './experiment';

/** Flag checks happen before anything runs: no lab is needed, none is touched. */
describe('lab experiment flags', () => {
  const io: CommandIo = { out: () => undefined, log: () => undefined, env: { LAB_STATE_DIR: '/nonexistent-lab' } };
  const run = (flags: Array<[string, string | true]>) =>
    command.run({ positional: ['reads-under-rebalance'], flags: new Map(flags) }, io);

  it.each([',', 'kafka,', ' , http'])('refuses --variant %j (an empty name) as a usage error', async (value) => {
    await expect(run([['variant', value]])).rejects.toThrow(UsageError);
  });

  it.each(['0', '-1', '1.5', 'x', '21'])('refuses --rounds %s', async (value) => {
    await expect(run([['rounds', value]])).rejects.toThrow(/--rounds takes a whole number from 1 to 20/);
  });

  it('leaves no Ctrl-C handler behind when it refuses its flags', async () => {
    const before = process.listenerCount('SIGINT');
    await expect(run([['rounds', '0']])).rejects.toThrow(UsageError);
    expect(process.listenerCount('SIGINT')).toBe(before);
  });
});

describe('EXPERIMENT_RESULTS_ROOT', () => {
  it('is the results root when set, and unset when blank', () => {
    expect(experimentResultsRoot({ EXPERIMENT_RESULTS_ROOT: '/tmp/results' })).toBe('/tmp/results');
    expect(experimentResultsRoot({ EXPERIMENT_RESULTS_ROOT: '  ' })).toBeUndefined();
    expect(experimentResultsRoot({})).toBeUndefined();
  });
});
