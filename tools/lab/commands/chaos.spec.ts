import { parseCommandArgs } from '../command';
import { command, faultBody, parseDurationMs, toxicSpec } from './chaos';

const parseArgs = (args: readonly string[]) => parseCommandArgs(command, args);

describe('lab chaos: CLI words to a fault spec', () => {
  it.each([
    ['after "="', ['error', 'route:/v1/weather', '--rate=1', '--status=503', '--for=20s', '--service=provider']],
    [
      'after a space (--rate 1 --status 503, as the docs write them)',
      ['error', 'route:/v1/weather', '--rate', '1', '--status', '503', '--for', '20s', '--service', 'provider'],
    ],
  ])('maps flags with values %s to the chaos API fields', (_how, args) => {
    const { positional, flags } = parseArgs(args);
    expect(positional).toEqual(['error', 'route:/v1/weather']);
    expect(flags.get('service')).toBe('provider');
    expect(faultBody(positional[0]!, positional[1], flags)).toEqual({
      type: 'error',
      target: 'route:/v1/weather',
      rate: 1,
      status: 503,
      durationMs: 20_000,
    });
  });

  it('takes latency parameters', () => {
    const { flags } = parseArgs(['--ms=200', '--jitter=50', '--distribution=normal']);
    expect(faultBody('latency', 'dependency:provider', flags)).toEqual({
      type: 'latency',
      target: 'dependency:provider',
      ms: 200,
      jitterMs: 50,
      distribution: 'normal',
    });
  });

  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['2m', 120_000],
    ['15', 15_000],
  ])('reads the duration %s', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it('refuses unknown types, bad numbers and bad durations', () => {
    expect(() => faultBody('meteor', undefined, new Map())).toThrow(/Unknown fault type/);
    expect(() => faultBody('error', undefined, new Map([['rate', 'lots']]))).toThrow(/--rate needs a number/);
    expect(() => parseDurationMs('soon')).toThrow(/not a duration/);
  });
});

describe('lab chaos network: flags to a Toxiproxy toxic', () => {
  it('latency in ms with jitter, downstream by default', () => {
    const { flags } = parseArgs(['--ms=300', '--jitter=50']);
    expect(toxicSpec('latency', flags)).toEqual({
      type: 'latency',
      stream: 'downstream',
      toxicity: 1,
      attributes: { latency: 300, jitter: 50 },
    });
  });

  it('bandwidth in KB/s, upstream on request', () => {
    const { flags } = parseArgs(['--rate=5', '--stream=upstream', '--toxicity=0.5']);
    expect(toxicSpec('bandwidth', flags)).toEqual({
      type: 'bandwidth',
      stream: 'upstream',
      toxicity: 0.5,
      attributes: { rate: 5 },
    });
  });

  it('refuses an unknown toxic', () => {
    expect(() => toxicSpec('meteor', new Map())).toThrow(/Unknown network fault/);
  });
});
