import { ProblemError } from '#libs/platform';
import { ClientStore } from '../clients/client-store';
import { hashSecret, type ParsedHash, verifySecret } from '../clients/secret-hash';
import { KeyRing } from '../keys/key-ring';
import { generateSigningKey } from '../keys/signing-key';
import { FailedAttemptLimiter } from '../throttling/failed-attempt-limiter';
import { OAuthError } from './oauth-error';
import { TokenEndpoint } from './token-endpoint';
import { TokenIssuer } from './token-issuer';

const SECRET = 'the-right-secret';
const request = (secret: string) => ({ grant_type: 'client_credentials', client_id: 'svc', client_secret: secret });

describe('TokenEndpoint with a failed-attempt limiter', () => {
  let issuer: TokenIssuer;
  let secretHash: string;

  beforeAll(async () => {
    const keys = await KeyRing.create([], { tokenTtlSeconds: 60, generate: generateSigningKey });
    issuer = new TokenIssuer(keys, { issuer: 'i', audience: 'a', ttlSeconds: 60 });
    secretHash = await hashSecret(SECRET);
  });

  async function endpoint() {
    let scrypts = 0;
    const clients = await ClientStore.create([{ clientId: 'svc', secretHash, scopes: ['messages:read'] }], {
      verifiedCacheMs: 60_000,
      verify: (secret: string, stored: ParsedHash) => {
        scrypts++;
        return verifySecret(secret, stored);
      },
    });
    const throttled: string[] = [];
    const limiter = new FailedAttemptLimiter({
      clientSource: { burst: 2, perMinute: 1 },
      source: { burst: 10, perMinute: 1 },
      client: { burst: 10, perMinute: 1 },
      untrusted: { burst: 10, perMinute: 1 },
      trustTtlMs: 60_000,
      maxKeys: 100,
    });
    const subject = new TokenEndpoint(clients, issuer, { limiter, onThrottled: (limit) => throttled.push(limit) });
    return { subject, scrypts: () => scrypts, throttled };
  }

  it('refuses guesses past the budget with a 429 and Retry-After, without running scrypt for them', async () => {
    const { subject, scrypts, throttled } = await endpoint();
    for (let i = 0; i < 2; i++)
      await expect(subject.handle(request(`guess-${i}`), undefined, '10.0.0.9')).rejects.toBeInstanceOf(OAuthError);
    expect(scrypts()).toBe(2);
    const refusal = await subject.handle(request('guess-3'), undefined, '10.0.0.9').catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ProblemError);
    expect(refusal).toMatchObject({ status: 429, code: 'rate-limited', retryAfterSeconds: 60 });
    // The right secret from the same source is refused too: the budget is spent before it is checked.
    await expect(subject.handle(request(SECRET), undefined, '10.0.0.9')).rejects.toMatchObject({ status: 429 });
    expect(scrypts()).toBe(2);
    expect(throttled).toEqual(['client_source', 'client_source']);
  });

  it('issues to the good client from its own address while another address is refused', async () => {
    const { subject, scrypts } = await endpoint();
    await expect(subject.handle(request(SECRET), undefined, '192.0.2.1')).resolves.toMatchObject({ clientId: 'svc' });
    for (let i = 0; i < 5; i++)
      await subject.handle(request(`guess-${i}`), undefined, '10.0.0.9').catch(() => undefined);
    await expect(subject.handle(request(SECRET), undefined, '192.0.2.1')).resolves.toMatchObject({ clientId: 'svc' });
    // The second good request was recognised from the verified cache: one scrypt for it, two for the admitted guesses.
    expect(scrypts()).toBe(3);
  });
});
