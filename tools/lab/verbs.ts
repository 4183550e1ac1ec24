import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { LabCommand } from './command';

/**
 * Every verb in `commands/`: each `<verb>.js` (or `.ts` when run from source, as in the unit tests)
 * exports `command: LabCommand`. The verb list is the directory listing, so adding a verb is adding a file.
 */
export function loadCommands(dir: string = join(__dirname, 'commands')): Map<string, LabCommand> {
  const commands = new Map<string, LabCommand>();
  for (const file of readdirSync(dir).sort()) {
    if (!/\.(js|ts)$/.test(file) || /\.(spec|d)\.(js|ts)$/.test(file)) continue;
    // A dynamic require is the point: the verb list is the directory listing.
    // eslint-disable-next-line @typescript-eslint/no-require-imports, security/detect-non-literal-require -- files of our own commands directory
    const loaded = require(join(dir, file)) as { command?: LabCommand };
    if (loaded.command) commands.set(loaded.command.name, loaded.command);
  }
  return commands;
}
