import { KafkaContext } from '@nestjs/microservices';
import { EVENT_TYPES, makeEnvelope, type MessageAccepted, PAYLOAD_SCHEMAS } from '#libs/contracts';
import type { ConsumedMessage } from './consumed-message';
import { decodeEnvelope, encodeEnvelope } from './decode';
import { PoisonMessageError } from './errors';
import { EventHandlers, markDecoded } from './event-handlers';

const data: MessageAccepted = {
  messageId: '6e0f4f0e-3b4b-4d7e-9a3c-0d9b1f2a7c11',
  user: 'ada',
  text: 'help',
  clientId: 'jeeves-demo',
};
const accepted = makeEnvelope({ type: EVENT_TYPES.messageAccepted, correlationId: 'c', data });

/** A context as either transport builds it: kafkajs Buffers (hardened) or Nest-parsed strings (stock). */
function context(
  key: Buffer | string,
  topic = 't1.jeeves.messages.v1',
  headers: Record<string, string | Buffer | null> = { traceparent: null },
): KafkaContext {
  const message = { key, value: null, offset: '12', headers };
  return new KafkaContext([message, 4, topic, {}, async () => undefined, {}] as unknown as ConstructorParameters<
    typeof KafkaContext
  >[0]);
}

describe('EventHandlers', () => {
  it("gives the type's handler its typed message, with topic, partition, offset and key from the context", async () => {
    const seen: ConsumedMessage<MessageAccepted>[] = [];
    const handlers = new EventHandlers({ [EVENT_TYPES.messageAccepted]: async (message) => void seen.push(message) });
    await handlers.handle(
      markDecoded(decodeEnvelope(Buffer.from(JSON.stringify(accepted)), PAYLOAD_SCHEMAS)),
      context(Buffer.from('ada')),
    );
    expect(seen[0]).toMatchObject({ topic: 'jeeves.messages.v1', partition: 4, offset: '12', key: 'ada' });
    expect(seen[0]!.envelope.data.text).toBe('help');
  });

  it('decodes and validates what the stock transport passes (a parsed object, a string)', async () => {
    const seen: string[] = [];
    const handlers = new EventHandlers({
      [EVENT_TYPES.messageAccepted]: async (message) => void seen.push(message.envelope.data.user),
    });
    await handlers.handle(JSON.parse(JSON.stringify(accepted)), context('ada'));
    expect(seen).toEqual(['ada']);
    await expect(handlers.handle('not json', context('ada'))).rejects.toMatchObject({ reason: 'invalid-json' });
    const invalid = { ...accepted, data: { ...data, user: '' } };
    await expect(handlers.handle(invalid, context('ada'))).rejects.toMatchObject({ reason: 'invalid-payload' });
  });

  it('decodes the binary formats the stock transport passes as bytes (keepBinary), by the header Nest made text', async () => {
    const seen: string[] = [];
    const handlers = new EventHandlers({
      [EVENT_TYPES.messageAccepted]: async (message) => void seen.push(message.envelope.data.text),
    });
    await handlers.handle(
      encodeEnvelope(accepted, 'msgpack'),
      context('ada', undefined, { 'content-type': 'application/vnd.msgpack' }),
    );
    await handlers.handle(
      encodeEnvelope(accepted, 'protobuf'),
      context('ada', undefined, { 'content-type': 'application/protobuf' }),
    );
    expect(seen).toEqual(['help', 'help']);
    await expect(
      handlers.handle(
        encodeEnvelope(accepted, 'msgpack'),
        context('ada', undefined, { 'content-type': 'application/protobuf' }),
      ),
    ).rejects.toMatchObject({ reason: 'invalid-protobuf' });
  });

  it('refuses a type the table does not handle as poison', async () => {
    const handlers = new EventHandlers({ [EVENT_TYPES.actionRequested]: async () => undefined });
    expect(handlers.types).toEqual([EVENT_TYPES.actionRequested]);
    const error = await handlers.handle(markDecoded({ ...accepted }), context('ada')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PoisonMessageError);
    expect(error).toMatchObject({ reason: 'unknown-type' });
  });
});
