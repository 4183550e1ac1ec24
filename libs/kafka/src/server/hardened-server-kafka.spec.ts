import { Controller, Module, UseFilters } from '@nestjs/common';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { NestFactory } from '@nestjs/core';
import { EventPattern, type KafkaContext, type MessageHandler } from '@nestjs/microservices';
import type { EachMessagePayload, Kafka } from 'kafkajs';
import {
  CONTENT_TYPE_HEADER,
  CONTENT_TYPES,
  DLQ_HEADERS,
  type Envelope,
  lastHeaderText,
  makeEnvelope,
  type RecordHeaders,
  TOPICS,
} from '#libs/contracts';
import { encodeEnvelope } from '../decode';
import { createLogger, createMetricsRegistry } from '#libs/observability';
import { RpcErrorPassthroughFilter } from '#libs/platform';
import { type RawConsumedMessage, rawConsumedMessage } from '../consumed-message';
import { NonRetryableError, PoisonMessageError, RetriableConsumerError } from '../errors';
import { kafkaMetrics } from '../kafka-metrics';
import type { EventPublisher, OutgoingRecord } from '../publisher';
import { HardenedServerKafka } from './hardened-server-kafka';

/** A kafkajs client whose consumer hands us its eachMessage instead of fetching. */
function fakeKafka() {
  let eachMessage: ((payload: EachMessagePayload) => Promise<void>) | undefined;
  let partitionsConsumedConcurrently: number | undefined;
  let autoCommit: boolean | undefined;
  const commits: { topic: string; partition: number; offset: string }[][] = [];
  const listeners = new Map<string, (event: unknown) => void>();
  let commitError: object | undefined;
  const connectable = { connect: async () => undefined, disconnect: async () => undefined };
  const consumer = {
    ...connectable,
    events: {
      GROUP_JOIN: 'join',
      CRASH: 'crash',
      DISCONNECT: 'disconnect',
      CONNECT: 'connect',
      STOP: 'stop',
      REBALANCING: 'rebalancing',
    },
    on: (event: string, listener: (event: unknown) => void) => void listeners.set(event, listener),
    subscribe: async () => undefined,
    commitOffsets: async (offsets: { topic: string; partition: number; offset: string }[]) => {
      if (commitError) throw Object.assign(new Error('refused'), commitError);
      commits.push(offsets);
    },
    run: async (config: {
      eachMessage: (payload: EachMessagePayload) => Promise<void>;
      partitionsConsumedConcurrently?: number;
      autoCommit?: boolean;
    }) => {
      eachMessage = config.eachMessage;
      partitionsConsumedConcurrently = config.partitionsConsumedConcurrently;
      autoCommit = config.autoCommit;
    },
  };
  const producer = { ...connectable, events: { CONNECT: 'connect', DISCONNECT: 'disconnect' }, on: () => undefined };
  const kafka = { consumer: () => consumer, producer: () => producer, admin: () => connectable } as unknown as Kafka;
  const sent: { topic: string; record: OutgoingRecord }[] = [];
  let sendsFail = false;
  const publisher = {
    send: async (topic: string, records: OutgoingRecord[]) => {
      if (sendsFail) throw new Error('broker down');
      sent.push({ topic, record: records[0]! });
    },
  } as unknown as EventPublisher;
  const deliver = (
    topic: string,
    value: string | Buffer | null,
    offset = '0',
    key: Buffer = Buffer.from('alice'),
    partition = 0,
    headers: RecordHeaders = { [DLQ_HEADERS.reason]: Buffer.from('invalid-json') },
  ) =>
    eachMessage!({
      topic,
      partition,
      message: {
        key,
        value: value === null ? null : Buffer.from(value),
        offset,
        headers,
      },
      heartbeat: async () => undefined,
      pause: () => () => undefined,
    } as unknown as EachMessagePayload);
  return {
    kafka,
    publisher,
    sent,
    deliver,
    failSends: () => (sendsFail = true),
    concurrency: () => partitionsConsumedConcurrently,
    autoCommit: () => autoCommit,
    /** Every OffsetCommit request the server made, in order. */
    commits,
    /** Makes every commit from now on fail with an error carrying these fields (undefined: succeed). */
    refuseCommits: (fields: object | undefined) => (commitError = fields),
    /** Fires a consumer event (kafkajs's instrumentation events) at the server's listener. */
    emit: (event: string, payload: unknown) => listeners.get(event)?.({ payload }),
  };
}

/** A dead letter's provenance headers as text (ours are appended after the original's: the last value). */
function provenance(record: OutgoingRecord): Record<string, string | undefined> {
  const headers = record.headers as RecordHeaders;
  return Object.fromEntries(Object.values(DLQ_HEADERS).map((name) => [name, lastHeaderText(headers, name)]));
}

const reply = () =>
  JSON.stringify(
    makeEnvelope({
      type: 'reply.produced',
      correlationId: 'c',
      data: {
        messageId: '6f1c2a4e-8b1d-4c3e-9f00-0123456789ab',
        user: 'alice',
        intent: 'help',
        status: 'replied',
        text: 'hi',
        degraded: false,
      },
    }),
  );

describe('HardenedServerKafka', () => {
  const registry = createMetricsRegistry({ service: 'test', defaultMetrics: false });
  const metrics = kafkaMetrics(registry);
  const logger = createLogger({ service: 'test', level: 'silent' });

  /** A server on the fake client: group `p.g`, prefix `p`, two quick attempts. */
  function newServer(
    kafka: ReturnType<typeof fakeKafka>,
    settings: { dedupeWindow?: number; rawTopics?: (typeof TOPICS)[keyof typeof TOPICS][] },
  ): HardenedServerKafka {
    return new HardenedServerKafka(
      { client: { clientId: 'c', brokers: ['127.0.0.1:1'] }, consumer: { groupId: 'p.g' } },
      {
        groupLabel: 'g',
        topicPrefix: 'p',
        retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
        lagIntervalMs: 60_000,
        ...settings,
      },
      { kafka: kafka.kafka, publisher: kafka.publisher, metrics, logger },
    );
  }

  async function start(options: {
    rawHandler?: (message: RawConsumedMessage) => Promise<void>;
    dedupeWindow?: number;
    handler?: (payload: unknown, ctx: KafkaContext) => Promise<void>;
  }) {
    const kafka = fakeKafka();
    const server = newServer(kafka, {
      dedupeWindow: options.dedupeWindow,
      rawTopics: options.rawHandler ? [TOPICS.dlq] : [],
    });
    const handler = options.handler ?? (async () => undefined);
    server.addHandler(TOPICS.replies, handler as MessageHandler, true);
    const raw = options.rawHandler;
    server.addHandler(
      TOPICS.dlq,
      (async (_payload: unknown, ctx: KafkaContext) =>
        raw ? raw(rawConsumedMessage(ctx)) : handler(_payload, ctx)) as MessageHandler,
      true,
    );
    await new Promise<void>(
      (resolve, reject) => void server.listen((error?: unknown) => (error ? reject(error) : resolve())),
    );
    return { kafka, server };
  }

  const outcome = async (name: string) =>
    (await registry.getSingleMetric('jeeves_kafka_messages_consumed_total')!.get()).values.find(
      (v) => v.labels.outcome === name,
    )?.value ?? 0;

  it('hands raw topics over undecoded, headers and key included', async () => {
    const seen: RawConsumedMessage[] = [];
    const { kafka, server } = await start({ rawHandler: async (message) => void seen.push(message) });
    await kafka.deliver('p.jeeves.dlq.v1', 'not json at all');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ topic: TOPICS.dlq, key: 'alice', offset: '0' });
    expect(seen[0]!.value?.toString()).toBe('not json at all');
    expect(seen[0]!.headers[DLQ_HEADERS.reason]?.toString()).toBe('invalid-json');
    expect(kafka.sent).toEqual([]);
    await server.close();
  });

  it('reads each record in the format its content-type names, and dead-letters one that lies, bytes intact', async () => {
    const handled: unknown[] = [];
    const { kafka, server } = await start({ handler: async (payload) => void handled.push(payload) });
    const envelope = JSON.parse(reply()) as Envelope;
    const header = (value: string): RecordHeaders => ({ [CONTENT_TYPE_HEADER]: Buffer.from(value), 'x-n': null });
    await kafka.deliver(
      'p.jeeves.replies.v1',
      encodeEnvelope(envelope, 'msgpack'),
      '0',
      undefined,
      0,
      header(CONTENT_TYPES.msgpack),
    );
    await kafka.deliver(
      'p.jeeves.replies.v1',
      encodeEnvelope({ ...envelope, id: 'b' }, 'protobuf'),
      '1',
      undefined,
      0,
      header('application/x-protobuf'),
    );
    await kafka.deliver('p.jeeves.replies.v1', reply(), '2', undefined, 0, {});
    expect(handled).toMatchObject([{ id: envelope.id }, { id: 'b' }, { type: 'reply.produced' }]);
    expect(kafka.sent).toEqual([]);

    const lying = Buffer.from(reply());
    await kafka.deliver('p.jeeves.replies.v1', lying, '3', undefined, 0, header(CONTENT_TYPES.protobuf));
    await kafka.deliver('p.jeeves.replies.v1', lying, '4', undefined, 0, header('application/xml'));
    expect(handled).toHaveLength(3);
    expect(kafka.sent.map((s) => provenance(s.record)[DLQ_HEADERS.reason])).toEqual([
      'invalid-protobuf',
      'unknown-content-type',
    ]);
    for (const [i, { record }] of kafka.sent.entries()) {
      expect(Buffer.isBuffer(record.value) && record.value.equals(lying)).toBe(true);
      expect(lastHeaderText(record.headers as RecordHeaders, CONTENT_TYPE_HEADER)).toBe(
        i === 0 ? CONTENT_TYPES.protobuf : 'application/xml',
      );
      expect(Object.hasOwn(record.headers as object, 'x-n')).toBe(true);
    }
    await server.close();
  });

  it('skips a raw message whose handler keeps failing, without dead-lettering it', async () => {
    let calls = 0;
    const before = await outcome('dropped');
    const { kafka, server } = await start({
      rawHandler: async () => {
        calls++;
        throw new Error('store down');
      },
    });
    await expect(kafka.deliver('p.jeeves.dlq.v1', '{}')).resolves.toBeUndefined();
    expect(calls).toBe(2);
    expect(kafka.sent).toEqual([]);
    expect((await outcome('dropped')) - before).toBe(1);
    await server.close();
  });

  it('never dead-letters a message read from the DLQ, even without a raw handler', async () => {
    const { kafka, server } = await start({});
    await kafka.deliver('p.jeeves.dlq.v1', 'garbage');
    expect(kafka.sent).toEqual([]);
    await kafka.deliver('p.jeeves.replies.v1', 'garbage');
    expect(kafka.sent.map((s) => s.topic)).toEqual(['p.jeeves.dlq.v1']);
    await server.close();
  });

  it('dead-letters undecodable values with the original key bytes and provenance headers', async () => {
    const { kafka, server } = await start({});
    const key = Buffer.from([0xff, 0xfe, 0x6b, 0x80]);
    await kafka.deliver('p.jeeves.replies.v1', '{"id":', '7', key);
    expect(kafka.sent).toHaveLength(1);
    const { record } = kafka.sent[0]!;
    expect(Buffer.compare(record.key as Buffer, key)).toBe(0);
    expect(record.value?.toString()).toBe('{"id":');
    expect(provenance(record)).toMatchObject({
      [DLQ_HEADERS.sourceTopic]: TOPICS.replies,
      [DLQ_HEADERS.sourceOffset]: '7',
      [DLQ_HEADERS.reason]: 'invalid-json',
      [DLQ_HEADERS.consumerGroup]: 'p.g',
    });
    await server.close();
  });

  it('hands the handler the decoded envelope and its Kafka context', async () => {
    const seen: { payload: unknown; topic: string; offset: string }[] = [];
    const { kafka, server } = await start({
      handler: async (payload, ctx) =>
        void seen.push({ payload, topic: ctx.getTopic(), offset: ctx.getMessage().offset }),
    });
    await kafka.deliver('p.jeeves.replies.v1', reply(), '3');
    expect(seen).toEqual(
      [{ payload: JSON.parse(reply()), topic: 'p.jeeves.replies.v1', offset: '3' }].map((s) => ({
        ...s,
        payload: expect.objectContaining({ type: 'reply.produced', correlationId: 'c' }),
      })),
    );
    await server.close();
  });

  it('retries a failing handler, then dead-letters it as retries-exhausted', async () => {
    let calls = 0;
    const { kafka, server } = await start({
      handler: async () => {
        calls++;
        throw new Error('provider down');
      },
    });
    await kafka.deliver('p.jeeves.replies.v1', reply());
    expect(calls).toBe(2);
    expect(provenance(kafka.sent[0]!.record)).toMatchObject({
      [DLQ_HEADERS.reason]: 'retries-exhausted',
      [DLQ_HEADERS.attempts]: '2',
    });
    await server.close();
  });

  it('dead-letters poison and non-retryable errors at once, with their reason', async () => {
    let calls = 0;
    const errors = [new PoisonMessageError('unknown-type', 'no handler for type'), new NonRetryableError('rule')];
    const { kafka, server } = await start({
      handler: async () => {
        throw errors[calls++];
      },
    });
    await kafka.deliver('p.jeeves.replies.v1', reply(), '1');
    await kafka.deliver('p.jeeves.replies.v1', reply().replace('"c"', '"d"'), '2');
    expect(calls).toBe(2);
    expect(kafka.sent.map((s) => provenance(s.record)[DLQ_HEADERS.reason])).toEqual(['unknown-type', 'handler-error']);
    await server.close();
  });

  it('dead-letters a bug in a handler (a TypeError) at once as handler-error, without retries', async () => {
    let calls = 0;
    const { kafka, server } = await start({
      handler: async () => {
        calls++;
        (null as unknown as Buffer).toString('utf8');
      },
    });
    await kafka.deliver('p.jeeves.replies.v1', reply().replace('"c"', '"t"'));
    expect(calls).toBe(1);
    expect(provenance(kafka.sent[0]!.record)).toMatchObject({
      [DLQ_HEADERS.reason]: 'handler-error',
      [DLQ_HEADERS.attempts]: '1',
    });
    expect(provenance(kafka.sent[0]!.record)[DLQ_HEADERS.error]).toMatch(/null/);
    await server.close();
  });

  it('skips a redelivered envelope id within the dedupe window, and passes each one when it is 0', async () => {
    let calls = 0;
    const { kafka, server } = await start({ handler: async () => void calls++ });
    const envelope = reply();
    await kafka.deliver('p.jeeves.replies.v1', envelope, '1');
    await kafka.deliver('p.jeeves.replies.v1', envelope, '1');
    expect(calls).toBe(1);
    await server.close();

    const again = await start({ dedupeWindow: 0, handler: async () => void calls++ });
    await again.kafka.deliver('p.jeeves.replies.v1', envelope, '1');
    await again.kafka.deliver('p.jeeves.replies.v1', envelope, '1');
    expect(calls).toBe(3);
    await again.server.close();
  });

  it('hands a rebalance error from the handler straight back to kafkajs: no retry, no dead letter', async () => {
    let calls = 0;
    const rebalancing = Object.assign(new Error('The group is rebalancing'), { type: 'REBALANCE_IN_PROGRESS' });
    const { kafka, server } = await start({
      handler: async () => {
        calls++;
        throw rebalancing;
      },
    });
    await expect(kafka.deliver('p.jeeves.replies.v1', reply().replace('"c"', '"r"'))).rejects.toBe(rebalancing);
    expect(calls).toBe(1);
    expect(kafka.sent).toEqual([]);
    await server.close();
  });

  it('hands a message whose handler failed for a passing reason back to kafkajs while stopping, instead of dead-lettering it', async () => {
    let calls = 0;
    let stopping: Promise<void> | undefined;
    const { kafka, server } = await start({
      handler: async () => {
        calls++;
        // The app shuts down (a deploy) while the provider is briefly down.
        stopping ??= server.close();
        throw new Error('provider down');
      },
    });
    await expect(kafka.deliver('p.jeeves.replies.v1', reply().replace('"c"', '"s"'))).rejects.toBeInstanceOf(
      RetriableConsumerError,
    );
    expect(calls).toBe(1);
    expect(kafka.sent).toEqual([]);
    await stopping;
  });

  it('hands a raw message whose handler failed back to kafkajs while stopping, instead of skipping it', async () => {
    const before = await outcome('dropped');
    let stopping: Promise<void> | undefined;
    const { kafka, server } = await start({
      rawHandler: async () => {
        stopping ??= server.close();
        throw new Error('data-service is shutting down');
      },
    });
    await expect(kafka.deliver('p.jeeves.dlq.v1', '{}')).rejects.toBeInstanceOf(RetriableConsumerError);
    expect((await outcome('dropped')) - before).toBe(0);
    await stopping;
  });

  it('wraps any other escaping error so that kafkajs retries and restarts the consumer', async () => {
    const { kafka, server } = await start({});
    kafka.failSends();
    await expect(kafka.deliver('p.jeeves.replies.v1', 'garbage')).rejects.toBeInstanceOf(RetriableConsumerError);
    await server.close();
  });

  it("receives a controller's own error through Nest's pipeline when the controller uses RpcErrorPassthroughFilter", async () => {
    @Controller()
    @UseFilters(new RpcErrorPassthroughFilter())
    class RejectingController {
      @EventPattern(TOPICS.replies)
      onReply(): Promise<void> {
        return Promise.reject(new PoisonMessageError('unknown-type', 'not for this app'));
      }
    }
    @Module({ controllers: [RejectingController] })
    class RejectingModule {}
    const kafka = fakeKafka();
    const server = newServer(kafka, {});
    const app = await NestFactory.createMicroservice(RejectingModule, { strategy: server, logger: false });
    await app.listen();
    await kafka.deliver('p.jeeves.replies.v1', reply().replace('"c"', '"n"'));
    // Nest's default filter would have turned it into { status: 'error' }: retried, then 'retries-exhausted'.
    expect(provenance(kafka.sent[0]!.record)).toMatchObject({
      [DLQ_HEADERS.reason]: 'unknown-type',
      [DLQ_HEADERS.attempts]: '1',
    });
    await app.close();
  });

  it('handles every partition of its topics at once unless told otherwise (ADR 0008)', async () => {
    const { kafka, server } = await start({});
    // jeeves.replies.v1 (6 partitions) and jeeves.dlq.v1 (3).
    expect(kafka.concurrency()).toBe(9);
    await server.close();
  });

  describe('commits offsets off the fetch loop (ADR 0009)', () => {
    const replies = 'p.jeeves.replies.v1';

    it("turns kafkajs's per-batch commit off and commits the records handled, each partition's next offset, on close", async () => {
      const { kafka, server } = await start({});
      expect(kafka.autoCommit()).toBe(false);
      await kafka.deliver(replies, reply().replace('"c"', '"a"'), '4');
      await kafka.deliver(replies, reply().replace('"c"', '"b"'), '5');
      await kafka.deliver(replies, reply().replace('"c"', '"d"'), '9', Buffer.from('bob'), 2);
      expect(kafka.commits).toEqual([]);
      await server.close();
      expect(kafka.commits).toEqual([
        [
          { topic: replies, partition: 0, offset: '6' },
          { topic: replies, partition: 2, offset: '10' },
        ],
      ]);
    });

    it('never commits a record that failed, and holds commits after a refused one until the member rejoins', async () => {
      const rebalancing = Object.assign(new Error('The group is rebalancing'), { type: 'REBALANCE_IN_PROGRESS' });
      let fail = false;
      const { kafka, server } = await start({
        handler: async () => {
          if (fail) throw rebalancing;
        },
      });
      await kafka.deliver(replies, reply().replace('"c"', '"a"'), '7');
      fail = true;
      await expect(kafka.deliver(replies, reply().replace('"c"', '"b"'), '8')).rejects.toBe(rebalancing);
      kafka.refuseCommits({ type: 'UNKNOWN_MEMBER_ID' });
      kafka.emit('rebalancing', {});
      await new Promise((resolve) => setImmediate(resolve));
      expect(kafka.commits).toEqual([]);
      kafka.refuseCommits(undefined);
      fail = false;
      await kafka.deliver(replies, reply().replace('"c"', '"d"'), '9');
      kafka.emit('join', { memberAssignment: { [replies]: [0] } });
      await server.close();
      expect(kafka.commits).toEqual([[{ topic: replies, partition: 0, offset: '10' }]]);
    });

    it('waits on close for a handler under way, commits its offset, and handles nothing delivered after', async () => {
      let release!: () => void;
      let calls = 0;
      const { kafka, server } = await start({
        handler: async () => {
          calls++;
          if (calls === 1) await new Promise<void>((resolve) => (release = resolve));
        },
      });
      const first = kafka.deliver(replies, reply().replace('"c"', '"a"'), '3');
      const closing = server.close();
      await kafka.deliver(replies, reply().replace('"c"', '"b"'), '4');
      expect(calls).toBe(1);
      expect(kafka.commits).toEqual([]);
      release();
      await first;
      await closing;
      expect(kafka.commits).toEqual([[{ topic: replies, partition: 0, offset: '4' }]]);
    });

    it('commits at a rebalance, and forgets the partitions the new assignment gives to others', async () => {
      const { kafka, server } = await start({});
      await kafka.deliver(replies, reply().replace('"c"', '"a"'), '1');
      kafka.emit('rebalancing', {});
      await new Promise((resolve) => setImmediate(resolve));
      expect(kafka.commits).toEqual([[{ topic: replies, partition: 0, offset: '2' }]]);
      await kafka.deliver(replies, reply().replace('"c"', '"b"'), '2');
      await kafka.deliver(replies, reply().replace('"c"', '"d"'), '5', Buffer.from('bob'), 1);
      kafka.emit('join', { memberAssignment: { [replies]: [1] } });
      await server.close();
      expect(kafka.commits.at(-1)).toEqual([{ topic: replies, partition: 1, offset: '6' }]);
    });
  });

  it('logs a message that went as it should at debug, one that did not at info', async () => {
    const lines: { level: string; msg: string; outcome?: string }[] = [];
    const destination = { write: (line: string) => void lines.push(JSON.parse(line)) };
    const kafka = fakeKafka();
    const server = new HardenedServerKafka(
      { client: { clientId: 'c', brokers: ['127.0.0.1:1'] }, consumer: { groupId: 'p.g' } },
      {
        groupLabel: 'g',
        topicPrefix: 'p',
        retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
        lagIntervalMs: 60_000,
      },
      {
        kafka: kafka.kafka,
        publisher: kafka.publisher,
        metrics,
        logger: createLogger({ service: 't', level: 'debug', destination }),
      },
    );
    let failing = false;
    server.addHandler(
      TOPICS.replies,
      (async () => {
        if (failing) throw new NonRetryableError('no');
      }) as MessageHandler,
      true,
    );
    await new Promise<void>((resolve, reject) => void server.listen((e?: unknown) => (e ? reject(e) : resolve())));
    await kafka.deliver('p.jeeves.replies.v1', reply(), '1');
    failing = true;
    await kafka.deliver('p.jeeves.replies.v1', reply().replace('"c"', '"d"'), '2');
    expect(lines.filter((l) => l.msg === 'message').map((l) => [l.level, l.outcome])).toEqual([
      ['debug', 'ok'],
      ['info', 'dead_lettered'],
    ]);
    await server.close();
  });

  describe("puts the envelope on the message's process span (ADR 0004)", () => {
    const exporter = new InMemorySpanExporter();
    const contextManager = new AsyncLocalStorageContextManager();
    const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    /** The spans ended so far (the processor exports each one asynchronously). */
    const finished = async () => {
      await provider.forceFlush();
      return exporter.getFinishedSpans();
    };
    beforeAll(() => {
      context.setGlobalContextManager(contextManager.enable());
      trace.setGlobalTracerProvider(provider);
    });
    afterAll(() => {
      trace.disable();
      context.disable();
    });
    beforeEach(() => exporter.reset());

    /** Delivers inside a CONSUMER span, as the kafkajs instrumentation does, and ends it after. */
    async function deliverInProcessSpan(kafka: ReturnType<typeof fakeKafka>, value: string): Promise<void> {
      const span = trace.getTracer('instrumentation-kafkajs').startSpan('process p.jeeves.replies.v1', {
        kind: SpanKind.CONSUMER,
      });
      await context.with(trace.setSpan(ROOT_CONTEXT, span), () => kafka.deliver('p.jeeves.replies.v1', value));
      span.end();
    }

    it('adds type, id, group and outcome to the active process span, without a child span', async () => {
      const { kafka, server } = await start({});
      await deliverInProcessSpan(kafka, reply());
      const spans = await finished();
      expect(spans.map((s) => s.name)).toEqual(['process p.jeeves.replies.v1']);
      expect(spans[0]!.attributes).toMatchObject({
        'jeeves.message.type': 'reply.produced',
        'messaging.message.id': expect.any(String),
        'messaging.consumer.group.name': 'p.g',
        'jeeves.outcome': 'ok',
      });
      expect(spans[0]!.status.code).toBe(SpanStatusCode.UNSET);
      await server.close();
    });

    it('marks the process span as an error when the message is dead-lettered', async () => {
      const { kafka, server } = await start({
        handler: async () => {
          throw new NonRetryableError('rule');
        },
      });
      await deliverInProcessSpan(kafka, reply());
      const [span] = await finished();
      expect(span!.attributes['jeeves.outcome']).toBe('dead_lettered');
      expect(span!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'dead-lettered' });
      await server.close();
    });

    it('puts the outcome on the process span of a record that never reached a handler', async () => {
      const { kafka, server } = await start({ dedupeWindow: 10 });
      await deliverInProcessSpan(kafka, 'not an envelope');
      const value = reply();
      await deliverInProcessSpan(kafka, value);
      await deliverInProcessSpan(kafka, value);
      const spans = await finished();
      expect(spans.map((s) => [s.attributes['jeeves.outcome'], s.status.code])).toEqual([
        ['dead_lettered', SpanStatusCode.ERROR],
        ['ok', SpanStatusCode.UNSET],
        ['duplicate', SpanStatusCode.UNSET],
      ]);
      await server.close();
    });

    it('makes a process span of its own when no instrumentation made one', async () => {
      const { kafka, server } = await start({});
      await kafka.deliver('p.jeeves.replies.v1', reply(), '7', Buffer.from('alice'), 3);
      const spans = await finished();
      expect(spans).toHaveLength(1);
      expect(spans[0]!.name).toBe('process p.jeeves.replies.v1');
      expect(spans[0]!.kind).toBe(SpanKind.CONSUMER);
      expect(spans[0]!.attributes).toMatchObject({
        'messaging.system': 'kafka',
        'messaging.operation.type': 'process',
        'messaging.destination.name': 'p.jeeves.replies.v1',
        'messaging.destination.partition.id': '3',
        'messaging.kafka.offset': 7,
        'jeeves.message.type': 'reply.produced',
        'jeeves.outcome': 'ok',
      });
      await server.close();
    });
  });
});
