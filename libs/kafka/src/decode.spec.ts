import { EVENT_TYPES, makeEnvelope, PAYLOAD_SCHEMAS } from '#libs/contracts';
import { decodeEnvelope } from './decode';
import { PoisonMessageError } from './errors';

const valid = makeEnvelope({
  type: EVENT_TYPES.messageAccepted,
  correlationId: 'c1',
  data: { messageId: '4b1d2c1e-7a34-4b55-9d2f-0d3c8a8e1f00', user: 'alice', text: 'help', clientId: 'jeeves-demo' },
});

function reasonOf(value: Buffer | null): string | undefined {
  try {
    decodeEnvelope(value, PAYLOAD_SCHEMAS);
    return undefined;
  } catch (error) {
    return error instanceof PoisonMessageError ? error.reason : 'other';
  }
}

describe('decodeEnvelope', () => {
  it('accepts a valid envelope', () => {
    expect(decodeEnvelope(Buffer.from(JSON.stringify(valid)), PAYLOAD_SCHEMAS).data).toEqual(valid.data);
  });

  it.each([
    ['a tombstone', null, 'invalid-json'],
    ['bytes that are not JSON', Buffer.from('{nope'), 'invalid-json'],
    ['an envelope without id', Buffer.from(JSON.stringify({ ...valid, id: undefined })), 'invalid-envelope'],
    ['an unknown type', Buffer.from(JSON.stringify({ ...valid, type: 'nope' })), 'unknown-type'],
    ['a payload of the wrong shape', Buffer.from(JSON.stringify({ ...valid, data: { user: 1 } })), 'invalid-payload'],
  ])('rejects %s as poison', (_name, value, reason) => {
    expect(reasonOf(value)).toBe(reason);
  });
});
