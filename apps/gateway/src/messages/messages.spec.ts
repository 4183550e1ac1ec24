import type { Envelope } from '#libs/contracts';
import type { EventPublisher } from '#libs/kafka';
import { PublishFailedError } from '../errors';
import { InMemoryIdempotencyStore } from '../idempotency/idempotency-store';
import { FakePublisher } from '../testing/gateway-test-kit';
import { MessageIntake } from './message-intake';
import { KafkaMessagePublisher } from './message-publisher';
import { RecentlyAccepted } from './recently-accepted';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('MessageIntake', () => {
  const setup = () => {
    const publisher = new FakePublisher();
    const recent = new RecentlyAccepted({ ttlMs: 60_000, maxIds: 100 });
    const counted: string[] = [];
    const intake = new MessageIntake(
      publisher,
      new InMemoryIdempotencyStore({ ttlMs: 60_000, maxKeys: 100 }),
      recent,
      (client, replayed) => counted.push(`${client}:${replayed}`),
    );
    return { publisher, recent, intake, counted };
  };
  const message = { clientId: 'c', user: 'alice', text: 'hi', correlationId: 'r-1' };

  it('publishes with a fresh id and remembers it', async () => {
    const { publisher, recent, intake, counted } = setup();
    const a = await intake.accept(message);
    const b = await intake.accept(message);
    expect(a.id).toMatch(UUID);
    expect(a.id).not.toBe(b.id);
    expect(publisher.published).toHaveLength(2);
    expect(recent.has(a.id, 'c')).toBe(true);
    expect(recent.has(a.id, 'another-client')).toBe(false);
    expect(counted).toEqual(['c:false', 'c:false']);
  });

  it('derives the id from client, key and body, so a forgotten key still republishes the same id', async () => {
    const first = await setup().intake.accept({ ...message, idempotencyKey: 'k' });
    const afterRestart = await setup().intake.accept({ ...message, idempotencyKey: 'k' });
    const otherBody = await setup().intake.accept({ ...message, text: 'other', idempotencyKey: 'k' });
    const otherClient = await setup().intake.accept({ ...message, clientId: 'd', idempotencyKey: 'k' });
    expect(afterRestart.id).toBe(first.id);
    expect(otherBody.id).not.toBe(first.id);
    expect(otherClient.id).not.toBe(first.id);
  });

  it('counts replays apart from accepted messages', async () => {
    const { intake, counted } = setup();
    await intake.accept({ ...message, idempotencyKey: 'k' });
    expect(await intake.accept({ ...message, idempotencyKey: 'k' })).toMatchObject({ replayed: true });
    expect(counted).toEqual(['c:false', 'c:true']);
  });

  it('refuses the same key with another body (422), even while the first is in flight', async () => {
    const { publisher, intake } = setup();
    publisher.delayMs = 30;
    const first = intake.accept({ ...message, idempotencyKey: 'k' });
    await expect(intake.accept({ ...message, text: 'changed', idempotencyKey: 'k' })).rejects.toMatchObject({
      status: 422,
      code: 'idempotency-key-reused',
    });
    await first;
  });
});

describe('KafkaMessagePublisher', () => {
  const message = { messageId: '6f1d7a4e-2b1c-4c5d-9e8f-0a1b2c3d4e5f', user: 'alice', text: 'hi', clientId: 'c' };

  it('publishes message.accepted to the messages topic, keyed by user, envelope id = message id', async () => {
    const sent: { topic: string; envelope: Envelope; key: string }[] = [];
    const fake = {
      publish: async (topic: string, envelope: Envelope, options: { key: string }) =>
        void sent.push({ topic, envelope, key: options.key }),
    };
    await new KafkaMessagePublisher(fake as unknown as EventPublisher, 1000).publishAccepted(message, 'corr-1');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      topic: 'jeeves.messages.v1',
      key: 'alice',
      envelope: { id: message.messageId, type: 'message.accepted', version: 1, correlationId: 'corr-1', data: message },
    });
  });

  it('fails with PublishFailedError when the send fails or does not finish in time', async () => {
    const failing = { publish: async () => Promise.reject(new Error('broker gone')) };
    await expect(
      new KafkaMessagePublisher(failing as unknown as EventPublisher, 1000).publishAccepted(message, 'c'),
    ).rejects.toBeInstanceOf(PublishFailedError);
    const hanging = { publish: () => new Promise<void>(() => undefined) };
    const started = Date.now();
    await expect(
      new KafkaMessagePublisher(hanging as unknown as EventPublisher, 50).publishAccepted(message, 'c'),
    ).rejects.toMatchObject({ code: 'EPUBLISH' });
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('RecentlyAccepted', () => {
  it('remembers ids for a while, and at most maxIds of them', () => {
    let nowMs = 0;
    const recent = new RecentlyAccepted({ ttlMs: 100, maxIds: 2, now: () => nowMs });
    recent.remember('a', 'c1');
    recent.remember('b', 'c1');
    recent.remember('c', 'c2');
    expect([recent.has('a', 'c1'), recent.has('b', 'c1'), recent.has('c', 'c2')]).toEqual([false, true, true]);
    // Only the client that sent it: another client asking about the id learns nothing.
    expect([recent.has('b', 'c2'), recent.has('c', 'c1')]).toEqual([false, false]);
    nowMs = 100;
    expect(recent.has('c', 'c2')).toBe(false);
  });
});
