import { commandHelp, parseCommandArgs, UsageError } from './command';
import { loadCommands } from './verbs';

/**
 * Every verb's arguments as README, docs/, experiments, CI and the tests write them. Each is parsed
 * as written, then again with every `--name=value` split into `--name value`: both must mean the same.
 */
const USED: Record<string, { args: string[]; positional: string[]; flags: Record<string, string | true> }[]> = {
  up: [
    { args: [], positional: [], flags: {} },
    { args: ['--kafka-transport=stock'], positional: [], flags: { 'kafka-transport': 'stock' } },
    {
      args: ['--kafka-transport=hardened', 'gateway', 'bot'],
      positional: ['gateway', 'bot'],
      flags: { 'kafka-transport': 'hardened' },
    },
    { args: ['--no-trace-ui'], positional: [], flags: { 'no-trace-ui': true } },
  ],
  down: [
    { args: [], positional: [], flags: {} },
    { args: ['--wipe'], positional: [], flags: { wipe: true } },
  ],
  status: [{ args: ['--json'], positional: [], flags: { json: true } }],
  kill: [{ args: ['worker'], positional: ['worker'], flags: {} }],
  restart: [{ args: ['kafka'], positional: ['kafka'], flags: {} }],
  logs: [
    { args: ['gateway', '--lines=20'], positional: ['gateway'], flags: { lines: '20' } },
    { args: ['zipkin'], positional: ['zipkin'], flags: {} },
  ],
  scale: [{ args: ['worker', '3'], positional: ['worker', '3'], flags: {} }],
  trace: [{ args: ['3f2c', '--json'], positional: ['3f2c'], flags: { json: true } }],
  load: [
    { args: ['smoke', '--duration=12s'], positional: ['smoke'], flags: { duration: '12s' } },
    { args: ['soak', '--duration=2h', '--rate=20'], positional: ['soak'], flags: { duration: '2h', rate: '20' } },
    { args: ['smoke', '--vus=7', '--results=out'], positional: ['smoke'], flags: { vus: '7', results: 'out' } },
  ],
  experiment: [
    { args: ['provider-outage', '--short'], positional: ['provider-outage'], flags: { short: true } },
    { args: ['flood', '--results=/tmp/runs'], positional: ['flood'], flags: { results: '/tmp/runs' } },
    {
      args: ['provider-outage', '--short', '--events'],
      positional: ['provider-outage'],
      flags: { short: true, events: true },
    },
  ],
  experiments: [
    { args: [], positional: [], flags: {} },
    { args: ['--json'], positional: [], flags: { json: true } },
  ],
  dlq: [
    { args: [], positional: [], flags: {} },
    { args: ['--limit=200', '--json'], positional: [], flags: { limit: '200', json: true } },
    { args: ['replay', '--id=1:42'], positional: ['replay'], flags: { id: '1:42' } },
    { args: ['replay', '--all'], positional: ['replay'], flags: { all: true } },
  ],
  'ledger-test': [
    {
      args: ['--messages=2000', '--concurrency=16', '--no-broker-restart', '--json'],
      positional: [],
      flags: { messages: '2000', concurrency: '16', 'no-broker-restart': true, json: true },
    },
    {
      args: ['--no-broker-restart', '--pause-broker=15s', '--keyless-share=0.5'],
      positional: [],
      flags: { 'no-broker-restart': true, 'pause-broker': '15s', 'keyless-share': '0.5' },
    },
  ],
  chaos: [
    {
      args: ['error', 'route:/v1/weather', '--rate=1', '--status=503', '--for=20s', '--service=provider'],
      positional: ['error', 'route:/v1/weather'],
      flags: { rate: '1', status: '503', for: '20s', service: 'provider' },
    },
    {
      args: ['latency', 'dependency:provider', '--ms=800', '--jitter=200', '--distribution=normal', '--service=worker'],
      positional: ['latency', 'dependency:provider'],
      flags: { ms: '800', jitter: '200', distribution: 'normal', service: 'worker' },
    },
    {
      args: ['produce-failure', 'topic:jeeves.replies.v1', '--rate=0.5', '--for=30s', '--service=worker'],
      positional: ['produce-failure', 'topic:jeeves.replies.v1'],
      flags: { rate: '0.5', for: '30s', service: 'worker' },
    },
    {
      args: ['cpu', '--percent=60', '--for=1m', '--service=bot', '--jitter-ms=5'],
      positional: ['cpu'],
      flags: { percent: '60', for: '1m', service: 'bot', 'jitter-ms': '5' },
    },
    {
      args: ['memory', '--mb=256', '--for=1m', '--service=data-service'],
      positional: ['memory'],
      flags: { mb: '256', for: '1m', service: 'data-service' },
    },
    { args: ['list', '--service=worker'], positional: ['list'], flags: { service: 'worker' } },
    {
      args: ['network', 'latency', '--link=provider', '--ms=400', '--jitter=100', '--for=30s'],
      positional: ['network', 'latency'],
      flags: { link: 'provider', ms: '400', jitter: '100', for: '30s' },
    },
    {
      args: ['network', 'bandwidth', '--link=kafka', '--rate=5', '--stream=upstream', '--toxicity=0.5'],
      positional: ['network', 'bandwidth'],
      flags: { link: 'kafka', rate: '5', stream: 'upstream', toxicity: '0.5' },
    },
  ],
};

const commands = loadCommands();

/** `--name=value` → `--name`, `value`. */
const spaced = (args: readonly string[]): string[] =>
  args.flatMap((arg) => {
    const eq = arg.indexOf('=');
    return arg.startsWith('--') && eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg];
  });

describe('lab verbs: arguments parsed in one place', () => {
  it('has a table entry for every verb (a new verb needs its cases here)', () => {
    expect([...commands.keys()].sort()).toEqual(Object.keys(USED).sort());
  });

  describe.each([...commands.values()].map((c) => [c.name, c] as const))('%s', (name, command) => {
    it.each(USED[name]!.map((c) => [c.args.join(' ') || '(no arguments)', c] as const))(
      'reads "%s" as written and with spaces instead of "="',
      (_label, use) => {
        for (const args of [use.args, spaced(use.args)]) {
          const parsed = parseCommandArgs(command, args);
          expect(parsed.positional).toEqual(use.positional);
          expect(Object.fromEntries(parsed.flags)).toEqual(use.flags);
        }
      },
    );

    it('refuses an unknown flag with its own flag list', () => {
      const attempt = () => parseCommandArgs(command, ['--bogus', 'x']);
      expect(attempt).toThrow(UsageError);
      expect(attempt).toThrow(new RegExp(`^${name}: unknown option --bogus\\. Options: .*--help`));
    });

    it('takes --help and documents each of its flags', () => {
      expect(parseCommandArgs(command, ['--help']).flags.get('help')).toBe(true);
      const help = commandHelp(command);
      for (const flag of Object.keys(command.flags ?? {})) expect(help).toContain(`--${flag}`);
    });
  });

  it('gives the chaos example from the issue (--rate 1 --status 503) numbers, not "--rate needs a number"', () => {
    const chaos = commands.get('chaos')!;
    const { flags } = parseCommandArgs(chaos, spaced(['error', '--rate=1', '--status=503']));
    expect(flags.get('rate')).toBe('1');
    expect(flags.get('status')).toBe('503');
  });
});
