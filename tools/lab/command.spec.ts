import { commandHelp, type LabCommand, parseCommandArgs, UsageError } from './command';

const verb: LabCommand = {
  name: 'demo',
  summary: 'a verb for the parser',
  usage: '<app> [--lines N] [--json]',
  flags: {
    lines: { type: 'string', valueName: 'N', description: 'how many lines' },
    json: { type: 'boolean', description: 'JSON out' },
  },
  run: async () => 0,
};

describe('parseCommandArgs (node:util parseArgs, one place for every verb)', () => {
  it('separates flags from positional arguments, values after "=" or a space', () => {
    const { positional, flags } = parseCommandArgs(verb, ['worker', '3', '--json', '--lines=20']);
    expect(positional).toEqual(['worker', '3']);
    expect(flags.get('json')).toBe(true);
    expect(flags.get('lines')).toBe('20');
    expect(parseCommandArgs(verb, ['--lines', '20', 'worker']).flags.get('lines')).toBe('20');
  });

  it('refuses an unknown flag, naming the verb and its flags', () => {
    expect(() => parseCommandArgs(verb, ['--line=2'])).toThrow(UsageError);
    expect(() => parseCommandArgs(verb, ['--line=2'])).toThrow(
      'demo: unknown option --line. Options: --lines, --json, --help (`npm run lab -- demo --help`).',
    );
  });

  it('refuses a string flag without a value and a value on a boolean flag', () => {
    expect(() => parseCommandArgs(verb, ['worker', '--lines'])).toThrow(/--lines <value>' argument missing/);
    expect(() => parseCommandArgs(verb, ['--json=yes'])).toThrow(/--json' does not take an argument/);
  });

  it('gives every verb --help, listing each flag with its description', () => {
    expect(parseCommandArgs(verb, ['--help']).flags.get('help')).toBe(true);
    const text = commandHelp(verb);
    expect(text).toContain('Usage: npm run lab -- demo <app> [--lines N] [--json]');
    expect(text).toMatch(/--lines N\s+how many lines/);
    expect(text).toMatch(/--json\s+JSON out/);
    expect(text).toMatch(/--help\s+print this help and exit/);
  });
});
