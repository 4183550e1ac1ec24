import { CONSUMER_GROUPS, DLQ_HEADERS, lastHeaderText, TOPICS } from '#libs/contracts';
import { recordBatchSizeBytes } from '#libs/kafka';
import {
  deadLetterBench,
  deadLetterOf,
  maxMessageBytes,
  produceRecord,
  setMaxMessageBytes,
  waitPastRecord,
  watchReadiness,
} from './odd-records-helpers';
import { postMessage, uniqueUser, waitForFinal } from './pipeline-helpers';
import { metricValue } from './resilience-helpers';
import { waitFor } from './support/lab';

/** A value that is not JSON (it never closes) of exactly `length` bytes. */
function notJson(length: number): Buffer {
  const value = Buffer.alloc(length, 0x78);
  value.write('{"not json": ', 0, 'utf8');
  return value;
}

/**
 * Issue 10, case 2: a non-JSON value just under the broker's maximum record size. Its dead-letter
 * copy (value + provenance headers) cannot fit; it used to fail forever, the bot crash-looped and
 * the partition never moved. Now the DLQ gets a copy cut to fit (the key and headers whole, the
 * value's first bytes, `x-dlq-truncated` and the original sizes), it is counted, and the next
 * message on the partition is answered. And when the DLQ refuses even a pointer, for good, the record
 * is skipped after bounded attempts, counted, and the partition still moves on.
 */
describe('pipeline: a poison record too large to copy whole is dead-lettered cut, and never stalls', () => {
  const bench = deadLetterBench('pipeline-oversized');

  it('dead-letters a copy cut to fit, counts it, and answers the next message on the partition', async () => {
    const readiness = watchReadiness();
    const crashesBefore = await metricValue('bot', 'jeeves_kafka_consumer_crashes_total');
    const cutBefore = await metricValue('bot', 'jeeves_kafka_dead_letters_truncated_total', { truncation: 'value' });
    const limit = await maxMessageBytes(bench.admin, TOPICS.messages);
    expect(await maxMessageBytes(bench.admin, TOPICS.dlq)).toBe(limit);
    const user = uniqueUser('oversized');
    const key = Buffer.from(user);
    const headers = { 'x-test': Buffer.from('oversized') };
    // 64 bytes under the limit: the broker takes it; the copy with ~400 bytes of provenance would not fit.
    let length = limit - 64 - recordBatchSizeBytes({ key, value: Buffer.alloc(0), headers });
    while (recordBatchSizeBytes({ key, value: Buffer.alloc(length), headers }) > limit - 64) length--;
    const value = notJson(length);
    const placed = await produceRecord(bench.producer, TOPICS.messages, { key, value, headers });

    for (const group of [CONSUMER_GROUPS.bot, CONSUMER_GROUPS.dataService]) {
      const copy = await deadLetterOf(bench.dlq, placed, group);
      expect(copy.key?.equals(key)).toBe(true);
      expect(copy.value!.length).toBeGreaterThan(limit - 4096);
      expect(copy.value!.length).toBeLessThan(value.length);
      expect(value.subarray(0, copy.value!.length).equals(copy.value!)).toBe(true);
      expect(lastHeaderText(copy.headers, 'x-test')).toBe('oversized');
      expect(lastHeaderText(copy.headers, DLQ_HEADERS.truncated)).toBe('value');
      expect(lastHeaderText(copy.headers, DLQ_HEADERS.reason)).toBe('invalid-json');
      expect(lastHeaderText(copy.headers, DLQ_HEADERS.originalValueBytes)).toBe(String(value.length));
      expect(lastHeaderText(copy.headers, DLQ_HEADERS.originalRecordBytes)).toBe(
        String(recordBatchSizeBytes({ key, value, headers })),
      );
      await waitPastRecord(bench.admin, group, placed);
    }
    await waitFor(
      async () =>
        (await metricValue('bot', 'jeeves_kafka_dead_letters_truncated_total', { truncation: 'value' })) > cutBefore,
      { timeoutMs: 10_000, what: 'the bot to count the cut dead letter' },
    );

    const next = await postMessage(user, 'echo after the oversized poison');
    await expect(waitForFinal(next.id)).resolves.toMatchObject({
      status: 'replied',
      reply: 'after the oversized poison',
    });
    expect(await metricValue('bot', 'jeeves_kafka_consumer_crashes_total')).toBe(crashesBefore);
    expect(await readiness.stop()).toEqual([]);
  }, 180_000);

  it('skips a record the DLQ refuses for good (even a pointer is too large), counts it, and moves on', async () => {
    const readiness = watchReadiness();
    const labels = { source_topic: TOPICS.messages, error_type: 'message_too_large' };
    const failuresBefore = await metricValue('bot', 'jeeves_kafka_dead_letter_failures_total', labels);
    const user = uniqueUser('dlq-refuses');
    // Smaller than any dead letter (the provenance headers alone are larger): every send is refused.
    await setMaxMessageBytes(bench.admin, TOPICS.dlq, 200);
    try {
      await waitFor(async () => (await maxMessageBytes(bench.admin, TOPICS.dlq)) === 200, {
        timeoutMs: 10_000,
        what: 'the DLQ limit to be 200 bytes',
      });
      const placed = await produceRecord(bench.producer, TOPICS.messages, {
        key: Buffer.from(user),
        value: Buffer.from('not json, and the DLQ will not take it'),
        headers: {},
      });
      await waitPastRecord(bench.admin, CONSUMER_GROUPS.bot, placed);
      await waitFor(
        async () => (await metricValue('bot', 'jeeves_kafka_dead_letter_failures_total', labels)) > failuresBefore,
        { timeoutMs: 10_000, what: 'the bot to count the refused dead letter' },
      );
      const next = await postMessage(user, 'echo after the refused dead letter');
      await expect(waitForFinal(next.id)).resolves.toMatchObject({ status: 'replied' });
    } finally {
      await setMaxMessageBytes(bench.admin, TOPICS.dlq, null);
    }
    expect(await readiness.stop()).toEqual([]);
  });
});
