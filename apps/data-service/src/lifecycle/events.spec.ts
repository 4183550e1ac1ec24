import { CONTENT_TYPE_HEADER, CONTENT_TYPES, DLQ_HEADERS, makeEnvelope, TOPICS } from '#libs/contracts';
import { encodeEnvelope } from '#libs/kafka';
import { lifecycleEventOf, readDeadLetter, traceIdFrom } from './events';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('event readers', () => {
  it('takes the trace id from a W3C traceparent, in any case, and refuses anything else', () => {
    expect(traceIdFrom({ traceparent: `00-${TRACE.toUpperCase()}-00f067aa0ba902b7-01` })).toBe(TRACE);
    expect(traceIdFrom({ traceparent: `00-${TRACE}-00f067aa0ba902b7` })).toBeNull();
    expect(traceIdFrom({ traceparent: `00-${TRACE}x-00f067aa0ba902b7-01` })).toBeNull();
    expect(traceIdFrom({})).toBeNull();
  });

  it('reads a traceparent without a value, or given twice, as no trace (issue 10, case 1)', () => {
    const valid = Buffer.from(`00-${TRACE}-00f067aa0ba902b7-01`);
    expect(traceIdFrom({ traceparent: null })).toBeNull();
    expect(traceIdFrom({ traceparent: [null] })).toBeNull();
    expect(traceIdFrom({ traceparent: [valid, valid] })).toBeNull();
    expect(traceIdFrom({ traceparent: [null, valid] })).toBe(TRACE);
    expect(traceIdFrom({ traceparent: Buffer.from([0xff, 0xfe]) })).toBeNull();
  });

  it('reads dead-letter provenance from headers that are null, repeated or binary', () => {
    const letter = readDeadLetter(
      Buffer.from([0xff]),
      null,
      {
        [DLQ_HEADERS.sourceTopic]: [Buffer.from('forged'), Buffer.from(TOPICS.messages)],
        [DLQ_HEADERS.reason]: null,
        [DLQ_HEADERS.consumerGroup]: [null],
      },
      0,
    );
    expect(letter).toMatchObject({ sourceTopic: TOPICS.messages, reason: 'unknown', consumerGroup: null });
  });

  it('reads a dead letter in the format of its original content-type header, and none from a lying one', () => {
    const id = '6f1c2a4e-8b1d-4c3e-9f00-0123456789ab';
    const original = makeEnvelope({ type: 'reply.produced', correlationId: id, data: { messageId: id, user: 'bob' } });
    for (const format of ['msgpack', 'protobuf'] as const) {
      const headers = { [CONTENT_TYPE_HEADER]: Buffer.from(CONTENT_TYPES[format]) };
      const letter = readDeadLetter(encodeEnvelope(original, format), null, headers, 0);
      expect(letter.envelope?.id).toBe(original.id);
      expect(letter.event).toMatchObject({ messageId: id, user: 'bob' });
    }
    const lying = { [CONTENT_TYPE_HEADER]: Buffer.from(CONTENT_TYPES.protobuf) };
    expect(readDeadLetter(Buffer.from(JSON.stringify(original)), null, lying, 0).event).toBeNull();
    const unknown = { [CONTENT_TYPE_HEADER]: Buffer.from('text/csv') };
    expect(readDeadLetter(encodeEnvelope(original, 'msgpack'), null, unknown, 0).envelope).toBeNull();
  });

  it('keeps the source-topic label bounded: unknown topics read as "unknown"', () => {
    const letter = readDeadLetter(Buffer.from('{}'), null, { [DLQ_HEADERS.sourceTopic]: 'someone.elses.topic' }, 0);
    expect(letter.sourceTopic).toBe('unknown');
    expect(readDeadLetter(null, null, { [DLQ_HEADERS.sourceTopic]: TOPICS.actions }, 0).sourceTopic).toBe(
      TOPICS.actions,
    );
  });

  it('dates a dead letter by its envelope, and names the reason "unknown" when the header is missing', () => {
    const id = '6f1c2a4e-8b1d-4c3e-9f00-0123456789ab';
    const original = makeEnvelope({
      type: 'reply.produced',
      correlationId: id,
      occurredAt: new Date(5000),
      data: { messageId: id },
    });
    const letter = readDeadLetter(Buffer.from(JSON.stringify(original)), 'alice', {}, 99);
    expect(letter.event).toEqual({
      kind: 'dead-lettered',
      messageId: id,
      user: 'alice',
      reason: 'dead-lettered: unknown',
      occurredAtMs: 5000,
    });
  });

  it('carries the creating client of a message.accepted, also when it comes back dead-lettered', () => {
    const id = '6f1c2a4e-8b1d-4c3e-9f00-0123456789ab';
    const accepted = makeEnvelope({
      type: 'message.accepted',
      correlationId: id,
      data: { messageId: id, user: 'alice', text: 'hi', clientId: 'jeeves-demo' },
    });
    expect(lifecycleEventOf(accepted, {})).toMatchObject({ kind: 'accepted', clientId: 'jeeves-demo' });
    const letter = readDeadLetter(Buffer.from(JSON.stringify(accepted)), 'alice', {}, 99);
    expect(letter.event).toMatchObject({ kind: 'dead-lettered', clientId: 'jeeves-demo' });
    // Only message.accepted names a client: a clientId in another payload says nothing about the owner.
    const reply = makeEnvelope({ type: 'reply.produced', correlationId: id, data: { messageId: id, clientId: 'x' } });
    expect(readDeadLetter(Buffer.from(JSON.stringify(reply)), 'alice', {}, 99).event).not.toHaveProperty('clientId');
  });
});
