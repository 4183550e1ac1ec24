import { randomUUID } from 'node:crypto';
import { problemOf, rawToGateway, servedDocumentValidator, type Validator } from './gateway-edge-helpers';
import { CLIENTS, getToken, waitFor } from './support/lab';

/**
 * Issue 10, case 7: `{"user":"u","text":"a\xffb"}` sent twice with one `Idempotency-Key` and a
 * different invalid byte was accepted both times, stored with U+FFFD, and the second replayed as the
 * first. The running gateway refuses a body that is not UTF-8 with a problem+json 400 (RFC 8259
 * §8.1) before the idempotency logic, and stores valid text exactly as sent.
 */
describe('gateway: bodies that are not UTF-8 are refused, text is stored exactly', () => {
  let validator: Validator;
  let auth: [string, string];
  const user = `it-utf8-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    validator = await servedDocumentValidator();
    auth = ['Authorization', `Bearer ${await getToken(CLIENTS.demo.id, CLIENTS.demo.secret)}`];
  });

  const post = (body: Buffer | string, key?: string) =>
    rawToGateway(
      validator,
      'POST',
      '/v1/messages',
      [auth, ['Content-Type', 'application/json'], ...(key ? ([['Idempotency-Key', key]] as const) : [])],
      body,
    );
  const withByte = (byte: number) =>
    Buffer.concat([Buffer.from(`{"user":"${user}","text":"a`), Buffer.from([byte]), Buffer.from('b"}')]);

  it('refuses both invalid bodies of the reported case with 400, and the key stays free', async () => {
    const key = randomUUID();
    for (const byte of [0xff, 0xfe]) {
      const answer = await post(withByte(byte), key);
      expect(answer.status).toBe(400);
      expect(problemOf(answer)).toMatchObject({ code: 'malformed-json', detail: expect.stringContaining('UTF-8') });
    }
    // The key was never claimed: the real message with it is new, not a replay.
    const accepted = await post(JSON.stringify({ user, text: 'a\u00ffb' }), key);
    expect(accepted.status).toBe(202);
    expect(accepted.headers['idempotent-replayed']).toBeUndefined();
  });

  it('stores text exactly as sent, and lists nothing that was refused', async () => {
    const texts = ['a\u00ffb', 'e\u0301 \u{1F600} \u202Eabc\u202C 中文', '\\u0041 is not decoded twice'];
    const ids: string[] = [];
    for (const text of texts) {
      const answer = await post(JSON.stringify({ user, text }));
      expect(answer.status).toBe(202);
      ids.push((JSON.parse(answer.body) as { id: string }).id);
    }
    // One user's messages are stored in order: once the last is listed, all are.
    const items = await waitFor(
      async () => {
        const answer = await rawToGateway(validator, 'GET', `/v1/users/${user}/messages?limit=50`, [auth]);
        const listed = (JSON.parse(answer.body) as { items: { id: string; text: string }[] }).items;
        return listed.some((m) => m.id === ids.at(-1)) ? listed : undefined;
      },
      { timeoutMs: 60_000, what: 'the messages to be stored' },
    );
    for (const [index, id] of ids.entries()) expect(items.find((m) => m.id === id)?.text).toBe(texts[index]);
    expect(items.some((m) => m.text.includes('\uFFFD'))).toBe(false);
    // The first test's message is there once; nothing from the refused bodies is.
    expect(items.filter((m) => m.text === 'a\u00ffb')).toHaveLength(2);
  });
});
