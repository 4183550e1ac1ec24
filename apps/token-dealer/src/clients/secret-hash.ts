import { randomBytes, scrypt, type ScryptOptions, timingSafeEqual } from 'node:crypto';

/**
 * Client secrets are stored as `scrypt$N$r$p$salt$hash` (salt and hash base64url), never in plain
 * text. scrypt is memory-hard, so a leaked TOKEN_CLIENTS value is costly to brute-force; the cost
 * parameters travel with each hash so they can be raised without invalidating old hashes.
 */
export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  N: number;
  r: number;
  p: number;
}

export const DEFAULT_SCRYPT_PARAMS: Readonly<ScryptParams> = Object.freeze({ N: 16384, r: 8, p: 1 });

const KEY_LENGTH_BYTES = 32;
const SALT_LENGTH_BYTES = 16;
const HASH_PATTERN = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]{16,})\$([A-Za-z0-9_-]{40,})$/;
/** Bounds that keep a hostile or mistyped hash from asking for gigabytes of memory. */
const MAX_N = 2 ** 20;
const MAX_RP = 64;

export interface ParsedHash {
  params: ScryptParams;
  salt: Buffer;
  hash: Buffer;
}

/** Parses a stored hash, or returns undefined when it is not one this module writes. */
export function parseSecretHash(stored: string): ParsedHash | undefined {
  const match = HASH_PATTERN.exec(stored);
  if (!match) return undefined;
  const [N, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const powerOfTwo = N > 1 && (N & (N - 1)) === 0;
  if (!powerOfTwo || N > MAX_N || r < 1 || r > MAX_RP || p < 1 || p > MAX_RP) return undefined;
  return { params: { N, r, p }, salt: Buffer.from(match[4], 'base64url'), hash: Buffer.from(match[5], 'base64url') };
}

export async function hashSecret(
  secret: string,
  params: ScryptParams = DEFAULT_SCRYPT_PARAMS,
  salt: Buffer = randomBytes(SALT_LENGTH_BYTES),
): Promise<string> {
  const hash = await derive(secret, salt, KEY_LENGTH_BYTES, params);
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

/** Constant-time comparison of a presented secret with a stored hash. */
export async function verifySecret(secret: string, stored: string | ParsedHash): Promise<boolean> {
  const parsed = typeof stored === 'string' ? parseSecretHash(stored) : stored;
  if (!parsed) return false;
  const candidate = await derive(secret, parsed.salt, parsed.hash.length, parsed.params);
  return candidate.length === parsed.hash.length && timingSafeEqual(candidate, parsed.hash);
}

function derive(secret: string, salt: Buffer, length: number, params: ScryptParams): Promise<Buffer> {
  // scrypt needs 128·N·r bytes; the default cap (32 MiB) would refuse the upper bound we accept.
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r };
  return new Promise((resolve, reject) => {
    scrypt(secret.normalize('NFC'), salt, length, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}
