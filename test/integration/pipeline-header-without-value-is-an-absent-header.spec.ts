import { CONSUMER_GROUPS, TOPICS } from '#libs/contracts';
import {
  deadLetterBench,
  deadLettersOf,
  produceRecord,
  userOnPartition,
  waitPastRecord,
  watchReadiness,
} from './odd-records-helpers';
import { acceptedEnvelope, postMessage, storedMessage, uniqueUser, waitForFinal } from './pipeline-helpers';
import { metricValue } from './resilience-helpers';
import { waitFor } from './support/lab';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

/**
 * Issue 10, case 1: a well-formed `message.accepted` whose `traceparent` header has no value (kcat's
 * `-H traceparent`, which kafkajs delivers as null). A header without a value is an absent header:
 * data-service stores the message at once with `traceId: null` (it used to throw, call that a
 * store failure and retry for ~47 s while the partition waited). The same for a `traceparent`
 * given twice, and for headers of every other shape next to it.
 */
describe('pipeline: a header without a value is an absent header', () => {
  const bench = deadLetterBench('pipeline-null-header');

  it('stores message.accepted with a null traceparent at once, traceId null, and the partition moves on', async () => {
    const readiness = watchReadiness();
    const storeRetriesBefore = await metricValue('data-service', 'jeeves_retries_total', { dependency: 'store' });
    const user = uniqueUser('null-traceparent');
    const nullHeader = acceptedEnvelope(user, 'help');
    const twice = acceptedEnvelope(user, 'help');
    const traceparent = Buffer.from(`00-${TRACE}-00f067aa0ba902b7-01`);

    const placed = await produceRecord(bench.producer, TOPICS.messages, {
      key: Buffer.from(user),
      value: Buffer.from(JSON.stringify(nullHeader)),
      headers: { traceparent: null, tracestate: [null, null], 'x-binary': Buffer.from([0xff, 0x00, 0x80]) },
    });
    const placedTwice = await produceRecord(bench.producer, TOPICS.messages, {
      key: Buffer.from(user),
      value: Buffer.from(JSON.stringify(twice)),
      headers: { traceparent: [traceparent, traceparent] },
    });

    // "At once": well inside the 30 s data-service would wait out a real store outage.
    const stored = await waitFor(() => storedMessage(nullHeader.data.messageId), {
      timeoutMs: 20_000,
      what: 'the message with a null traceparent to be stored',
    });
    expect(stored).toMatchObject({ id: nullHeader.data.messageId, user, text: 'help', traceId: null });
    const storedTwice = await waitFor(() => storedMessage(twice.data.messageId), {
      timeoutMs: 20_000,
      what: 'the message with two traceparents to be stored',
    });
    expect(storedTwice.traceId).toBeNull();
    await expect(waitForFinal(nullHeader.data.messageId)).resolves.toMatchObject({ status: 'replied', intent: 'help' });

    // Handled, not waited out and not set aside: no store retry, no dead letter, offsets committed.
    for (const group of [CONSUMER_GROUPS.bot, CONSUMER_GROUPS.dataService])
      for (const record of [placed, placedTwice]) await waitPastRecord(bench.admin, group, record);
    expect(await metricValue('data-service', 'jeeves_retries_total', { dependency: 'store' })).toBe(storeRetriesBefore);
    for (const group of [CONSUMER_GROUPS.bot, CONSUMER_GROUPS.dataService])
      for (const record of [placed, placedTwice]) expect(deadLettersOf(bench.dlq, record, group)).toEqual([]);

    const next = await postMessage(userOnPartition(placed.partition), 'echo after the null header');
    await expect(waitForFinal(next.id)).resolves.toMatchObject({ status: 'replied', reply: 'after the null header' });
    expect(await readiness.stop()).toEqual([]);
  });
});
