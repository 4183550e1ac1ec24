import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * Debian's Chromium for playwright-core (no browser download): CHROMIUM_BIN when set, else the first
 * `chromium` on PATH. Throws naming the package when there is none.
 */
export function chromiumExecutable(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CHROMIUM_BIN?.trim()) return env.CHROMIUM_BIN.trim();
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'chromium');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      /* not here */
    }
  }
  throw new Error('chromium is not installed: apt-get install -y chromium (or set CHROMIUM_BIN)');
}
