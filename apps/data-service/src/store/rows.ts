import type { Intent, MessageStatus } from '#libs/contracts';
import type { MessageRecord } from '../lifecycle/lifecycle';

/** Columns of `messages`, in the order the upserts bind them. */
export const MESSAGE_COLUMNS = [
  'id',
  'user_id',
  'text',
  'status',
  'intent',
  'reply',
  'degraded',
  'failure_reason',
  'trace_id',
  'accepted_at',
  'accepted_seen',
  'updated_at',
  'completed_at',
  'client_id',
] as const;

/** A `messages` row as either driver returns it (pg gives BIGINT as a string). */
export type MessageRow = Record<(typeof MESSAGE_COLUMNS)[number], unknown>;

const optionalNumber = (value: unknown): number | null =>
  value === null || value === undefined ? null : Number(value);
const optionalString = (value: unknown): string | null =>
  value === null || value === undefined ? null : String(value);

export function rowToRecord(row: MessageRow): MessageRecord {
  return {
    id: String(row.id),
    user: String(row.user_id),
    text: String(row.text),
    status: String(row.status) as MessageStatus,
    intent: optionalString(row.intent) as Intent | null,
    reply: optionalString(row.reply),
    degraded: Number(row.degraded) === 1,
    failureReason: optionalString(row.failure_reason),
    traceId: optionalString(row.trace_id),
    acceptedAtMs: Number(row.accepted_at),
    acceptedSeen: Number(row.accepted_seen) === 1,
    updatedAtMs: Number(row.updated_at),
    completedAtMs: optionalNumber(row.completed_at),
    clientId: optionalString(row.client_id),
  };
}

export function recordToParams(record: MessageRecord): (string | number | null)[] {
  return [
    record.id,
    record.user,
    record.text,
    record.status,
    record.intent,
    record.reply,
    record.degraded ? 1 : 0,
    record.failureReason,
    record.traceId,
    record.acceptedAtMs,
    record.acceptedSeen ? 1 : 0,
    record.updatedAtMs,
    record.completedAtMs,
    record.clientId,
  ];
}
