import { randomUUID } from 'node:crypto';
import { messageReadReplySchema, userMessagesReadReplySchema } from '#libs/contracts';
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
