import type { Intent, MessageStatus, MessageView } from '#libs/contracts';

/**
 * A message as the store keeps it. Times are epoch milliseconds so both engines sort and compare
 * them the same way.
 */
export interface MessageRecord {
  id: string;
  user: string;
  /** Empty until `message.accepted` arrives. */
  text: string;
  status: MessageStatus;
  intent: Intent | null;
  reply: string | null;
  degraded: boolean;
  failureReason: string | null;
  /** From the `traceparent` header of `message.accepted`. */
  traceId: string | null;
  /** The acceptance time; until `message.accepted` arrives, the time of the first event seen. */
  acceptedAtMs: number;
  acceptedSeen: boolean;
  updatedAtMs: number;
  /** When the message first reached replied or failed. */
  completedAtMs: number | null;
  /**
   * The OAuth client that created the message (from `message.accepted`): only it may read the
   * message through the gateway. Null until that event arrives.
   */
  clientId: string | null;
}

/** What one pipeline event says about a message, already decoded and validated. */
export type LifecycleEvent =
  | {
      kind: 'accepted';
      messageId: string;
      user: string;
      text: string;
      clientId: string;
      occurredAtMs: number;
      traceId: string | null;
    }
  | { kind: 'processing'; messageId: string; user: string; intent: Intent; occurredAtMs: number }
  | {
      kind: 'reply';
      messageId: string;
      user: string;
      intent: Intent;
      status: 'replied' | 'failed';
      text: string;
      degraded: boolean;
      reason: string | null;
      occurredAtMs: number;
    }
  | {
      kind: 'dead-lettered';
      messageId: string;
      user: string;
      reason: string;
      occurredAtMs: number;
      /** The creating client, when the dead letter is a `message.accepted` that names it. */
      clientId?: string;
    };

export interface Transition {
  next: MessageRecord;
  /** False when the event told the store nothing new (a late `processing` after the reply). */
  changed: boolean;
  /** True exactly once per message: when it first reaches replied or failed. */
  completed: boolean;
  /**
   * Set exactly once per message: when it is finished and its acceptance time is known (either may
   * come first, the topics being different). Acceptance to completion, in seconds.
   */
  endToEndSeconds: number | null;
}

const RANK: Record<MessageStatus, number> = { accepted: 0, processing: 1, replied: 2, failed: 2 };

function isTerminal(status: MessageStatus): boolean {
  return RANK[status] === 2;
}

function measured(record: MessageRecord | undefined): boolean {
  return record !== undefined && isTerminal(record.status) && record.acceptedSeen;
}

function skeleton(event: LifecycleEvent, nowMs: number): MessageRecord {
  return {
    id: event.messageId,
    user: event.user,
    text: '',
    status: 'accepted',
    intent: null,
    reply: null,
    degraded: false,
    failureReason: null,
    traceId: null,
    acceptedAtMs: event.occurredAtMs,
    acceptedSeen: false,
    updatedAtMs: nowMs,
    completedAtMs: null,
    clientId: null,
  };
}

/**
 * The lifecycle `accepted → processing → replied | failed`, applied to events that arrive in any
 * order. Status only moves forward (the first final status wins); whichever event comes first
 * creates the row with what it knows, and later events fill in what is missing.
 */
export function applyEvent(current: MessageRecord | undefined, event: LifecycleEvent, nowMs: number): Transition {
  const base = current ?? skeleton(event, nowMs);
  const next: MessageRecord = { ...base };
  const advance = (status: MessageStatus): boolean => {
    if (RANK[status] <= RANK[next.status]) return false;
    next.status = status;
    return true;
  };

  switch (event.kind) {
    case 'accepted':
      if (!next.acceptedSeen) {
        next.user = event.user;
        next.text = event.text;
        next.acceptedAtMs = event.occurredAtMs;
        next.acceptedSeen = true;
        next.traceId = event.traceId ?? next.traceId;
        next.clientId = event.clientId;
      }
      break;
    case 'processing':
      advance('processing');
      next.intent ??= event.intent;
      break;
    case 'reply':
      if (advance(event.status)) {
        next.intent = event.intent;
        next.reply = event.text;
        next.degraded = event.degraded;
        next.failureReason = event.status === 'failed' ? (event.reason ?? 'failed') : null;
      } else {
        next.intent ??= event.intent;
      }
      break;
    case 'dead-lettered':
      if (advance('failed')) next.failureReason = event.reason;
      next.clientId ??= event.clientId ?? null;
      break;
  }

  const completed = !(current && isTerminal(current.status)) && isTerminal(next.status);
  if (completed) next.completedAtMs = nowMs;
  const changed = current === undefined || !sameRecord(current, next);
  if (changed) next.updatedAtMs = nowMs;
  const endToEndSeconds =
    !measured(current) && measured(next) ? Math.max(0, (next.completedAtMs ?? nowMs) - next.acceptedAtMs) / 1000 : null;
  return { next, changed, completed, endToEndSeconds };
}

function sameRecord(a: MessageRecord, b: MessageRecord): boolean {
  return (Object.keys(a) as (keyof MessageRecord)[]).every((key) => key === 'updatedAtMs' || a[key] === b[key]);
}

export function toMessageView(record: MessageRecord): MessageView {
  return {
    id: record.id,
    user: record.user,
    text: record.text,
    status: record.status,
    intent: record.intent,
    reply: record.reply,
    degraded: record.degraded,
    failureReason: record.failureReason,
    traceId: record.traceId,
    acceptedAt: new Date(record.acceptedAtMs).toISOString(),
    updatedAt: new Date(record.updatedAtMs).toISOString(),
  };
}
