/**
 * The lockfile check: every package in package-lock.json (lockfileVersion 2 or 3, its `packages`
 * map) comes from the npm registry the project installs from, by name and exact version, and has a
 * sha512 `integrity` that npm checks the tarball against. No git, file, link or plain-http sources.
 *
 * The lab's npm is configured with `omit-lockfile-registry-resolved`, so registry packages carry no
 * `resolved` URL (npm fetches `name@version` from whatever registry is configured, and the integrity
 * hash pins the bytes). A `resolved` that is present must be an https URL under that registry;
 * npm always records one for the sources this check refuses.
 */

/** One package entry that breaks the rules, by its key in `packages` (`node_modules/<name>`). */
export interface LockfileProblem {
  readonly key: string;
  readonly problem: string;
}

/** What the check found: how many packages it read, and the ones that break a rule. */
export interface LockfileReport {
  readonly packages: number;
  readonly problems: readonly LockfileProblem[];
}

/** A version npm installs from the registry: exact semver, never a range, tag, path or URL. */
const EXACT_VERSION = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
/** An npm integrity string holding a sha512 digest (SRI, several hashes may be listed). */
const SHA512 = /(?:^|\s)sha512-[A-Za-z0-9+/]{86}==(?:\s|$)/;

/**
 * Checks a parsed package-lock.json against `registry` (the URL `npm config get registry` prints).
 * Throws when the document is not a lockfile npm 7+ writes (no `packages` map).
 */
export function checkLockfile(lock: unknown, registry: string): LockfileReport {
  const packages = packagesOf(lock);
  const base = registryBase(registry);
  const problems: LockfileProblem[] = [];
  let count = 0;
  for (const [key, entry] of Object.entries(packages)) {
    if (key === '') continue; // the project itself
    count += 1;
    for (const problem of entryProblems(entry, base)) problems.push({ key, problem });
  }
  return { packages: count, problems };
}

function entryProblems(entry: unknown, registry: URL): string[] {
  if (typeof entry !== 'object' || entry === null) return ['not an object'];
  const e = entry as { version?: unknown; resolved?: unknown; integrity?: unknown; link?: unknown };
  if (e.link === true) return [`a link to ${String(e.resolved)}, not a registry package`];
  const problems: string[] = [];
  if (typeof e.version !== 'string' || !EXACT_VERSION.test(e.version))
    problems.push(`version ${JSON.stringify(e.version)} is not an exact registry version`);
  if (e.resolved !== undefined) {
    const where = typeof e.resolved === 'string' ? sourceProblem(e.resolved, registry) : 'resolved is not a string';
    if (where) problems.push(where);
  }
  if (typeof e.integrity !== 'string' || !SHA512.test(e.integrity))
    problems.push(e.integrity === undefined ? 'no integrity hash' : `integrity ${String(e.integrity)} has no sha512`);
  return problems;
}

/** Why `resolved` is not a tarball on the registry, or undefined when it is. */
function sourceProblem(resolved: string, registry: URL): string | undefined {
  let url: URL;
  try {
    url = new URL(resolved);
  } catch {
    return `resolved ${resolved} is not a URL (a path?)`;
  }
  if (url.protocol !== 'https:') return `resolved ${resolved} is not https (${url.protocol.slice(0, -1)})`;
  if (url.origin !== registry.origin || !url.pathname.startsWith(registry.pathname))
    return `resolved ${resolved} is not on the configured registry`;
  return undefined;
}

function registryBase(registry: string): URL {
  const url = new URL(registry.trim());
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

function packagesOf(lock: unknown): Record<string, unknown> {
  const packages = (lock as { packages?: unknown } | null)?.packages;
  if (typeof packages !== 'object' || packages === null || Array.isArray(packages))
    throw new Error('package-lock.json has no "packages" map: regenerate it with npm 7 or later (lockfileVersion 3)');
  return packages as Record<string, unknown>;
}
