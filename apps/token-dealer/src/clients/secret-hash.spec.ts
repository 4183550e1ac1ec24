import { hashSecret, parseSecretHash, verifySecret } from './secret-hash';

// Cheap parameters keep the spec fast; the format and the comparison are what is under test.
const FAST = { N: 1024, r: 8, p: 1 };

describe('client secret hashes', () => {
  it('verifies the right secret and refuses a wrong one', async () => {
    const stored = await hashSecret('correct horse battery', FAST);
    expect(stored).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    await expect(verifySecret('correct horse battery', stored)).resolves.toBe(true);
    await expect(verifySecret('correct horse batter', stored)).resolves.toBe(false);
    await expect(verifySecret('', stored)).resolves.toBe(false);
  });

  it('salts every hash, so equal secrets do not give equal hashes', async () => {
    const [a, b] = await Promise.all([hashSecret('same-secret', FAST), hashSecret('same-secret', FAST)]);
    expect(a).not.toBe(b);
    await expect(verifySecret('same-secret', b)).resolves.toBe(true);
  });

  it('never contains the secret', async () => {
    const secret = 'visible-secret-value';
    const stored = await hashSecret(secret, FAST);
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain(Buffer.from(secret).toString('base64url'));
  });

  it('reads the cost parameters from the stored hash', async () => {
    const stored = await hashSecret('portable', { N: 2048, r: 4, p: 2 });
    expect(parseSecretHash(stored)?.params).toEqual({ N: 2048, r: 4, p: 2 });
    await expect(verifySecret('portable', stored)).resolves.toBe(true);
  });

  it.each([
    ['plain text', 'jeeves-demo-secret'],
    ['another scheme', '$2b$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ012345'],
    ['N not a power of two', 'scrypt$1000$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['N too large for memory', 'scrypt$4194304$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['r of zero', 'scrypt$1024$0$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
  ])('refuses %s as a stored hash', async (_what, stored) => {
    expect(parseSecretHash(stored)).toBeUndefined();
    await expect(verifySecret('jeeves-demo-secret', stored)).resolves.toBe(false);
  });
});
