import { randomUUID } from 'node:crypto';
import { messageReadReplySchema, READ_REPLY_MAX_VALUE_BYTES, userMessagesReadReplySchema } from '#libs/contracts';
import { applyEvent } from '../lifecycle/lifecycle';
import type { MessageRepository } from '../store/message.repository';
import { SqliteMessageRepository } from '../store/sqlite-message.repository';
import { MessageQueries } from './message-queries';
import { ReadsController } from './reads.controller';

const T0 = Date.parse('2026-11-27T10:00:00.000Z');

describe('ReadsController (reads over Kafka request-reply)', () => {
  let repository: MessageRepository;
  let reads: ReadsController;
  const id = randomUUID();

  beforeAll(async () => {
    repository = SqliteMessageRepository.open({ path: ':memory:', busyTimeoutMs: 100 });
    const event = {
      kind: 'accepted',
      clientId: 'jeeves-demo',
      messageId: id,
      user: 'alice',
      text: 'hello',
      occurredAtMs: T0,
      traceId: 'd'.repeat(32),
    } as const;
    await repository.applyOnce({
      eventKey: randomUUID(),
      eventType: event.kind,
      messageId: id,
      reduce: (current) => applyEvent(current, event, T0 + 1000),
    });
    reads = new ReadsController(new MessageQueries(repository));
  });

  afterAll(async () => repository.close());

  it("answers a message of the reading client's, and not-found for another client's or an unknown id", async () => {
    const found = await reads.message({ id, clientId: 'jeeves-demo' });
    expect(messageReadReplySchema.parse(found)).toMatchObject({ outcome: 'found', message: { id, user: 'alice' } });
    await expect(reads.message({ id, clientId: 'someone-else' })).resolves.toEqual({ outcome: 'not-found' });
    await expect(reads.message({ id: randomUUID(), clientId: 'jeeves-demo' })).resolves.toEqual({
      outcome: 'not-found',
    });
  });

  it('answers a page of the client’s messages for a user', async () => {
    const reply = await reads.userMessages({ user: 'alice', clientId: 'jeeves-demo', limit: 5 });
    expect(userMessagesReadReplySchema.parse(reply)).toMatchObject({ outcome: 'page', page: { nextBefore: null } });
    expect(reply.outcome === 'page' && reply.page.items.map((m) => m.id)).toEqual([id]);
  });

  it('cuts a page too large for one Kafka reply at an acceptance instant, and paging on returns every message once', async () => {
    // 100 messages of 2000 U+0001 (each written `\u0001` in JSON: 6 bytes): about 1.2 MB as one
    // page, past Kafka's default max.message.bytes, so the reply could never be produced.
    const text = '\u0001'.repeat(2000);
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) {
      const messageId = randomUUID();
      ids.push(messageId);
      // Pairs share an instant, so a cut must not fall between two messages of the same one.
      const at = T0 + Math.floor(i / 2) * 1000;
      const event = {
        kind: 'accepted',
        clientId: 'jeeves-demo',
        messageId,
        user: 'bulky',
        text,
        occurredAtMs: at,
        traceId: null,
      } as const;
      await repository.applyOnce({
        eventKey: randomUUID(),
        eventType: event.kind,
        messageId,
        reduce: (current) => applyEvent(current, event, at),
      });
    }
    const seen: string[] = [];
    let before: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const reply = await reads.userMessages({
        user: 'bulky',
        clientId: 'jeeves-demo',
        limit: 100,
        ...(before === undefined ? {} : { before }),
      });
      expect(Buffer.byteLength(JSON.stringify(reply))).toBeLessThanOrEqual(READ_REPLY_MAX_VALUE_BYTES);
      const page = userMessagesReadReplySchema.parse(reply);
      if (page.outcome !== 'page') throw new Error(`expected a page, got ${page.outcome}`);
      seen.push(...page.page.items.map((m) => m.id));
      if (page.page.nextBefore === null) break;
      before = page.page.nextBefore;
    }
    expect(seen).toHaveLength(100);
    expect(new Set(seen)).toEqual(new Set(ids));
  });

  it.each([null, 'text', { id: 'nope', clientId: 'c' }, { id, clientId: 'c', extra: true }])(
    'answers rejected, with what is wrong, for the request %j',
    async (payload) => {
      const reply = await reads.message(payload);
      expect(reply).toMatchObject({ outcome: 'rejected', detail: expect.stringMatching(/^invalid read: /) });
    },
  );

  it('answers unavailable when the store fails', async () => {
    const broken = (error: Error) =>
      new ReadsController(
        new MessageQueries({ findById: () => Promise.reject(error) } as unknown as MessageRepository),
      );
    await expect(broken(new Error('disk I/O error')).message({ id, clientId: 'c' })).resolves.toMatchObject({
      outcome: 'unavailable',
    });
  });
});
