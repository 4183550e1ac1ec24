import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyStore } from './key-ring';
import { InvalidSigningKeyError, type SigningKey, signingKeyFromPem } from './signing-key';

/**
 * Signing keys as PKCS#8 PEM files in one directory (TOKEN_SIGNING_KEYS_DIR), so tokens survive a
 * restart. File names start with a zero-padded timestamp: name order is age order, newest last.
 */
export class KeyDirectory implements KeyStore {
  private lastStampMs = 0;

  constructor(
    readonly directory: string,
    private readonly now: () => number = Date.now,
  ) {}

  async load(): Promise<SigningKey[]> {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- the operator's TOKEN_SIGNING_KEYS_DIR (validated config), never a request's
    await mkdir(this.directory, { recursive: true, mode: 0o700 });
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- the operator's TOKEN_SIGNING_KEYS_DIR
    const names = (await readdir(this.directory)).filter((name) => name.endsWith('.pem')).sort();
    const keys: SigningKey[] = [];
    for (const name of names) {
      const path = join(this.directory, name);
      try {
        // eslint-disable-next-line security/detect-non-literal-fs-filename -- a *.pem name listed in the operator's key directory
        keys.push(signingKeyFromPem(await readFile(path, 'utf8')));
      } catch (error) {
        throw new InvalidSigningKeyError(
          `TOKEN_SIGNING_KEYS_DIR: ${path}: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
      }
    }
    return keys;
  }

  async save(key: SigningKey): Promise<void> {
    this.lastStampMs = Math.max(this.now(), this.lastStampMs + 1);
    const path = join(this.directory, `${String(this.lastStampMs).padStart(15, '0')}-${key.kid}.pem`);
    const pem = key.privateKey.export({ type: 'pkcs8', format: 'pem' });
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- our own name (time stamp and RFC 7638 thumbprint) in the operator's key directory
    await writeFile(path, pem, { mode: 0o600, flag: 'wx' });
    // The mode above is filtered by the umask; a private key must not be group-readable regardless.
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- the file written just above
    await chmod(path, 0o600);
  }
}
