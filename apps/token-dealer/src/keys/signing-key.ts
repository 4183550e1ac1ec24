import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPair as generateRsaKeyPair,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';

export const SIGNING_ALGORITHM = 'RS256';
/** NIST SP 800-57 minimum for RSA signatures in use today. */
const MIN_RSA_BITS = 2048;

/** A published JWK: public members only, plus what verifiers need to pick and use it. */
export interface PublicJwk {
  kty: 'RSA';
  n: string;
  e: string;
  kid: string;
  alg: typeof SIGNING_ALGORITHM;
  use: 'sig';
}

export interface SigningKey {
  /** RFC 7638 thumbprint of the public key: stable across restarts when the key is loaded from disk. */
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicJwk: PublicJwk;
}

export class InvalidSigningKeyError extends Error {
  readonly code = 'EINVALIDKEY';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidSigningKeyError';
  }
}

export function signingKeyFrom(privateKey: KeyObject): SigningKey {
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'rsa') {
    throw new InvalidSigningKeyError(
      `expected an RSA private key, got a ${privateKey.asymmetricKeyType ?? 'symmetric'} ${privateKey.type} key`,
    );
  }
  const bits = privateKey.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_BITS)
    throw new InvalidSigningKeyError(`RSA key of ${bits} bits is too short; RS256 keys need at least ${MIN_RSA_BITS}`);
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' }) as JsonWebKey & { n: string; e: string };
  const kid = thumbprint(jwk.n, jwk.e);
  return Object.freeze({
    kid,
    privateKey,
    publicJwk: Object.freeze({ kty: 'RSA', n: jwk.n, e: jwk.e, kid, alg: SIGNING_ALGORITHM, use: 'sig' }),
  });
}

export function signingKeyFromPem(pem: string): SigningKey {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (error) {
    throw new InvalidSigningKeyError('not a readable PEM private key', { cause: error });
  }
  return signingKeyFrom(key);
}

/** A fresh 2048-bit key; generated off the event loop (it takes tens to hundreds of milliseconds). */
export function generateSigningKey(): Promise<SigningKey> {
  return new Promise((resolve, reject) => {
    generateRsaKeyPair('rsa', { modulusLength: MIN_RSA_BITS }, (error, _publicKey, privateKey) => {
      if (error) reject(error);
      else resolve(signingKeyFrom(privateKey));
    });
  });
}

/** RFC 7638 §3: SHA-256 over the required members in lexicographic order, base64url. */
function thumbprint(n: string, e: string): string {
  return createHash('sha256')
    .update(JSON.stringify({ e, kty: 'RSA', n }))
    .digest('base64url');
}
