import { CONSUMER_GROUPS, DLQ_HEADERS, lastHeaderText, type RecordHeaders, TOPICS } from '#libs/contracts';
import {
  deadLetterBench,
  deadLetterOf,
  expectIntactCopy,
  produceRecord,
  userOnPartition,
  waitPastRecord,
  watchReadiness,
} from './odd-records-helpers';
import { postMessage, waitForFinal } from './pipeline-helpers';

/**
 * Issue 10, case 3: a non-JSON value under the binary key `ff fe 6b 80`. Its dead-letter copy used
 * to carry `ef bf bd ef bf bd 6b ef bf bd` (the key decoded as text and encoded again). Keys, values
 * and headers are bytes: every consumer's dead letter carries the original key, value and headers
 * byte for byte — binary and null header values, a repeated name, a trace context the tracing hook
 * would otherwise replace — followed by the provenance headers.
 */
describe('pipeline: a dead letter keeps every byte of the original record', () => {
  const bench = deadLetterBench('pipeline-dead-letter-bytes');

  it('copies a binary key, a non-UTF-8 value and every header unchanged, and answers the partition next', async () => {
    const readiness = watchReadiness();
    const key = Buffer.from([0xff, 0xfe, 0x6b, 0x80]);
    const value = Buffer.concat([Buffer.from('not json '), Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28])]);
    const headers: RecordHeaders = {
      traceparent: Buffer.from('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'),
      tracestate: null,
      'x-binary': Buffer.from([0x80, 0x00, 0xff]),
      'x-repeated': [Buffer.from('first'), null, Buffer.from([0xc3, 0x28])],
      'x-empty': Buffer.alloc(0),
    };
    const original = { key, value, headers };
    const placed = await produceRecord(bench.producer, TOPICS.messages, original);

    for (const group of [CONSUMER_GROUPS.bot, CONSUMER_GROUPS.dataService]) {
      const copy = await deadLetterOf(bench.dlq, placed, group);
      const added = expectIntactCopy(copy, original);
      expect(added.map(([name]) => name)).toEqual(
        expect.arrayContaining([
          DLQ_HEADERS.sourceTopic,
          DLQ_HEADERS.sourcePartition,
          DLQ_HEADERS.sourceOffset,
          DLQ_HEADERS.reason,
        ]),
      );
      expect(lastHeaderText(copy.headers, DLQ_HEADERS.reason)).toBe('invalid-json');
      expect(lastHeaderText(copy.headers, DLQ_HEADERS.truncated)).toBeUndefined();
      await waitPastRecord(bench.admin, group, placed);
    }

    const next = await postMessage(userOnPartition(placed.partition), 'echo after the binary key');
    await expect(waitForFinal(next.id)).resolves.toMatchObject({ status: 'replied', reply: 'after the binary key' });
    expect(await readiness.stop()).toEqual([]);
  });
});
