import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from 'jose';
import { CLIENTS, getToken, lab } from './support/lab';

/**
 * The real token dealer process (compiled, jose loaded through Node's require(esm)) with the real
 * gateway verifying its tokens through the JWKS: a key rotation in the middle of traffic must not
 * cost a single 401, neither for tokens signed before it nor for the first ones signed after.
 */
describe('token-dealer key rotation keeps gateway tokens valid (real lab)', () => {
  const dealer = () => lab().urls['token-dealer'];
  const user = `it-td-${randomUUID().slice(0, 8)}`;

  async function jwks(): Promise<JSONWebKeySet> {
    const response = await fetch(`${dealer()}/.well-known/jwks.json`, { signal: AbortSignal.timeout(10_000) });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('public, max-age=60');
    return (await response.json()) as JSONWebKeySet;
  }

  /** Status of a read through the gateway: whatever else happens, auth must not be what fails. */
  async function gatewayRead(token: string): Promise<number> {
    const response = await fetch(`${lab().urls.gateway}/v1/users/${user}/messages`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(10_000),
    });
    await response.arrayBuffer();
    return response.status;
  }

  it('issues over HTTP Basic and serves a JWKS that verifies the token', async () => {
    const response = await fetch(`${dealer()}/oauth/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${CLIENTS.demo.id}:${CLIENTS.demo.secret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'messages:read' }),
      signal: AbortSignal.timeout(10_000),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as { access_token: string; scope: string };
    expect(body.scope).toBe('messages:read');
    const { payload } = await jwtVerify(body.access_token, createLocalJWKSet(await jwks()), {
      issuer: 'jeeves-token-dealer',
      audience: 'jeeves-api',
    });
    expect(payload.client_id).toBe(CLIENTS.demo.id);
  });

  it('rotates without a 401 at the gateway for tokens signed before or after', async () => {
    const before = await getToken(CLIENTS.demo.id, CLIENTS.demo.secret);
    // Warms the gateway's JWKS cache with the keys published before the rotation.
    expect(await gatewayRead(before)).toBe(200);

    const admin = await getToken(CLIENTS.admin.id, CLIENTS.admin.secret);
    const rotation = await fetch(`${dealer()}/admin/keys/rotate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}` },
      signal: AbortSignal.timeout(30_000),
    });
    expect(rotation.status).toBe(201);
    const { activeKid, retiredKid } = (await rotation.json()) as { activeKid: string; retiredKid: string };
    expect(retiredKid).toBe(decodeProtectedHeader(before).kid);

    const after = await getToken(CLIENTS.demo.id, CLIENTS.demo.secret);
    expect(decodeProtectedHeader(after).kid).toBe(activeKid);
    expect(await gatewayRead(after)).toBe(200);
    expect(await gatewayRead(before)).toBe(200);
    expect((await jwks()).keys.map((key) => key.kid)).toEqual(expect.arrayContaining([activeKid, retiredKid]));
  });

  it('refuses rotation to a client without lab:chaos, and counts what it issued', async () => {
    const demo = await getToken(CLIENTS.demo.id, CLIENTS.demo.secret);
    const refused = await fetch(`${dealer()}/admin/keys/rotate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${demo}` },
      signal: AbortSignal.timeout(10_000),
    });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);

    const metrics = await (await fetch(`${dealer()}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
    expect(metrics).toMatch(/^jeeves_tokens_issued_total\{[^}]*client="jeeves-demo"[^}]*\} [1-9]\d*$/m);
  });
});
