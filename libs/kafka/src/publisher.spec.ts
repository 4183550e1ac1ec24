import type { ClientKafka } from '@nestjs/microservices';
import { of } from 'rxjs';
import {
  CONTENT_TYPE_HEADER,
  CONTENT_TYPES,
  EVENT_FIXTURES,
  EVENT_TYPES,
  type Envelope,
  PAYLOAD_FORMATS,
  PAYLOAD_SCHEMAS,
} from '#libs/contracts';
import { createLogger, createMetricsRegistry } from '#libs/observability';
import { decodeEnvelope } from './decode';
import { PoisonMessageError } from './errors';
import { kafkaMetrics } from './kafka-metrics';
import { type OutgoingRecord, EventPublisher } from './publisher';

function publisherOf(format: (typeof PAYLOAD_FORMATS)[number]) {
  const sent: { topic: string; record: OutgoingRecord }[] = [];
  const client = {
    emit: (topic: string, record: OutgoingRecord) => {
      sent.push({ topic, record });
      return of(undefined);
    },
  } as unknown as ClientKafka;
  const metrics = kafkaMetrics(createMetricsRegistry({ service: 'test', defaultMetrics: false }));
  const logger = createLogger({ service: 'test', level: 'silent' });
  return { sent, publisher: new EventPublisher(client, 'p', metrics, logger, undefined, format) };
}

const envelope = EVENT_FIXTURES[EVENT_TYPES.messageAccepted].valid[0]!.envelope as unknown as Envelope;

describe('EventPublisher', () => {
  it.each(PAYLOAD_FORMATS)('writes %s and names it in the content-type header', async (format) => {
    const { sent, publisher } = publisherOf(format);
    await publisher.publish('jeeves.messages.v1', envelope, { key: 'alice', headers: { 'x-a': 'b' } });
    const [{ topic, record }] = sent as [{ topic: string; record: OutgoingRecord }];
    expect(topic).toBe('p.jeeves.messages.v1');
    const headers = record.headers as Record<string, string>;
    expect(headers).toMatchObject({ [CONTENT_TYPE_HEADER]: CONTENT_TYPES[format], 'x-a': 'b' });
    expect(decodeEnvelope(record.value as Buffer, PAYLOAD_SCHEMAS, headers[CONTENT_TYPE_HEADER])).toEqual(envelope);
  });

  it('refuses an envelope the contract refuses, in any format, before sending anything', async () => {
    for (const format of PAYLOAD_FORMATS) {
      const { sent, publisher } = publisherOf(format);
      const bad = { ...envelope, data: { ...(envelope.data as object), text: '' } };
      await expect(publisher.publish('jeeves.messages.v1', bad, { key: 'alice' })).rejects.toBeInstanceOf(
        PoisonMessageError,
      );
      expect(sent).toEqual([]);
    }
  });
});
