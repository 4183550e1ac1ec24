/**
 * The payloads benchmark's codec part: every event type the pipeline produces, as the apps make it
 * (texts, actions and replies of the load's mixed intents), encoded in each format, its bytes
 * counted with the headers the publisher writes, and CPU per record timed with `process.cpuUsage()`
 * over many iterations: encode (`encodeEnvelope`) and what a consumer pays to read it
 * (`decodeEnvelope`: bytes → envelope, zod-validated). Runs in the bench process before any lab
 * starts, so nothing of ours shares the CPU.
 */
import {
  CONTENT_TYPE_HEADER,
  CONTENT_TYPES,
  ENVELOPE_ID_HEADER,
  ENVELOPE_TYPE_HEADER,
  type Envelope,
  EVENT_TYPES,
  makeEnvelope,
  PAYLOAD_SCHEMAS,
  type PayloadFormat,
} from '#libs/contracts';
import { decodeEnvelope, encodeEnvelope } from '#libs/kafka';
import { type CodecSample, microsPerRecord, recordHeaderBytes, roundOrder } from './payloads-math';

const MESSAGE_ID = '0b6f3c52-9f0e-4e7a-8d65-3c1f2a9b7e41';
const USER = 'load-user-17';
const CAPABILITIES =
  'I can tell you the weather ("weather in Paris"), the time somewhere ("time in Tokyo"), or repeat what you say ("echo hello"). Say "help" to see this again.';

/**
 * Envelopes of every event type the pipeline produces, with the payloads the lab makes for the
 * capacity bench's mixed texts: the gateway's acceptance, the bot's action request (weather,
 * time), and replies from the worker (weather, time) and the bot (help, echo, unknown).
 */
export function pipelineEnvelopes(): ReadonlyArray<{ readonly name: string; readonly envelope: Envelope }> {
  const at = new Date('2026-12-01T00:18:46.123Z');
  const envelope = (type: string, data: unknown, n: number): Envelope =>
    makeEnvelope({
      type,
      data,
      correlationId: MESSAGE_ID,
      id: `${MESSAGE_ID.slice(0, -2)}${String(n).padStart(2, '0')}`,
      occurredAt: at,
    });
  const accepted = (text: string) => ({ messageId: MESSAGE_ID, user: USER, text, clientId: 'jeeves-demo' });
  const reply = (intent: string, text: string) => ({
    messageId: MESSAGE_ID,
    user: USER,
    intent,
    status: 'replied',
    text,
    degraded: false,
  });
  return [
    { name: 'accepted: weather', envelope: envelope(EVENT_TYPES.messageAccepted, accepted('weather in Paris'), 1) },
    {
      name: 'accepted: unknown',
      envelope: envelope(EVENT_TYPES.messageAccepted, accepted('what is the meaning of life'), 2),
    },
    {
      name: 'requested: weather',
      envelope: envelope(
        EVENT_TYPES.actionRequested,
        { messageId: MESSAGE_ID, user: USER, intent: 'weather', action: { kind: 'weather', city: 'Paris' } },
        3,
      ),
    },
    {
      name: 'requested: time',
      envelope: envelope(
        EVENT_TYPES.actionRequested,
        { messageId: MESSAGE_ID, user: USER, intent: 'time', action: { kind: 'time', zone: 'Tokyo' } },
        4,
      ),
    },
    {
      name: 'reply: weather',
      envelope: envelope(
        EVENT_TYPES.replyProduced,
        reply('weather', 'In Paris it is light rain, 14 °C, with 81% humidity.'),
        5,
      ),
    },
    {
      name: 'reply: time',
      envelope: envelope(
        EVENT_TYPES.replyProduced,
        reply('time', 'It is 09:18 on 2026-12-01 in Tokyo (Asia/Tokyo, UTC+09:00).'),
        6,
      ),
    },
    {
      name: 'reply: help',
      envelope: envelope(EVENT_TYPES.replyProduced, reply('help', `Hello, I am Jeeves. ${CAPABILITIES}`), 7),
    },
    { name: 'reply: echo', envelope: envelope(EVENT_TYPES.replyProduced, reply('echo', 'hi'), 8) },
  ];
}

/**
 * The records the pipeline writes for each of the load's mixed texts (capacity-steps MIXED_TEXTS, in
 * order), as fixture names with the number of consumer groups that decode each: the acceptance is
 * read by the bot and data-service, an action request by the worker and data-service, a reply by
 * data-service. "what is the meaning of life" is the `unknown` intent: the bot replies itself.
 */
export const MIXED_TEXT_RECORDS: ReadonlyArray<ReadonlyArray<{ eventType: string; consumers: number }>> = [
  [
    { eventType: 'accepted: weather', consumers: 2 },
    { eventType: 'requested: weather', consumers: 2 },
    { eventType: 'reply: weather', consumers: 1 },
  ],
  [
    { eventType: 'accepted: weather', consumers: 2 },
    { eventType: 'requested: time', consumers: 2 },
    { eventType: 'reply: time', consumers: 1 },
  ],
  [
    { eventType: 'accepted: weather', consumers: 2 },
    { eventType: 'reply: help', consumers: 1 },
  ],
  [
    { eventType: 'accepted: weather', consumers: 2 },
    { eventType: 'reply: echo', consumers: 1 },
  ],
  [
    { eventType: 'accepted: unknown', consumers: 2 },
    { eventType: 'reply: help', consumers: 1 },
  ],
];

/**
 * The headers the publisher writes on each record: the trace context (a sampled W3C traceparent),
 * the envelope's id and type, and the format.
 */
export function publisherHeaders(envelope: Envelope, format: PayloadFormat): Record<string, string> {
  return {
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    [ENVELOPE_ID_HEADER]: envelope.id,
    [ENVELOPE_TYPE_HEADER]: envelope.type,
    [CONTENT_TYPE_HEADER]: CONTENT_TYPES[format],
  };
}

/** The CPU µs per call of `fn` over `iterations` calls (after `iterations / 10` unmeasured ones). */
function timePerCall(fn: () => unknown, iterations: number): number {
  for (let i = 0; i < Math.ceil(iterations / 10); i++) fn();
  const before = process.cpuUsage();
  for (let i = 0; i < iterations; i++) fn();
  return microsPerRecord(process.cpuUsage(before), iterations);
}

/**
 * Measures every fixture in every format, `rounds` times, formats in roundOrder (reversed every other
 * round); each cell `iterations` encodes and as many decodes. Throws when a format does not give
 * an envelope back exactly (a bench of a broken codec measures nothing).
 */
export function measureCodecs(
  formats: readonly PayloadFormat[],
  rounds: number,
  iterations: number,
  log: (line: string) => void,
): CodecSample[] {
  const fixtures = pipelineEnvelopes();
  const samples: CodecSample[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const format of roundOrder(formats, round)) {
      for (const { name, envelope } of fixtures) {
        const value = encodeEnvelope(envelope, format);
        const contentType = CONTENT_TYPES[format];
        const back = decodeEnvelope(value, PAYLOAD_SCHEMAS, contentType);
        if (JSON.stringify(back) !== JSON.stringify(envelope))
          throw new Error(`${format} did not give ${name} back: ${JSON.stringify(back)}`);
        samples.push({
          format,
          eventType: name,
          round,
          valueBytes: value.length,
          recordBytes: value.length + recordHeaderBytes(publisherHeaders(envelope, format)),
          encodeMicros: timePerCall(() => encodeEnvelope(envelope, format), iterations),
          decodeMicros: timePerCall(() => decodeEnvelope(value, PAYLOAD_SCHEMAS, contentType), iterations),
        });
      }
    }
    log(`  codecs, round ${round}/${rounds} done`);
  }
  return samples;
}
