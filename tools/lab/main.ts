import { commandHelp, exitCodeOf, parseCommandArgs, UsageError, type CommandIo, type LabCommand } from './command';
import { loadCommands } from './verbs';

function help(commands: Map<string, LabCommand>): string {
  const width = Math.max(...[...commands.values()].map((c) => `${c.name} ${c.usage ?? ''}`.length));
  const lines = [...commands.values()].map((c) => `  ${`${c.name} ${c.usage ?? ''}`.padEnd(width)}  ${c.summary}`);
  return [
    'Usage: npm run lab -- <verb> [args]   (`npm run lab -- <verb> --help` for its options)',
    '',
    ...lines,
    '',
    'Settings: LAB_STATE_DIR, LAB_PORT_OFFSET, LAB_HOST, KAFKA_BROKERS, KAFKA_PORT, PROMETHEUS_PORT, LAB_TRACE_UI, ZIPKIN_PORT, JEEVES_TOPIC_PREFIX (docs/lab-cli.md).',
  ].join('\n');
}

// kafkajs 2.2.4 computes negative timer delays on Node 24; the warning is noise, not a fault.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name !== 'TimeoutNegativeWarning') process.stderr.write(`${warning.name}: ${warning.message}\n`);
});

async function main(argv: readonly string[]): Promise<number> {
  const commands = loadCommands();
  const [verb, ...rest] = argv;
  if (!verb || verb === 'help' || verb === '--help' || verb === '-h') {
    process.stdout.write(help(commands) + '\n');
    return verb ? 0 : 1;
  }
  const command = commands.get(verb);
  if (!command) {
    process.stderr.write(`Unknown verb "${verb}".\n\n${help(commands)}\n`);
    return 2;
  }
  const io: CommandIo = {
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : text + '\n'),
    log: (line) => process.stderr.write(line + '\n'),
    env: process.env,
  };
  try {
    const args = parseCommandArgs(command, rest);
    if (args.flags.has('help')) {
      io.out(commandHelp(command));
      return 0;
    }
    return (await command.run(args, io)) ?? 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${commandHelp(command)}\n`);
      return 2;
    }
    // One line; a LabNotRunningError's names what is down and the command that starts it.
    process.stderr.write(`lab ${verb}: ${error instanceof Error ? error.message : String(error)}\n`);
    return exitCodeOf(error);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    // Exit explicitly: a lingering kafkajs socket must not keep the CLI alive after its work is done.
    process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  },
);
