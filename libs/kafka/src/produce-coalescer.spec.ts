import { propagation } from '@opentelemetry/api';
import type { ProducerBatch, RecordMetadata } from 'kafkajs';
import { keepPropagationHeaders } from '#libs/observability';
import {
  type BatchSender,
  ProduceCoalescer,
  type ProduceCoalescerOptions,
  ProducerClosedError,
  ProducerQueueFullError,
} from './produce-coalescer';

/** A fake producer: records every request; each request settles when the test says so. */
class FakeProducer implements BatchSender {
  readonly requests: { batch: ProducerBatch; settle: (error?: Error) => void }[] = [];

  sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
    return new Promise((resolve, reject) => {
      this.requests.push({ batch, settle: (error) => (error ? reject(error) : resolve([])) });
    });
  }

  /** `topic:value` of each record of request `i`, in request order. */
  values(i: number): string[] {
    return (this.requests[i]?.batch.topicMessages ?? []).flatMap((tm) =>
      tm.messages.map((m) => `${tm.topic}:${String(m.value)}`),
    );
  }
}

const OPTIONS: ProduceCoalescerOptions = {
  lingerMs: 0,
  maxBatchRecords: 100,
  maxBatchBytes: 10_000,
  maxInFlightRequests: 1,
  maxPendingRecords: 1000,
  maxPendingBytes: 100_000,
  acks: -1,
};

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
/** Lets promise callbacks run (a request reaches the producer after a microtask or two), not timers. */
const microtasks = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};
const record = (value: string, key = 'u1') => ({ key, value });

describe('ProduceCoalescer', () => {
  it('sends the records of one event-loop turn in one request, in enqueue order per topic', async () => {
    const producer = new FakeProducer();
    const coalescer = new ProduceCoalescer(() => producer, OPTIONS);
    const sends = [
      coalescer.send('a', [record('1')]),
      coalescer.send('b', [record('x')]),
      coalescer.send('a', [record('2'), record('3')]),
    ];
    await turn();
    expect(producer.requests).toHaveLength(1);
    expect(producer.values(0)).toEqual(['a:1', 'a:2', 'a:3', 'b:x']);
    expect(producer.requests[0]?.batch.acks).toBe(-1);
    producer.requests[0]?.settle();
    await expect(Promise.all(sends)).resolves.toEqual([undefined, undefined, undefined]);
  });

  it('rejects every caller of a failed request with its error, and only them', async () => {
    const producer = new FakeProducer();
    const coalescer = new ProduceCoalescer(() => producer, OPTIONS);
    const first = [coalescer.send('a', [record('1')]), coalescer.send('a', [record('2')])];
    await turn();
    const second = coalescer.send('a', [record('3')]);
    const refused = new Error('NOT_LEADER_FOR_PARTITION');
    producer.requests[0]?.settle(refused);
    await expect(first[0]).rejects.toBe(refused);
    await expect(first[1]).rejects.toBe(refused);
    await turn();
    expect(producer.values(1)).toEqual(['a:3']);
    producer.requests[1]?.settle();
    await expect(second).resolves.toBeUndefined();
  });

  it('keeps one request in flight and sends what piled up meanwhile as the next, in order', async () => {
    const producer = new FakeProducer();
    const coalescer = new ProduceCoalescer(() => producer, OPTIONS);
    const first = coalescer.send('a', [record('1')]);
    await turn();
    const later = [coalescer.send('a', [record('2')])];
    await turn();
    later.push(coalescer.send('a', [record('3')]));
    await turn();
    expect(producer.requests).toHaveLength(1);
    producer.requests[0]?.settle();
    await first;
    await turn();
    expect(producer.requests).toHaveLength(2);
    expect(producer.values(1)).toEqual(['a:2', 'a:3']);
    producer.requests[1]?.settle();
    await Promise.all(later);
  });

  it('sends a batch at once when it reaches maxBatchRecords, and never more in one request', async () => {
    const producer = new FakeProducer();
    const coalescer = new ProduceCoalescer(() => producer, { ...OPTIONS, maxBatchRecords: 2, maxInFlightRequests: 5 });
    const sends = ['1', '2', '3', '4', '5'].map((v) => coalescer.send('a', [record(v)]));
    // Full batches go at once, before the turn ends; the odd one waits for the flush.
    await microtasks();
    expect(producer.requests.map((_, i) => producer.values(i))).toEqual([
      ['a:1', 'a:2'],
      ['a:3', 'a:4'],
    ]);
    await turn();
    expect(producer.values(2)).toEqual(['a:5']);
    for (const request of producer.requests) request.settle();
    await Promise.all(sends);
  });

  it('bounds a request by bytes and sends a record larger than the bound in a request of its own', async () => {
    const producer = new FakeProducer();
    const coalescer = new ProduceCoalescer(() => producer, { ...OPTIONS, maxBatchBytes: 10, maxInFlightRequests: 5 });
    const sends = [
      coalescer.send('a', [{ key: null, value: 'aaaa' }]),
      coalescer.send('a', [{ key: null, value: 'bbbb' }]),
      coalescer.send('a', [{ key: null, value: 'c'.repeat(50) }]),
      coalescer.send('a', [{ key: null, value: 'dd' }]),
    ];
    await turn();
    expect(producer.requests.map((_, i) => producer.values(i))).toEqual([
      ['a:aaaa', 'a:bbbb'],
      [`a:${'c'.repeat(50)}`],
      ['a:dd'],
    ]);
    producer.requests[1]?.settle(new Error('MESSAGE_TOO_LARGE'));
    producer.requests[0]?.settle();
    producer.requests[2]?.settle();
    await expect(sends[0]).resolves.toBeUndefined();
    await expect(sends[2]).rejects.toThrow('MESSAGE_TOO_LARGE');
    await expect(sends[3]).resolves.toBeUndefined();
  });

  it('with lingerMs waits that long for more records before sending', async () => {
    jest.useFakeTimers();
    try {
      const producer = new FakeProducer();
      const coalescer = new ProduceCoalescer(() => producer, { ...OPTIONS, lingerMs: 5 });
      const first = coalescer.send('a', [record('1')]);
      jest.advanceTimersByTime(4);
      const second = coalescer.send('a', [record('2')]);
      expect(producer.requests).toHaveLength(0);
      jest.advanceTimersByTime(1);
      await microtasks();
      expect(producer.values(0)).toEqual(['a:1', 'a:2']);
      producer.requests[0]?.settle();
      await Promise.all([first, second]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('on close sends what waits at once, waits for requests in flight, then refuses new records', async () => {
    jest.useFakeTimers();
    try {
      const producer = new FakeProducer();
      const coalescer = new ProduceCoalescer(() => producer, { ...OPTIONS, lingerMs: 60_000 });
      const waiting = coalescer.send('a', [record('1')]);
      let closed = false;
      const closing = coalescer.close().then(() => (closed = true));
      await microtasks();
      expect(producer.values(0)).toEqual(['a:1']);
      expect(closed).toBe(false);
      producer.requests[0]?.settle();
      await closing;
      await expect(waiting).resolves.toBeUndefined();
      await expect(coalescer.send('a', [record('2')])).rejects.toBeInstanceOf(ProducerClosedError);
      expect(producer.requests).toHaveLength(1);
    } finally {
      jest.useRealTimers();
    }
  });

  it('while a request hangs (broker down) refuses what would pile up past the pending bounds, at once', async () => {
    const producer = new FakeProducer();
    const coalescer = new ProduceCoalescer(() => producer, { ...OPTIONS, maxPendingRecords: 150 });
    const first = coalescer.send('a', [record('0')]);
    await turn();
    expect(producer.requests).toHaveLength(1);
    // The gateway keeps accepting POSTs while kafkajs retries the request in flight.
    const piled = Array.from({ length: 1000 }, (_, i) => coalescer.send('a', [record(String(i + 1))]));
    const outcomes = piled.map((send) =>
      send.then(
        () => 'ok',
        (error: unknown) => error,
      ),
    );
    await turn();
    const refused = await Promise.race([Promise.all(outcomes.slice(150)), turn().then(() => 'still waiting' as const)]);
    expect(refused).not.toBe('still waiting');
    for (const error of refused as unknown[]) expect(error).toBeInstanceOf(ProducerQueueFullError);
    producer.requests[0]?.settle();
    await first;
    // What was kept goes out, in order, in requests within the batch bound.
    for (let i = 1; i <= 2; i++) {
      await turn();
      producer.requests[i]?.settle();
    }
    await expect(Promise.all(outcomes.slice(0, 150))).resolves.toEqual(Array(150).fill('ok'));
    expect(producer.requests.slice(1).flatMap((_, i) => producer.values(i + 1))).toEqual(
      Array.from({ length: 150 }, (_, i) => `a:${i + 1}`),
    );
  });

  it('a send larger than the pending bounds is taken when nothing waits (it goes alone)', async () => {
    const producer = new FakeProducer();
    const coalescer = new ProduceCoalescer(() => producer, { ...OPTIONS, maxPendingRecords: 150 });
    const first = coalescer.send('a', [record('0')]);
    await turn();
    const big = coalescer.send(
      'a',
      Array.from({ length: 300 }, (_, i) => record(String(i + 1))),
    );
    const late = coalescer.send('a', [record('late')]);
    const lateOutcome = await Promise.race([
      late.then(
        () => 'ok',
        (error: unknown) => error,
      ),
      turn().then(() => 'still waiting' as const),
    ]);
    expect(lateOutcome).toBeInstanceOf(ProducerQueueFullError);
    producer.requests[0]?.settle();
    await first;
    await turn();
    expect(producer.values(1)).toHaveLength(300);
    producer.requests[1]?.settle();
    await expect(big).resolves.toBeUndefined();
  });

  it('counts header names in UTF-8 bytes, as they go on the wire', async () => {
    const producer = new FakeProducer();
    const coalescer = new ProduceCoalescer(() => producer, { ...OPTIONS, maxBatchBytes: 30, maxInFlightRequests: 5 });
    // 'ä' is two bytes: each record is 20 + 1 + 1 = 22 bytes, two of them over the bound of 30.
    const headers = { ['ä'.repeat(10)]: 'x' };
    const sends = [
      coalescer.send('a', [{ key: null, value: '1', headers }]),
      coalescer.send('a', [{ key: null, value: '2', headers }]),
    ];
    await turn();
    expect(producer.requests.map((_, i) => producer.values(i))).toEqual([['a:1'], ['a:2']]);
    for (const request of producer.requests) request.settle();
    await Promise.all(sends);
  });

  it('rejects the callers when the producer cannot be had (not connected)', async () => {
    const coalescer = new ProduceCoalescer(() => Promise.reject(new Error('no broker')), OPTIONS);
    await expect(coalescer.send('a', [record('1')])).rejects.toThrow('no broker');
  });
});

describe('ProduceCoalescer: trace headers', () => {
  // A propagator that always writes: stands in for W3C Trace Context, whatever the context holds.
  beforeAll(() => {
    propagation.setGlobalPropagator({
      inject: (_context, carrier, setter) => setter.set(carrier, 'traceparent', 'injected'),
      extract: (context) => context,
      fields: () => ['traceparent'],
    });
  });
  afterAll(() => propagation.disable());

  it('bounds a request by the bytes sent, the injected trace headers included', async () => {
    const producer = new FakeProducer();
    const coalescer = new ProduceCoalescer(() => producer, { ...OPTIONS, maxBatchBytes: 40, maxInFlightRequests: 5 });
    // 10 bytes of value, but 10 + 'traceparent' (11) + 'injected' (8) = 29 bytes sent: two are over 40.
    const sends = [
      coalescer.send('a', [{ key: null, value: '1'.repeat(10) }]),
      coalescer.send('a', [{ key: null, value: '2'.repeat(10) }]),
    ];
    await turn();
    expect(producer.requests).toHaveLength(2);
    for (const request of producer.requests) request.settle();
    await Promise.all(sends);
  });

  it("injects into a copy of each record's headers, never into the caller's object", async () => {
    const producer = new FakeProducer();
    const coalescer = new ProduceCoalescer(() => producer, OPTIONS);
    const headers = { 'jeeves-envelope-id': 'id-1' };
    const sent = coalescer.send('a', [{ key: 'u1', value: 'v', headers }]);
    await turn();
    expect(producer.requests[0]?.batch.topicMessages?.[0]?.messages[0]?.headers).toEqual({
      'jeeves-envelope-id': 'id-1',
      traceparent: 'injected',
    });
    expect(headers).toEqual({ 'jeeves-envelope-id': 'id-1' });
    producer.requests[0]?.settle();
    await sent;
  });

  it("keeps a dead-letter copy's own trace headers (keepPropagationHeaders), as the tracing hook does", async () => {
    const producer = new FakeProducer();
    const coalescer = new ProduceCoalescer(() => producer, OPTIONS);
    const original = Buffer.from('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    const sent = coalescer.send('dlq', [
      { key: null, value: 'v', headers: keepPropagationHeaders({ traceparent: original, 'x-dlq-reason': 'poison' }) },
      { key: null, value: 'w', headers: keepPropagationHeaders({ 'x-dlq-reason': 'poison' }) },
    ]);
    await turn();
    const [first, second] = producer.requests[0]?.batch.topicMessages?.[0]?.messages ?? [];
    expect(first?.headers?.traceparent).toEqual(original);
    expect(second?.headers).toEqual({ 'x-dlq-reason': 'poison' });
    producer.requests[0]?.settle();
    await sent;
  });
});
