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
  /** Returns the exit code (0 when omitted). Throw an Error with a message that says what to do. */
  run(args: readonly string[], io: CommandIo): Promise<number | void>;
}

export interface CommandIo {
  /** Results (tables, JSON, URLs): stdout, so they pipe cleanly. */
  readonly out: (text: string) => void;
  /** Progress lines: stderr. */
  readonly log: (line: string) => void;
  readonly env: NodeJS.ProcessEnv;
}

/** Splits `--flag`, `--key=value` from positional arguments. */
export function parseArgs(args: readonly string[]): { positional: string[]; flags: Map<string, string | true> } {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (const arg of args) {
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      if (eq > 0) flags.set(arg.slice(2, eq), arg.slice(eq + 1));
      else flags.set(arg.slice(2), true);
    } else positional.push(arg);
  }
  return { positional, flags };
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}
