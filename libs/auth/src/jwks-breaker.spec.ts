import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPair, SignJWT } from 'jose';
import { createLogger, createMetricsRegistry } from '#libs/observability';
import { ProblemError } from '#libs/platform';
import { TokenVerifier } from './token-verifier';

describe('TokenVerifier: JWKS fetches behind the jwks breaker', () => {
  let server: Server;
  let url: string;
  let fetches = 0;

  beforeAll(async () => {
    server = createServer((_request, response) => {
      fetches++;
      response.writeHead(503, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('answers 503 while the token dealer fails, and stops fetching once the breaker is open', async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    const token = await new SignJWT({ client_id: 'c', scope: 'x' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setSubject('c')
      .setIssuer('i')
      .setAudience('a')
      .setExpirationTime('5m')
      .sign(pair.privateKey);
    const verifier = new TokenVerifier({
      jwksUrl: url,
      issuer: 'i',
      audience: 'a',
      cooldownMs: 0,
      jwksBreaker: {
        options: {
          timeoutMs: 3000,
          errorThresholdPercentage: 50,
          volumeThreshold: 3,
          resetTimeoutMs: 60_000,
          rollingCountTimeoutMs: 10_000,
          rollingCountBuckets: 10,
        },
        registry: createMetricsRegistry({ service: 'test', defaultMetrics: false }),
        logger: createLogger({ service: 'test', level: 'silent' }),
      },
    });
    for (let i = 0; i < 6; i++) {
      const error = await verifier.verify(token).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProblemError);
      expect(error).toMatchObject({ status: 503, code: 'dependency-unavailable' });
    }
    expect(fetches).toBe(3);
  });
});
