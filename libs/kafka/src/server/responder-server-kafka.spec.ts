import { createMetricsRegistry } from '#libs/observability';
import { kafkaMetrics } from '../kafka-metrics';
import { REQUEST_REPLY_TRANSPORT, ResponderServerKafka } from './responder-server-kafka';

function server(prefix = 't1') {
  return new ResponderServerKafka({ client: { brokers: ['127.0.0.1:9'] }, postfixId: '' }, prefix, {
    metrics: kafkaMetrics(createMetricsRegistry({ service: 'test', defaultMetrics: false })),
    groupLabel: 'jeeves-data-service-reads',
  });
}

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
});
