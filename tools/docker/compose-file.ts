import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

/**
 * docker-compose.observability.yml as Compose reads it, for specs (no Docker engine runs here): the
 * variables interpolated from `env`, then the YAML parsed with merge keys (`<<: *anchor`), which
 * Compose honours and YAML 1.2 parsers leave off by default.
 */

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const COMPOSE_FILE = join(REPO_ROOT, 'docker-compose.observability.yml');

export interface ComposeService {
  image: string;
  build?: { context: string; dockerfile?: string } | string;
  command?: string[];
  ports?: string[];
  volumes?: string[];
  environment?: Record<string, string | number>;
  profiles?: string[];
  extra_hosts?: string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: unknown;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

export class ComposeInterpolationError extends Error {
  override readonly name = 'ComposeInterpolationError';
}

/**
 * Compose's interpolation of the forms this file uses: `${NAME}`, `${NAME:-default}` (default when
 * unset or empty), `${NAME-default}` (default when unset) and `$$` (a literal `$`). Any other use of
 * `$` throws, so that a new form gets handled here rather than passed through unread.
 */
export function interpolate(text: string, env: Readonly<Record<string, string | undefined>>): string {
  return text.replace(/\$(\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}|.?)/g, (whole, _m, name, op, fallback) => {
    if (whole === '$$') return '$';
    if (name === undefined) throw new ComposeInterpolationError(`unsupported interpolation at "${whole}"`);
    const value = env[name as string];
    if (op === ':-') return value === undefined || value === '' ? (fallback as string) : value;
    if (op === '-') return value === undefined ? (fallback as string) : value;
    return value ?? '';
  });
}

/** The compose file with `env` as the environment (none by default: as a user who sets nothing). */
export function loadCompose(env: Readonly<Record<string, string | undefined>> = {}): ComposeFile {
  return parse(interpolate(readFileSync(COMPOSE_FILE, 'utf8'), env), { merge: true }) as ComposeFile;
}

/** Service names a service waits for, whichever of depends_on's two forms it uses. */
export function dependencies(service: ComposeService): string[] {
  const deps = service.depends_on ?? [];
  return Array.isArray(deps) ? deps : Object.keys(deps);
}

/** The services Compose starts with only the given profiles active (none: the default stack). */
export function servicesUnder(compose: ComposeFile, profiles: readonly string[] = []): Record<string, ComposeService> {
  return Object.fromEntries(
    Object.entries(compose.services).filter(
      ([, s]) => s.profiles === undefined || s.profiles.some((p) => profiles.includes(p)),
    ),
  );
}
