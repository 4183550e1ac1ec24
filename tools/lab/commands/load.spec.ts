import { parseCommandArgs, UsageError } from '../command';
import { command, readLoadArgs } from './load';

const parseLoadArgs = (args: readonly string[]) => readLoadArgs(parseCommandArgs(command, args));

describe('lab load arguments', () => {
  it('reads the scenario and --rate/--duration/--vus in both spellings', () => {
    expect(parseLoadArgs(['smoke', '--rate', '20', '--duration=1m30s', '--vus', '7'])).toEqual({
      scenario: 'smoke',
      overrides: { rate: 20, durationSeconds: 90, vus: 7 },
    });
    expect(parseLoadArgs(['--rate=2.5', 'soak'])).toEqual({
      scenario: 'soak',
      overrides: { rate: 2.5, durationSeconds: undefined, vus: undefined },
    });
    expect(parseLoadArgs(['smoke', '--results', 'out'])).toMatchObject({ resultsRoot: 'out' });
  });

  it.each([
    [['smoke', '--rps', '5'], /unknown option --rps\. Options: --rate, --duration, --vus, --results, --help/],
    [['smoke', '--rate'], /--rate <value>' argument missing/],
    [['smoke', '--rate='], /--rate needs a value/],
    [['smoke', '--rate', 'fast'], /--rate must be a positive number/],
    [['smoke', '--duration', 'soon'], /not a duration/],
    [['smoke', '--vus', '2.5'], /whole number/],
    [[], /Name one scenario: average-load, breakpoint, chaos, smoke/],
    [['smoke', 'spike'], /Name one scenario/],
  ])('%j is a usage error', (args, message) => {
    expect(() => parseLoadArgs(args)).toThrow(UsageError);
    expect(() => parseLoadArgs(args)).toThrow(message);
  });
});
