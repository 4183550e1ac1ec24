import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';

/** One file of the built page, read once at boot. */
export interface WebFile {
  readonly body: Buffer;
  readonly contentType: string;
  /** Hashed asset names never change content: cached for a year; index.html is revalidated. */
  readonly cacheControl: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

/** Where Vite writes the page by default: dist/apps/console/public, beside the compiled server. */
export function defaultWebDir(): string {
  return resolve(__dirname, '..', '..', 'public');
}

/**
 * The built page (Vite's output) as a map from URL path to file, read once: only files that exist
 * at boot are served, so no request path ever reaches the file system. Empty when not built.
 */
export function loadWebBundle(dir: string): Map<string, WebFile> {
  const files = new Map<string, WebFile>();
  const walk = (at: string, prefix: string): void => {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- the page's build dir (CONSOLE_WEB_DIR, validated config, or our dist), read once at boot, never a request's path
    for (const name of readdirSync(at)) {
      const path = join(at, name);
      // eslint-disable-next-line security/detect-non-literal-fs-filename -- an entry of that dir, as listed above
      if (statSync(path).isDirectory()) walk(path, `${prefix}${name}/`);
      else if (TYPES[extname(name)])
        files.set(`/${prefix}${name}`, {
          // eslint-disable-next-line security/detect-non-literal-fs-filename -- an entry of that dir, as listed above
          body: readFileSync(path),
          contentType: TYPES[extname(name)],
          cacheControl: prefix.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
        });
    }
  };
  try {
    walk(dir, '');
  } catch {
    return new Map();
  }
  return files;
}
