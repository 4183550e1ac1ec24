import type { EachMessagePayload, IHeaders } from 'kafkajs';
import { createLogger, createMetricsRegistry, type Logger } from '#libs/observability';
import { kafkaMetrics } from '../kafka-metrics';
import { REQUEST_REPLY_TRANSPORT, ResponderServerKafka } from './responder-server-kafka';

function server(prefix = 't1', logger?: Logger) {
  return new ResponderServerKafka(
    { client: { brokers: ['127.0.0.1:9'] }, postfixId: '' },
    prefix,
    {
      metrics: kafkaMetrics(createMetricsRegistry({ service: 'test', defaultMetrics: false })),
      groupLabel: 'jeeves-data-service-reads',
    },
    logger,
  );
}

const REQUEST_TOPIC = 't1.jeeves.reads.message.v1';
const REPLY_TOPIC = `${REQUEST_TOPIC}.reply`;
const READ = JSON.stringify({ id: '6a3e2f4c-1b7d-4c3e-9a51-0d2f8e7b6c15', clientId: 'jeeves-demo' });

describe('ResponderServerKafka', () => {
  it('carries its own transport id, so Nest binds only the handlers marked for it', () => {
    expect(server().transportId).toBe(REQUEST_REPLY_TRANSPORT);
  });

  it('registers request handlers under the prefixed topic and leaves event handlers to the pipeline', () => {
    const s = server();
    const handler = Object.assign(async () => undefined, { isEventHandler: false });
    s.addHandler('jeeves.reads.message.v1', handler, false);
    s.addHandler(
      'jeeves.messages.v1',
      Object.assign(async () => undefined, { isEventHandler: true }),
      true,
    );
    expect([...s.getHandlers().keys()]).toEqual(['t1.jeeves.reads.message.v1']);
    expect(server('').getHandlers().size).toBe(0);
  });

  it('is not ready before it has joined its group', () => {
    expect(server().isReady()).toBe(false);
  });

  describe('a request it cannot answer', () => {
    /** The responder with a fake producer; returns what it sent and what it logged. */
    async function handle(headers: Record<string, string | null | string[]>) {
      const warnings: unknown[] = [];
      const logger = createLogger({ service: 'test', level: 'silent' });
      logger.warn = ((fields: unknown) => warnings.push(fields)) as Logger['warn'];
      const s = server('t1', logger);
      const handler = jest.fn(async () => ({ outcome: 'not-found' }));
      s.addHandler('jeeves.reads.message.v1', Object.assign(handler, { isEventHandler: false }), false);
      const sent: Array<{ topic: string; messages: Array<{ partition?: number }> }> = [];
      Object.assign(s, { producer: { send: async (record: (typeof sent)[number]) => sent.push(record) } });
      await s.handleMessage({
        topic: REQUEST_TOPIC,
        partition: 0,
        message: { key: null, value: Buffer.from(READ), headers: headers as IHeaders, offset: '7' },
        heartbeat: async () => undefined,
        pause: () => () => undefined,
      } as unknown as EachMessagePayload);
      // Nest sends the reply on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
      return { sent, warnings, handled: handler.mock.calls.length };
    }

    const id = { kafka_correlationId: 'c-1' };
    it('answers one with the address Nest’s client gives', async () => {
      const { sent, warnings } = await handle({ ...id, kafka_replyTopic: REPLY_TOPIC, kafka_replyPartition: '3' });
      expect(sent.map((r) => [r.topic, r.messages[0]!.partition])).toEqual([[REPLY_TOPIC, 3]]);
      expect(warnings).toEqual([]);
    });

    it.each([
      ['no correlation id', { kafka_replyTopic: REPLY_TOPIC, kafka_replyPartition: '0' }],
      [
        'a correlation id without a value',
        { kafka_correlationId: null, kafka_replyTopic: REPLY_TOPIC, kafka_replyPartition: '0' },
      ],
      ['no reply topic', { ...id, kafka_replyPartition: '0' }],
      [
        'a reply topic that does not exist',
        { ...id, kafka_replyTopic: 't1.jeeves.nowhere.reply', kafka_replyPartition: '0' },
      ],
      [
        'a pipeline topic as reply topic',
        { ...id, kafka_replyTopic: 't1.jeeves.messages.v1', kafka_replyPartition: '0' },
      ],
      ['two reply topics', { ...id, kafka_replyTopic: [REPLY_TOPIC, 'x'], kafka_replyPartition: '0' }],
      ['no reply partition', { ...id, kafka_replyTopic: REPLY_TOPIC }],
      ['a reply partition the topic lacks', { ...id, kafka_replyTopic: REPLY_TOPIC, kafka_replyPartition: '99' }],
      ['a reply partition that is no number', { ...id, kafka_replyTopic: REPLY_TOPIC, kafka_replyPartition: 'x' }],
    ])('sets aside one with %s: logged, not run, nothing sent', async (_, headers) => {
      const { sent, warnings, handled } = await handle(headers);
      expect(sent).toEqual([]);
      expect(handled).toBe(0);
      expect(warnings).toEqual([expect.objectContaining({ topic: REQUEST_TOPIC, partition: 0, offset: '7' })]);
    });
  });
});
