import type { Envelope } from '#libs/contracts';
import type { EventPublisher } from '#libs/kafka';
import { PublishFailedError } from '../errors';
import { InMemoryIdempotencyStore } from '../idempotency/idempotency-store';
import { FakePublisher } from '../testing/gateway-test-kit';
import { MessageIntake, MessageUnconfirmedError } from './message-intake';
import { KafkaMessagePublisher, PublishTimeoutError } from './message-publisher';
import { RecentlyAccepted } from './recently-accepted';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('MessageIntake', () => {
  const setup = () => {
    const publisher = new FakePublisher();
    const recent = new RecentlyAccepted({ ttlMs: 60_000, maxIds: 100 });
    const counted: string[] = [];
    const intake = new MessageIntake(publisher, new InMemoryIdempotencyStore({ ttlMs: 60_000, maxKeys: 100 }), recent, {
      waitForHolderMs: 50,
      onAccepted: (client, replayed) => counted.push(`${client}:${replayed}`),
      onUnconfirmed: (client) => counted.push(`${client}:unconfirmed`),
      onPublishedLate: (client) => counted.push(`${client}:late`),
    });
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

  describe('a publish that is not confirmed in time', () => {
    const unconfirmed = (promise: Promise<unknown>) => promise.catch((error: unknown) => error);

    it('fails with the id it may still be published under, and counts it once published late', async () => {
      const { publisher, recent, intake, counted } = setup();
      publisher.timeouts = 1;
      const error = await unconfirmed(intake.accept(message));
      expect(error).toBeInstanceOf(MessageUnconfirmedError);
      const { messageId } = error as MessageUnconfirmedError;
      expect(messageId).toMatch(UUID);
      expect(recent.has(messageId, 'c')).toBe(false);
      await publisher.settleLate('published');
      expect(publisher.published.map((p) => p.message.messageId)).toEqual([messageId]);
      expect(recent.has(messageId, 'c')).toBe(true);
      expect(counted).toEqual(['c:unconfirmed', 'c:late']);
    });

    it('holds the key while the send is in flight: a retry waits, then answers 503 with the same id', async () => {
      const { publisher, intake } = setup();
      publisher.timeouts = 1;
      const first = (await unconfirmed(intake.accept({ ...message, idempotencyKey: 'k' }))) as MessageUnconfirmedError;
      const retry = (await unconfirmed(intake.accept({ ...message, idempotencyKey: 'k' }))) as MessageUnconfirmedError;
      expect(retry).toBeInstanceOf(MessageUnconfirmedError);
      expect(retry.messageId).toBe(first.messageId);
      expect(publisher.published).toHaveLength(0);
    });

    it('answers a retry after a late publish from the key: same id, published once', async () => {
      const { publisher, intake, counted } = setup();
      publisher.timeouts = 1;
      const first = (await unconfirmed(intake.accept({ ...message, idempotencyKey: 'k' }))) as MessageUnconfirmedError;
      await publisher.settleLate('published');
      const retry = await intake.accept({ ...message, idempotencyKey: 'k' });
      expect(retry).toEqual({ id: first.messageId, replayed: true });
      expect(publisher.published).toHaveLength(1);
      expect(counted).toEqual(['c:unconfirmed', 'c:late', 'c:true']);
    });

    it('lets a retry publish the same id when the late send failed', async () => {
      const { publisher, intake } = setup();
      publisher.timeouts = 1;
      const first = (await unconfirmed(intake.accept({ ...message, idempotencyKey: 'k' }))) as MessageUnconfirmedError;
      await publisher.settleLate('failed');
      expect(await intake.accept({ ...message, idempotencyKey: 'k' })).toEqual({
        id: first.messageId,
        replayed: false,
      });
      expect(publisher.published.map((p) => p.message.messageId)).toEqual([first.messageId]);
    });

    it('refuses the key with another body after the 503 (422), whatever became of the send', async () => {
      const { publisher, intake } = setup();
      publisher.timeouts = 1;
      await unconfirmed(intake.accept({ ...message, idempotencyKey: 'k' }));
      await publisher.settleLate('failed');
      await expect(intake.accept({ ...message, text: 'other', idempotencyKey: 'k' })).rejects.toMatchObject({
        status: 422,
      });
      expect(publisher.published).toHaveLength(0);
    });
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

  it('fails with PublishFailedError when the send fails in time', async () => {
    const failing = { publish: async () => Promise.reject(new Error('broker gone')) };
    const error = await new KafkaMessagePublisher(failing as unknown as EventPublisher, 1000)
      .publishAccepted(message, 'c')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishFailedError);
    expect(error).not.toBeInstanceOf(PublishTimeoutError);
  });

  it('times out without cancelling the send, and reports how the send ended later', async () => {
    let finish!: (ok: boolean) => void;
    const slow = {
      publish: () =>
        new Promise<void>((resolve, reject) => (finish = (ok) => (ok ? resolve() : reject(new Error('x'))))),
    };
    const started = Date.now();
    const error = await new KafkaMessagePublisher(slow as unknown as EventPublisher, 50)
      .publishAccepted(message, 'c')
      .catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(error).toBeInstanceOf(PublishTimeoutError);
    expect(error).toMatchObject({ code: 'EPUBLISH' });
    finish(true);
    await expect((error as PublishTimeoutError).outcome).resolves.toBe('published');

    const failingLate = (await new KafkaMessagePublisher(slow as unknown as EventPublisher, 50)
      .publishAccepted(message, 'c')
      .catch((e: unknown) => e)) as PublishTimeoutError;
    finish(false);
    await expect(failingLate.outcome).resolves.toBe('failed');
  });

  it('reports a send that never settles as unknown after the cap', async () => {
    const hanging = { publish: () => new Promise<void>(() => undefined) };
    const error = (await new KafkaMessagePublisher(hanging as unknown as EventPublisher, 20, 60)
      .publishAccepted(message, 'c')
      .catch((e: unknown) => e)) as PublishTimeoutError;
    await expect(error.outcome).resolves.toBe('unknown');
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
