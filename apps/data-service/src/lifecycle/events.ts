import { decodeValue, payloadFormatOf } from '#libs/kafka';
import {
  type ActionRequested,
  contentTypeOf,
  DLQ_HEADERS,
  type Envelope,
  envelopeSchema,
  EVENT_TYPES,
  lastHeaderText,
  type MessageAccepted,
  type RecordHeaders,
  type ReplyProduced,
  soleHeaderText,
  userSchema,
} from '#libs/contracts';
import type { LifecycleEvent } from './lifecycle';

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The trace id of a W3C `traceparent` header; null when absent, without a value, repeated (as the
 * OpenTelemetry propagator reads a repeated one: no parent), malformed or all zeros.
 */
export function traceIdFrom(headers: RecordHeaders): string | null {
  const match = TRACEPARENT.exec(soleHeaderText(headers, 'traceparent')?.trim().toLowerCase() ?? '');
  if (!match || /^0+$/.test(match[1]!)) return null;
  return match[1]!;
}

/** The lifecycle meaning of a validated pipeline envelope; undefined for types this service ignores. */
export function lifecycleEventOf(envelope: Envelope, headers: RecordHeaders): LifecycleEvent | undefined {
  const occurredAtMs = Date.parse(envelope.occurredAt);
  switch (envelope.type) {
    case EVENT_TYPES.messageAccepted: {
      const data = envelope.data as MessageAccepted;
      return {
        kind: 'accepted',
        messageId: data.messageId,
        user: data.user,
        text: data.text,
        clientId: data.clientId,
        occurredAtMs,
        traceId: traceIdFrom(headers),
      };
    }
    case EVENT_TYPES.actionRequested: {
      const data = envelope.data as ActionRequested;
      return { kind: 'processing', messageId: data.messageId, user: data.user, intent: data.intent, occurredAtMs };
    }
    case EVENT_TYPES.replyProduced: {
      const data = envelope.data as ReplyProduced;
      return {
        kind: 'reply',
        messageId: data.messageId,
        user: data.user,
        intent: data.intent,
        status: data.status,
        text: data.text,
        degraded: data.degraded,
        reason: data.reason ?? null,
        occurredAtMs,
      };
    }
    default:
      return undefined;
  }
}

/** What a dead letter says: where it came from, why, and which message it was about (if any). */
export interface DeadLetter {
  sourceTopic: string;
  reason: string;
  consumerGroup: string | null;
  /** The original value, when it parses as an envelope. */
  envelope: Envelope | null;
  /** Present only when the original payload names a message (a UUID `messageId`). */
  event: Extract<LifecycleEvent, { kind: 'dead-lettered' }> | null;
}

const KNOWN_SOURCE_TOPICS = new Set(['jeeves.messages.v1', 'jeeves.actions.v1', 'jeeves.replies.v1']);

/**
 * Reads a dead letter without trusting it: the value failed somebody's validation, so only the
 * envelope shape and a UUID `messageId` are required; the user comes from the payload, else the
 * Kafka key (the user id by contract), else `unknown`. Provenance headers are read as the last
 * value of each (the dead-lettering consumer sets its own over any the original carried).
 */
export function readDeadLetter(
  value: Buffer | null,
  key: string | null,
  headers: RecordHeaders,
  nowMs: number,
): DeadLetter {
  const source = lastHeaderText(headers, DLQ_HEADERS.sourceTopic) ?? 'unknown';
  const reason = lastHeaderText(headers, DLQ_HEADERS.reason)?.slice(0, 100) || 'unknown';
  const letter: DeadLetter = {
    sourceTopic: KNOWN_SOURCE_TOPICS.has(source) ? source : 'unknown',
    reason,
    consumerGroup: lastHeaderText(headers, DLQ_HEADERS.consumerGroup) ?? null,
    envelope: null,
    event: null,
  };
  if (value === null) return letter;
  // The original's value, in the format its own content-type header names (the dead letter keeps
  // the original's headers; no header is JSON). A value that does not decode names no message.
  let decoded: unknown;
  try {
    decoded = decodeValue(value, payloadFormatOf(contentTypeOf(headers)));
  } catch {
    return letter;
  }
  const parsed = envelopeSchema.safeParse(decoded);
  if (!parsed.success) return letter;
  letter.envelope = parsed.data;
  const data = parsed.data.data;
  if (typeof data !== 'object' || data === null) return letter;
  const { messageId, user, clientId } = data as { messageId?: unknown; user?: unknown; clientId?: unknown };
  if (typeof messageId !== 'string' || !UUID.test(messageId)) return letter;
  const validUser = [user, key].find((candidate) => userSchema.safeParse(candidate).success) as string | undefined;
  const occurredAtMs = Date.parse(parsed.data.occurredAt);
  letter.event = {
    kind: 'dead-lettered',
    messageId,
    user: validUser ?? 'unknown',
    reason: `dead-lettered: ${reason}`,
    occurredAtMs: Number.isFinite(occurredAtMs) ? occurredAtMs : nowMs,
    ...(parsed.data.type === EVENT_TYPES.messageAccepted && typeof clientId === 'string' && clientId.length > 0
      ? { clientId: clientId.slice(0, 128) }
      : {}),
  };
  return letter;
}
