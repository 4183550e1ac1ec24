import { parseArgs as parseNodeArgs, type ParseArgsOptionsConfig } from 'node:util';
import { LabNotRunningError } from '.';

/** One flag of a verb: `--name value` / `--name=value` (string) or a bare `--name` (boolean). */
export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  /** One line for `--help`. */
  readonly description: string;
  /** How `--help` names the value of a string flag, e.g. `30s` or `<app>`. */
  readonly valueName?: string;
}

/** A string flag (`--name value`): how `--help` names its value (`30s`, `<app>`), and its one line of help. */
export function stringFlag(valueName: string, description: string): FlagSpec {
  return { type: 'string', valueName, description };
}

/** A boolean flag (a bare `--name`) and its one line of help. */
export function booleanFlag(description: string): FlagSpec {
  return { type: 'boolean', description };
}

/**
 * A lab verb. Each lives in its own file under tools/lab/commands/ and exports `command`; main.ts
 * discovers them, so adding a verb (load, chaos, experiment, dlq, ...) is adding one file.
 */
export interface LabCommand {
  /** The verb: `npm run lab -- <name>`. */
  readonly name: string;
  /** One line for `npm run lab -- help`. */
  readonly summary: string;
  /** Arguments after the verb, e.g. `<app> <n>`. */
  readonly usage?: string;
  /** Every flag the verb accepts; any other is a usage error. `--help` is added to every verb. */
  readonly flags?: Readonly<Record<string, FlagSpec>>;
  /** Returns the exit code (0 when omitted). Throw an Error with a message that says what to do. */
  run(args: ParsedArgs, io: CommandIo): Promise<number | void>;
}

export interface CommandIo {
  /** Results (tables, JSON, URLs): stdout, so they pipe cleanly. */
  readonly out: (text: string) => void;
  /** Progress lines: stderr. */
  readonly log: (line: string) => void;
  readonly env: NodeJS.ProcessEnv;
}

/** A verb's arguments once parsed: positionals in order, flags by name (`true` for a boolean flag given). */
export interface ParsedArgs {
  readonly positional: readonly string[];
  readonly flags: ReadonlyMap<string, string | true>;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Exit code of a verb that threw: 2 when nothing was tried — a usage error, or a part of the lab the
 * verb needs is not running (LabNotRunningError) — and 1 for a failure while it worked.
 */
export function exitCodeOf(error: unknown): 1 | 2 {
  return error instanceof UsageError || error instanceof LabNotRunningError ? 2 : 1;
}

const HELP_FLAG: FlagSpec = { type: 'boolean', description: 'print this help and exit' };

/** The flags a verb accepts, `--help` included. */
export function flagsOf(command: LabCommand): Readonly<Record<string, FlagSpec>> {
  return { ...command.flags, help: HELP_FLAG };
}

/**
 * Parses a verb's arguments with `node:util` `parseArgs` (strict): `--name value` and `--name=value`
 * both work; an unknown flag, a string flag without a value or a value given to a boolean flag is a
 * UsageError naming the verb's flags. The one place any verb's arguments are parsed.
 */
export function parseCommandArgs(command: LabCommand, args: readonly string[]): ParsedArgs {
  const specs = flagsOf(command);
  const options: ParseArgsOptionsConfig = Object.fromEntries(
    Object.entries(specs).map(([name, spec]) => [name, { type: spec.type }]),
  );
  let parsed: { values: Record<string, string | boolean | (string | boolean)[] | undefined>; positionals: string[] };
  try {
    parsed = parseNodeArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${command.name}: ${describeParseError(error, command, specs)}`);
  }
  const flags = new Map<string, string | true>();
  for (const [name, value] of Object.entries(parsed.values)) {
    if (typeof value === 'string') flags.set(name, value);
    else if (value === true) flags.set(name, true);
  }
  return { positional: parsed.positionals, flags };
}

function describeParseError(error: unknown, command: LabCommand, specs: Readonly<Record<string, FlagSpec>>): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    // Node's message is "Unknown option '--rps'. To specify a positional argument ...": keep the name only.
    const flag = /'([^']+)'/.exec(message)?.[1] ?? message;
    const known = Object.keys(specs)
      .map((name) => `--${name}`)
      .join(', ');
    return `unknown option ${flag}. Options: ${known} (\`npm run lab -- ${command.name} --help\`).`;
  }
  return message;
}

/** `--help` text of a verb: its usage line, summary and every flag with its description. */
export function commandHelp(command: LabCommand): string {
  const specs = flagsOf(command);
  const names = Object.entries(specs).map(
    ([name, spec]) => `--${name}${spec.type === 'string' ? ` ${spec.valueName ?? '<value>'}` : ''}`,
  );
  const width = Math.max(...names.map((n) => n.length));
  return [
    `Usage: npm run lab -- ${command.name}${command.usage ? ` ${command.usage}` : ''}`,
    '',
    command.summary,
    '',
    'Options (`--name value` or `--name=value`):',
    ...Object.values(specs).map((spec, i) => `  ${names[i].padEnd(width)}  ${spec.description}`),
  ].join('\n');
}
