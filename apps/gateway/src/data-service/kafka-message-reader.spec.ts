import { READ_TOPICS, type ReadTopicName } from '#libs/contracts';
import { RequestReplyError, type RequestReplyErrorCode } from '#libs/kafka';
import { dependencyProblem } from '../errors';
import { messageView } from '../testing/gateway-test-kit';
import { KafkaMessageReader, type RequestSender } from './kafka-message-reader';

const READER = { clientId: 'jeeves-demo' };

/** A sender that answers every request with `answer(topic, data)`, and records them. */
function sender(answer: (topic: ReadTopicName, data: object) => unknown) {
  const sent: { topic: ReadTopicName; data: object; timeoutMs: number }[] = [];
  const fake: RequestSender & { sent: typeof sent } = {
    sent,
    async request(topic, data, timeoutMs) {
      sent.push({ topic, data, timeoutMs });
      return answer(topic, data);
    },
  };
  return fake;
}

const failing = (code: RequestReplyErrorCode) =>
  sender((topic) => {
    throw new RequestReplyError(code, topic, code);
  });

describe('KafkaMessageReader', () => {
  const view = messageView();

  it('reads a message over its topic with the reading client, and undefined for not-found', async () => {
    const s = sender(() => ({ outcome: 'found', message: view }));
    await expect(new KafkaMessageReader(s, { timeoutMs: 500 }).getMessage(view.id, READER)).resolves.toEqual(view);
    expect(s.sent[0]).toMatchObject({ topic: READ_TOPICS.message, data: { id: view.id, clientId: 'jeeves-demo' } });
    expect(s.sent[0]!.timeoutMs).toBeLessThanOrEqual(500);
    const missing = sender(() => ({ outcome: 'not-found' }));
    await expect(
      new KafkaMessageReader(missing, { timeoutMs: 500 }).getMessage(view.id, READER),
    ).resolves.toBeUndefined();
  });

  it('lists a page, passing before only when given', async () => {
    const s = sender(() => ({ outcome: 'page', page: { items: [view], nextBefore: null } }));
    const reader = new KafkaMessageReader(s, { timeoutMs: 500 });
    await expect(reader.listUserMessages('alice', { ...READER, limit: 5 })).resolves.toEqual({
      items: [view],
      nextBefore: null,
    });
    await reader.listUserMessages('alice', { ...READER, limit: 5, before: '2030-01-01T00:00:00Z' });
    expect(s.sent.map((r) => r.data)).toEqual([
      { user: 'alice', clientId: 'jeeves-demo', limit: 5 },
      { user: 'alice', clientId: 'jeeves-demo', limit: 5, before: '2030-01-01T00:00:00Z' },
    ]);
  });

  it('refuses a user name data-service cannot hold before sending anything', async () => {
    const s = sender(() => ({ outcome: 'page', page: { items: [], nextBefore: null } }));
    for (const user of ['.', '..', '', 'a/b'])
      await expect(
        new KafkaMessageReader(s, { timeoutMs: 500 }).listUserMessages(user, { ...READER, limit: 1 }),
      ).rejects.toMatchObject({
        code: 'EREJECTED',
      });
    expect(s.sent).toHaveLength(0);
  });

  it.each([
    ['a timeout', failing('ETIMEDOUT'), 'ETIMEDOUT', 503],
    ['no reply partition', failing('ENOREPLYPARTITION'), 'EUNAVAILABLE', 503],
    ['a failed send', failing('ESEND'), 'EUNAVAILABLE', 503],
    ['a responder error', failing('EREMOTE'), 'EBADRESPONSE', 503],
    [
      'an off-contract reply',
      sender(() => ({ outcome: 'found', message: { ...view, status: 'lost' } })),
      'EBADRESPONSE',
      503,
    ],
    ['a store failure', sender(() => ({ outcome: 'unavailable', detail: 'store down' })), 'EBADRESPONSE', 503],
    ['a refused query', sender(() => ({ outcome: 'rejected', detail: 'bad before' })), 'EREJECTED', 400],
  ] as const)('answers %s with %s, which the gateway maps to %i', async (_name, s, code, status) => {
    const error = await new KafkaMessageReader(s, { timeoutMs: 500 })
      .getMessage(view.id, READER)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'DataServiceError', code });
    expect(dependencyProblem(error)).toMatchObject({ status });
  });

  it('runs the fault hook under the deadline: an injected error is EUNAVAILABLE, a hang ETIMEDOUT, and nothing is sent', async () => {
    const s = sender(() => ({ outcome: 'not-found' }));
    const erroring = new KafkaMessageReader(s, {
      timeoutMs: 100,
      beforeCall: async () => Promise.reject(new Error('injected')),
    });
    await expect(erroring.getMessage(view.id, READER)).rejects.toMatchObject({ code: 'EUNAVAILABLE' });
    const hanging = new KafkaMessageReader(s, {
      timeoutMs: 50,
      beforeCall: (_dependency, signal) =>
        new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error))),
    });
    const started = Date.now();
    await expect(hanging.getMessage(view.id, READER)).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(s.sent).toHaveLength(0);
  });
});
