import { EVENT_TYPES, type EventType } from './messages';

/** One named envelope (a plain object, as it would be written) for the format agreement tests. */
export interface EnvelopeFixture {
  readonly name: string;
  readonly envelope: Readonly<Record<string, unknown>>;
}

/** Valid envelopes zod accepts and invalid ones it refuses, for one event type. */
export interface EventFixtures {
  readonly valid: readonly EnvelopeFixture[];
  readonly invalid: readonly EnvelopeFixture[];
}

const MESSAGE_ID = '4b1d2c1e-7a34-4b55-9d2f-0d3c8a8e1f00';

function head(type: EventType): Record<string, unknown> {
  return {
    id: '9f0c7d7e-3a1b-4c2d-8e9f-0a1b2c3d4e5f',
    type,
    version: 1,
    occurredAt: '2026-12-01T00:18:46.123Z',
    correlationId: MESSAGE_ID,
  };
}

/** Variants of the envelope's own fields zod refuses, whatever the payload. */
function invalidHeads(type: EventType, data: Record<string, unknown>): EnvelopeFixture[] {
  const base = { ...head(type), data };
  const without = (key: string): Record<string, unknown> =>
    Object.fromEntries(Object.entries(base).filter(([name]) => name !== key));
  return [
    { name: 'no id', envelope: without('id') },
    { name: 'an empty id', envelope: { ...base, id: '' } },
    { name: 'a null id', envelope: { ...base, id: null } },
    { name: 'version 0', envelope: { ...base, version: 0 } },
    { name: 'a fractional version', envelope: { ...base, version: 1.5 } },
    { name: 'a version past 2^53', envelope: { ...base, version: 2 ** 53 + 2 } },
    { name: 'a version as text', envelope: { ...base, version: '1' } },
    { name: 'a timestamp without an offset', envelope: { ...base, occurredAt: '2026-12-01T00:18:46' } },
    { name: 'a timestamp as a number', envelope: { ...base, occurredAt: 1_796_084_326_123 } },
    { name: 'no payload', envelope: without('data') },
    { name: 'an unknown envelope field', envelope: { ...base, extra: 'x' } },
    { name: 'a correlation id with a lone surrogate', envelope: { ...base, correlationId: 'c\uD800' } },
  ];
}

const accepted = {
  messageId: MESSAGE_ID,
  user: 'alice',
  text: 'weather in Paris',
  clientId: 'jeeves-demo',
};
const requested = {
  messageId: MESSAGE_ID,
  user: 'alice',
  intent: 'weather',
  action: { kind: 'weather', city: 'Paris' },
};
const replied = {
  messageId: MESSAGE_ID,
  user: 'alice',
  intent: 'weather',
  status: 'replied',
  text: 'Sunny, 21 °C in Paris',
  degraded: false,
};

/**
 * For every event type of the contract, envelopes zod accepts (the edges of each field: empty
 * strings where allowed, optional fields absent and present, offsets, non-ASCII text) and ones it
 * refuses (absent, null, empty, wrong kind, unknown field, lone surrogate). Every format must give
 * back each valid one exactly and refuse each invalid one (libs/kafka payload-formats-agree.spec.ts).
 */
export const EVENT_FIXTURES: Readonly<Record<EventType, EventFixtures>> = {
  [EVENT_TYPES.messageAccepted]: {
    valid: [
      { name: 'a plain message', envelope: { ...head(EVENT_TYPES.messageAccepted), data: accepted } },
      {
        name: 'non-ASCII text, an astral character, an offset timestamp, a large version',
        envelope: {
          ...head(EVENT_TYPES.messageAccepted),
          version: 2 ** 53 - 1,
          occurredAt: '2026-12-01T02:18:46.123456+02:00',
          data: { ...accepted, text: 'Wetter in Zürich? 🌦 日本' },
        },
      },
      {
        name: 'a text of 2000 characters',
        envelope: { ...head(EVENT_TYPES.messageAccepted), data: { ...accepted, text: 'x'.repeat(2000) } },
      },
    ],
    invalid: [
      ...invalidHeads(EVENT_TYPES.messageAccepted, accepted),
      {
        name: 'an empty text',
        envelope: { ...head(EVENT_TYPES.messageAccepted), data: { ...accepted, text: '' } },
      },
      {
        name: 'a text with U+0000',
        envelope: { ...head(EVENT_TYPES.messageAccepted), data: { ...accepted, text: 'a\u0000b' } },
      },
      {
        name: 'a user as a number',
        envelope: { ...head(EVENT_TYPES.messageAccepted), data: { ...accepted, user: 1 } },
      },
      {
        name: 'no clientId',
        envelope: {
          ...head(EVENT_TYPES.messageAccepted),
          data: { messageId: MESSAGE_ID, user: 'alice', text: 'hi' },
        },
      },
      {
        name: 'an unknown payload field',
        envelope: { ...head(EVENT_TYPES.messageAccepted), data: { ...accepted, extra: true } },
      },
      {
        name: 'another type’s payload',
        envelope: { ...head(EVENT_TYPES.messageAccepted), data: requested },
      },
    ],
  },
  [EVENT_TYPES.actionRequested]: {
    valid: [
      { name: 'a weather action', envelope: { ...head(EVENT_TYPES.actionRequested), data: requested } },
      {
        name: 'a time action',
        envelope: {
          ...head(EVENT_TYPES.actionRequested),
          data: { ...requested, intent: 'time', action: { kind: 'time', zone: 'Asia/Tokyo' } },
        },
      },
    ],
    invalid: [
      ...invalidHeads(EVENT_TYPES.actionRequested, requested),
      {
        name: 'an unknown intent',
        envelope: { ...head(EVENT_TYPES.actionRequested), data: { ...requested, intent: 'dance' } },
      },
      {
        name: 'a weather action with a zone',
        envelope: {
          ...head(EVENT_TYPES.actionRequested),
          data: { ...requested, action: { kind: 'weather', city: 'Paris', zone: 'UTC' } },
        },
      },
      {
        name: 'an action of an unknown kind',
        envelope: {
          ...head(EVENT_TYPES.actionRequested),
          data: { ...requested, action: { kind: 'news', city: 'Paris' } },
        },
      },
      {
        name: 'an action without its city',
        envelope: { ...head(EVENT_TYPES.actionRequested), data: { ...requested, action: { kind: 'weather' } } },
      },
      {
        name: 'an action with an empty city',
        envelope: {
          ...head(EVENT_TYPES.actionRequested),
          data: { ...requested, action: { kind: 'weather', city: '' } },
        },
      },
      {
        name: 'no action',
        envelope: {
          ...head(EVENT_TYPES.actionRequested),
          data: { messageId: MESSAGE_ID, user: 'alice', intent: 'weather' },
        },
      },
    ],
  },
  [EVENT_TYPES.replyProduced]: {
    valid: [
      { name: 'a reply', envelope: { ...head(EVENT_TYPES.replyProduced), data: replied } },
      {
        name: 'a degraded failure with a reason and an empty text',
        envelope: {
          ...head(EVENT_TYPES.replyProduced),
          data: { ...replied, status: 'failed', text: '', degraded: true, reason: 'provider down' },
        },
      },
      {
        name: 'degraded left out (zod defaults it to false) and an empty reason',
        envelope: {
          ...head(EVENT_TYPES.replyProduced),
          data: { messageId: MESSAGE_ID, user: 'alice', intent: 'help', status: 'replied', text: 'Hi', reason: '' },
        },
      },
      {
        name: 'an optional reason given as undefined (left out on the wire, as JSON leaves it)',
        envelope: { ...head(EVENT_TYPES.replyProduced), data: { ...replied, reason: undefined } },
      },
    ],
    invalid: [
      ...invalidHeads(EVENT_TYPES.replyProduced, replied),
      {
        name: 'a null reason',
        envelope: { ...head(EVENT_TYPES.replyProduced), data: { ...replied, reason: null } },
      },
      {
        name: 'degraded as text',
        envelope: { ...head(EVENT_TYPES.replyProduced), data: { ...replied, degraded: 'false' } },
      },
      {
        name: 'an unknown status',
        envelope: { ...head(EVENT_TYPES.replyProduced), data: { ...replied, status: 'pending' } },
      },
      {
        name: 'a text of 4001 characters',
        envelope: { ...head(EVENT_TYPES.replyProduced), data: { ...replied, text: 'x'.repeat(4001) } },
      },
      {
        name: 'a reason with a lone surrogate',
        envelope: { ...head(EVENT_TYPES.replyProduced), data: { ...replied, reason: '\uDC00' } },
      },
    ],
  },
};
