import { randomUUID } from 'node:crypto';
import type { Producer } from 'kafkajs';
import { EVENT_TYPES, makeEnvelope, type MessageView, TOPICS } from '#libs/contracts';
import { connectedProducer, kafka } from './pipeline-helpers';
import { killApp, lab, restartApp, waitFor } from './support/lab';

const N = 300;
const USERS = 10;

/**
 * data-service SIGKILLed while it stores a burst of replies: offsets are committed only after the
 * store commits, so whatever it had not committed comes back to the restarted process, and the
 * store's envelope ids turn those redeliveries into no-ops. Every message ends stored exactly once.
 */
describe('data-service killed mid-stream loses nothing and applies nothing twice', () => {
  let producer: Producer;
  const run = Date.now();
  const users = Array.from({ length: USERS }, (_, i) => `ds-kill-${run}-${i}`);
  const base = (): string => lab().urls['data-service'];

  beforeAll(async () => {
    producer = await connectedProducer(kafka('data-service-kill-spec'));
  });

  afterAll(async () => {
    await producer?.disconnect();
  });

  async function stored(): Promise<MessageView[]> {
    const pages = await Promise.all(
      users.map(async (user) => {
        const response = await fetch(`${base()}/v1/users/${user}/messages?limit=100`, {
          signal: AbortSignal.timeout(5000),
        });
        if (!response.ok) throw new Error(`data-service answered ${response.status}`);
        return ((await response.json()) as { items: MessageView[] }).items;
      }),
    );
    return pages.flat();
  }

  it(`stores all ${N} replies once although data-service was killed while storing them`, async () => {
    const envelopes = Array.from({ length: N }, (_, i) => {
      const messageId = randomUUID();
      const user = users[i % USERS]!;
      return {
        user,
        envelope: makeEnvelope({
          type: EVENT_TYPES.replyProduced,
          correlationId: messageId,
          data: { messageId, user, intent: 'help', status: 'replied', text: `answer ${i}`, degraded: false },
        }),
      };
    });
    const send = (slice: typeof envelopes) =>
      producer.send({
        topic: lab().topic(TOPICS.replies),
        acks: -1,
        messages: slice.map(({ user, envelope }) => ({ key: user, value: JSON.stringify(envelope) })),
      });

    await send(envelopes.slice(0, N / 2));
    const storedBeforeKill = await waitFor(
      async () => {
        const count = (await stored()).length;
        return count >= 10 ? count : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 50, what: 'data-service to store some of the first replies' },
    );
    await killApp('data-service');
    await send(envelopes.slice(N / 2));
    await restartApp('data-service');

    const views = await waitFor(
      async () => {
        const all = await stored();
        return all.length === N ? all : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 500, what: `all ${N} replies stored` },
    );
    expect(storedBeforeKill).toBeLessThan(N);
    const byId = new Map(views.map((view) => [view.id, view]));
    for (const [index, { envelope }] of envelopes.entries()) {
      expect(byId.get((envelope.data as { messageId: string }).messageId)).toMatchObject({
        status: 'replied',
        reply: `answer ${index}`,
      });
    }
    // Each message has exactly its one envelope applied; redeliveries show only as suppressed repeats.
    let suppressed = 0;
    for (const { envelope } of envelopes.filter((_, i) => i % 10 === 0)) {
      const response = await fetch(
        `${base()}/v1/messages/${(envelope.data as { messageId: string }).messageId}/events`,
        { signal: AbortSignal.timeout(5000) },
      );
      const events = ((await response.json()) as { items: { envelopeId: string; duplicates: number }[] }).items;
      expect(events.map((event) => event.envelopeId)).toEqual([envelope.id]);
      suppressed += events[0]!.duplicates;
    }
    process.stderr.write(
      `[data-service kill] stored before kill: ${storedBeforeKill}/${N}; suppressed redeliveries in a 1-in-10 sample: ${suppressed}\n`,
    );
  });
});
