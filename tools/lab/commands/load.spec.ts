import { resolve } from 'node:path';
import { parseCommandArgs, UsageError } from '../command';
import { command, loadVerbSettings, readLoadArgs } from './load';

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
    expect(parseLoadArgs(['smoke', '--results', 'out'])).toMatchObject({ resultsRoot: resolve('out') });
    expect(parseLoadArgs(['smoke', '--results', '/tmp/lab-results'])).toMatchObject({
      resultsRoot: '/tmp/lab-results',
    });
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

describe('lab load settings', () => {
  it('takes LOAD_METRICS_PORT (0: any free port), LOAD_RESULTS_ROOT and app URLs, blank as unset', () => {
    expect(loadVerbSettings({})).toEqual({});
    expect(loadVerbSettings({ LOAD_METRICS_PORT: '9465', LOAD_RESULTS_ROOT: '/tmp/r' })).toMatchObject({
      LOAD_METRICS_PORT: 9465,
      LOAD_RESULTS_ROOT: '/tmp/r',
    });
    expect(loadVerbSettings({ LOAD_METRICS_PORT: '', GATEWAY_URL: 'http://10.0.0.1:3000' })).toEqual({
      GATEWAY_URL: 'http://10.0.0.1:3000',
    });
  });

  it('names each bad variable: a port out of range, a URL that is not http(s)', () => {
    expect(() => loadVerbSettings({ LOAD_METRICS_PORT: '70000', GATEWAY_URL: 'gateway:3000' })).toThrow(
      /Bad lab settings:\n {2}- LOAD_METRICS_PORT=70000 is not an integer in \[0, 65535\]\n {2}- GATEWAY_URL=gateway:3000 is not an http\(s\) URL/,
    );
  });
});
