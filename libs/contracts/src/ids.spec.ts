import { derivedEnvelopeId, uuidV5 } from './ids';

describe('uuidV5', () => {
  it('matches the RFC 9562 test vector', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });

  it('refuses a namespace that is not a UUID', () => {
    expect(() => uuidV5('x', 'not-a-uuid')).toThrow(TypeError);
  });
});

describe('derivedEnvelopeId', () => {
  const messageId = '0b7f3a52-4c4e-4f7c-9b1e-2d6a9c0e1f23';

  it('is stable for one message and step, and differs between steps and messages', () => {
    expect(derivedEnvelopeId(messageId, 'reply')).toBe(derivedEnvelopeId(messageId, 'reply'));
    expect(derivedEnvelopeId(messageId, 'reply')).not.toBe(derivedEnvelopeId(messageId, 'action'));
    expect(derivedEnvelopeId(messageId, 'reply')).not.toBe(
      derivedEnvelopeId('1b7f3a52-4c4e-4f7c-9b1e-2d6a9c0e1f23', 'reply'),
    );
  });

  it('is a version 5 UUID', () => {
    expect(derivedEnvelopeId(messageId, 'action')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});
