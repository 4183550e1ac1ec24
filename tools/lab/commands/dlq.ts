import { randomUUID } from 'node:crypto';
import { type IHeaders, Kafka, logLevel } from 'kafkajs';
import {
  contentTypeOf,
  copyHeaders,
  DLQ_HEADERS,
  type HeaderBytes,
  lastHeaderText,
  type RecordHeaders,
  TOPICS,
  type TopicName,
  topicName,
} from '#libs/contracts';
import { decodeValue, fixKafkajsHeaders, payloadFormatOf } from '#libs/kafka';
import { booleanFlag, type CommandIo, type LabCommand, type ParsedArgs, stringFlag, UsageError } from '../command';
import { brokersOf, openLab, readLabDescription, requireRunning } from '..';

/** One dead letter as read back from `jeeves.dlq.v1`. */
export interface DeadLetter {
  /** Where it sits in the DLQ: `<partition>:<offset>`, the id `dlq replay --id` takes. */
  readonly id: string;
  readonly partition: number;
  readonly offset: string;
  readonly sourceTopic: string;
  readonly sourcePartition: string;
  readonly sourceOffset: string;
  readonly reason: string;
  readonly error: string;
  readonly attempts: string;
  readonly consumerGroup: string;
  readonly deadLetteredAt: string;
  /** `value` or `record` when the copy was cut to fit the DLQ (then it cannot be replayed); else empty. */
  readonly truncated: string;
  /** The envelope id, when the value is a readable envelope (in any payload format). */
  readonly messageId: string | null;
  /** The original's `content-type` header (its payload format, ADR 0090); '' when it had none (JSON). */
  readonly contentType: string;
  /** The key as text, for display (lossy for binary keys). */
  readonly key: string | null;
  /** The key as it is: what a replay sends. */
  readonly keyBytes: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: IHeaders;
}

const DLQ_PREFIX = 'x-dlq-';

/** A provenance header as text: the last value (the dead-lettering consumer appends its own); '' when absent. */
function headerText(headers: RecordHeaders, name: string): string {
  return lastHeaderText(headers, name) ?? '';
}

/** The envelope id of a value in the format its `content-type` header names (none: JSON); null when unreadable. */
function envelopeId(value: Buffer | null, headers: RecordHeaders): string | null {
  if (!value) return null;
  try {
    const decoded = decodeValue(value, payloadFormatOf(contentTypeOf(headers)));
    const id = typeof decoded === 'object' && decoded !== null ? (decoded as { id?: unknown }).id : undefined;
    return typeof id === 'string' ? id : null;
  } catch {
    return null;
  }
}

/** The headers to replay with: the original ones, byte for byte (nulls, repeats), without the x-dlq-* provenance. */
export function replayHeaders(headers: RecordHeaders): HeaderBytes {
  const copy = copyHeaders(headers);
  for (const name of Object.keys(copy)) if (name.toLowerCase().startsWith(DLQ_PREFIX)) delete copy[name];
  return copy;
}

function kafkaClient(brokers: string): Kafka {
  // Null and repeated header values, and names like `constructor`, read and replayed as they are.
  fixKafkajsHeaders();
  return new Kafka({
    clientId: `lab-dlq-${process.pid}`,
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries: 3 },
  });
}

/**
 * Reads the whole DLQ from the beginning with a throwaway consumer group (deleted afterwards), up to
 * the end offsets as they were when the read started. Never commits into any real group.
 */
export async function readDeadLetters(
  brokers: string,
  prefix: string,
  options: { timeoutMs?: number } = {},
): Promise<DeadLetter[]> {
  const kafka = kafkaClient(brokers);
  const topic = topicName(TOPICS.dlq, prefix);
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `lab-dlq-reader-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const pending = new Map(
      ends.filter((p) => Number(p.high) > Number(p.low)).map((p) => [p.partition, Number(p.high) - 1]),
    );
    const letters: DeadLetter[] = [];
    if (pending.size === 0) return letters;
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`reading ${topic} took longer than ${options.timeoutMs ?? 30_000} ms`)),
        options.timeoutMs ?? 30_000,
      );
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            const last = pending.get(partition);
            if (last === undefined || Number(message.offset) > last) return;
            const headers = message.headers ?? {};
            letters.push({
              id: `${partition}:${message.offset}`,
              partition,
              offset: message.offset,
              sourceTopic: headerText(headers, DLQ_HEADERS.sourceTopic),
              sourcePartition: headerText(headers, DLQ_HEADERS.sourcePartition),
              sourceOffset: headerText(headers, DLQ_HEADERS.sourceOffset),
              reason: headerText(headers, DLQ_HEADERS.reason),
              error: headerText(headers, DLQ_HEADERS.error),
              attempts: headerText(headers, DLQ_HEADERS.attempts),
              consumerGroup: headerText(headers, DLQ_HEADERS.consumerGroup),
              deadLetteredAt: headerText(headers, DLQ_HEADERS.deadLetteredAt),
              truncated: headerText(headers, DLQ_HEADERS.truncated),
              messageId: envelopeId(message.value, headers),
              contentType: contentTypeOf(headers) ?? '',
              key: message.key?.toString('utf8') ?? null,
              keyBytes: message.key,
              value: message.value,
              headers,
            });
            if (Number(message.offset) >= last) pending.delete(partition);
            if (pending.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch((error: unknown) => {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        });
    });
    return letters.sort((a, b) => a.deadLetteredAt.localeCompare(b.deadLetteredAt) || a.id.localeCompare(b.id));
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

/** Re-produces dead letters to their source topic (under the lab's prefix) with their original key, value and headers. */
export async function replayDeadLetters(
  brokers: string,
  prefix: string,
  letters: readonly DeadLetter[],
): Promise<number> {
  const known = new Set<string>(Object.values(TOPICS));
  const bad = letters.filter((l) => !known.has(l.sourceTopic) || l.sourceTopic === TOPICS.dlq);
  if (bad.length > 0)
    throw new Error(`cannot replay ${bad.map((l) => l.id).join(', ')}: source topic unknown or the DLQ itself`);
  const cut = letters.filter((l) => l.truncated !== '');
  if (cut.length > 0)
    throw new Error(
      `cannot replay ${cut.map((l) => `${l.id} (from ${l.sourceTopic}[${l.sourcePartition}]@${l.sourceOffset})`).join(', ')}: the DLQ holds a truncated copy; the original is on its source topic until retention`,
    );
  const producer = kafkaClient(brokers).producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (const letter of letters) {
      await producer.send({
        topic: topicName(letter.sourceTopic as TopicName, prefix),
        acks: -1,
        // The key's bytes, not its text: a binary key decoded as UTF-8 would change (and repartition).
        messages: [{ key: letter.keyBytes, value: letter.value, headers: replayHeaders(letter.headers) as IHeaders }],
      });
    }
    return letters.length;
  } finally {
    await producer.disconnect();
  }
}

/**
 * `text` as one line of printable text of at most `maxChars`: control characters (a producer's
 * header or value may carry a line break or a terminal escape) shown as `\uXXXX`, the rest cut.
 */
function cell(text: string, maxChars: number): string {
  const printable = text.replace(
    /[\u0000-\u001f\u007f-\u009f]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return printable.length > maxChars ? `${printable.slice(0, maxChars - 1)}…` : printable;
}

/** The `lab dlq` table: one line per dead letter, every cell printable and bounded (see `cell`). */
export function deadLetterTable(letters: readonly DeadLetter[]): string {
  const rows = [
    ['DLQ ID', 'SOURCE', 'REASON', 'ATTEMPTS', 'DEAD-LETTERED AT', 'MESSAGE', 'CONTENT-TYPE', 'ERROR'],
    ...letters.map((l) => {
      const cells: Array<readonly [string, number]> = [
        [l.id, 32],
        [`${l.sourceTopic}[${l.sourcePartition}]@${l.sourceOffset}`, 64],
        [l.reason, 32],
        [l.attempts, 8],
        [l.deadLetteredAt, 32],
        [l.messageId ?? '-', 64],
        [l.contentType || '-', 48],
        [l.error, 80],
      ];
      return cells.map(([text, maxChars]) => cell(text, maxChars));
    }),
  ];
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)));
  return rows
    .map((row) => row.map((text, col) => (col === row.length - 1 ? text : text.padEnd(widths[col]!))).join('  '))
    .join('\n');
}

async function run({ positional, flags }: ParsedArgs, io: CommandIo): Promise<number> {
  const config = openLab(io.env);
  await requireRunning(config, ['kafka']);
  const brokers = readLabDescription(config.stateDir)?.brokers ?? brokersOf(config);
  const letters = await readDeadLetters(brokers, config.topicPrefix);
  const [verb] = positional;

  if (!verb || verb === 'list') {
    const limitFlag = flags.get('limit');
    const limit = limitFlag === undefined ? 50 : Number(limitFlag);
    if (!Number.isInteger(limit) || limit < 1)
      throw new UsageError('--limit needs a positive whole number, e.g. --limit 20');
    const shown = letters.slice(-limit);
    if (flags.has('json'))
      io.out(JSON.stringify(shown.map(({ value: _v, headers: _h, keyBytes: _k, ...rest }) => rest)));
    else
      io.out(
        letters.length === 0
          ? `No dead letters in ${topicName(TOPICS.dlq, config.topicPrefix)}.`
          : `${deadLetterTable(shown)}\n\n${shown.length} of ${letters.length} dead letters (newest last).`,
      );
    return 0;
  }

  if (verb === 'replay') {
    const id = flags.get('id');
    let chosen: DeadLetter[];
    if (flags.has('all')) chosen = letters;
    else if (typeof id === 'string') {
      // A bare offset is accepted when only one partition has it.
      const matches = letters.filter((l) => l.id === id || (!id.includes(':') && l.offset === id));
      if (matches.length === 0)
        throw new UsageError(`No dead letter ${id}; see \`npm run lab -- dlq\` for ids (<partition>:<offset>).`);
      if (matches.length > 1)
        throw new UsageError(
          `Offset ${id} is in several DLQ partitions (${matches.map((m) => m.id).join(', ')}); give <partition>:<offset>.`,
        );
      chosen = matches;
    } else throw new UsageError('Replay what? --id <partition>:<offset> or --all');
    const count = await replayDeadLetters(brokers, config.topicPrefix, chosen);
    io.out(`Replayed ${count} dead letter(s) to their source topics.`);
    return 0;
  }
  throw new UsageError(`Unknown dlq verb "${verb}"`);
}

export const command: LabCommand = {
  name: 'dlq',
  usage: '[list] [--limit N] [--json] | replay --id <partition>:<offset> | replay --all',
  summary:
    'list dead letters (source topic/partition/offset, reason, error, time) or replay them to their source topic',
  flags: {
    limit: stringFlag('N', 'list: the newest N dead letters (default 50)'),
    json: booleanFlag('list: JSON instead of a table'),
    id: stringFlag(
      '<partition>:<offset>',
      'replay: the dead letter to replay (a bare offset when only one partition has it)',
    ),
    all: booleanFlag('replay: every dead letter'),
  },
  run,
};
