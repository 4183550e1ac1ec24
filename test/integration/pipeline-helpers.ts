import { randomUUID } from 'node:crypto';
import {
  Kafka,
  logLevel,
  type Consumer,
  type ConsumerConfig,
  type EachMessagePayload,
  type IHeaders,
  type Producer,
} from 'kafkajs';
import {
  contentTypeOf,
  type Envelope,
  EVENT_TYPES,
  makeEnvelope,
  type MessageAccepted,
  type MessageView,
  type RecordHeaders,
  type TopicName,
} from '#libs/contracts';
import { decodeValue, payloadFormatOf } from '#libs/kafka';
import { CLIENTS, getToken, lab, restartApp, waitFor } from './support/lab';

/**
 * What the pipeline-* specs share: the gateway's agreed API (with 429 handled as the gateway asks),
 * data-service's read API, and raw Kafka access under the run's topic prefix.
 */

/** A user name no other spec (or earlier run) uses, so per-user listings only hold this spec's messages. */
export function uniqueUser(label: string): string {
  return `${label}-${randomUUID().slice(0, 8)}`;
}

let token: Promise<string> | undefined;
export function demoToken(): Promise<string> {
  token ??= getToken(CLIENTS.demo.id, CLIENTS.demo.secret);
  return token;
}

/** fetch that waits out 429/503 as `Retry-After` says (bounded), so a spec never fails on the gateway's own limits. */
async function politeFetch(url: string, init: RequestInit, deadlineMs = 60_000): Promise<Response> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
    if ((response.status !== 429 && response.status !== 503) || Date.now() > deadline) return response;
    await response.body?.cancel();
    const retryAfterSeconds = Number(response.headers.get('retry-after') ?? '1');
    await new Promise((resolve) => setTimeout(resolve, Math.min(5, Math.max(0.1, retryAfterSeconds || 1)) * 1000));
  }
}

/** `POST /v1/messages` → 202 `{id, status}`. */
export async function postMessage(user: string, text: string): Promise<{ id: string; status: string }> {
  const response = await politeFetch(`${lab().urls.gateway}/v1/messages`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${await demoToken()}`,
      'content-type': 'application/json',
      accept: 'application/json',
    },
    body: JSON.stringify({ user, text }),
  });
  const body = await response.text();
  if (response.status !== 202) throw new Error(`POST /v1/messages answered ${response.status}: ${body}`);
  return JSON.parse(body) as { id: string; status: string };
}

/** `GET /v1/messages/:id` through the gateway; undefined while it answers 404. */
export async function getMessage(
  id: string,
): Promise<(Partial<MessageView> & { id: string; status: string }) | undefined> {
  const response = await politeFetch(`${lab().urls.gateway}/v1/messages/${id}`, {
    headers: { authorization: `Bearer ${await demoToken()}`, accept: 'application/json' },
  });
  const body = await response.text();
  if (response.status === 404) return undefined;
  if (response.status !== 200) throw new Error(`GET /v1/messages/${id} answered ${response.status}: ${body}`);
  return JSON.parse(body) as MessageView;
}

const FINAL = new Set(['replied', 'failed']);

/** Polls the gateway until the message is replied or failed; returns the view. */
export function waitForFinal(id: string, timeoutMs = 60_000): Promise<MessageView> {
  return waitFor(
    async () => {
      const view = await getMessage(id);
      return view && FINAL.has(view.status) ? (view as MessageView) : undefined;
    },
    { timeoutMs, intervalMs: 250, what: `message ${id} to be replied or failed` },
  );
}

/** data-service's own read API (no token: it is internal). */
export async function storedMessage(id: string): Promise<MessageView | undefined> {
  const response = await fetch(`${lab().urls['data-service']}/v1/messages/${id}`, {
    headers: { accept: 'application/json' },
    signal: AbortSignal.timeout(10_000),
  });
  if (response.status === 404) return undefined;
  if (!response.ok)
    throw new Error(`data-service GET /v1/messages/${id} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as MessageView;
}

export async function storedMessagesOf(user: string): Promise<MessageView[]> {
  const response = await fetch(`${lab().urls['data-service']}/v1/users/${user}/messages?limit=100`, {
    headers: { accept: 'application/json' },
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok)
    throw new Error(
      `data-service GET /v1/users/${user}/messages answered ${response.status}: ${await response.text()}`,
    );
  return ((await response.json()) as { items: MessageView[] }).items;
}

export function kafka(clientId: string): Kafka {
  return new Kafka({ clientId, brokers: lab().brokers.split(','), logLevel: logLevel.NOTHING });
}

export async function connectedProducer(client: Kafka): Promise<Producer> {
  const producer = client.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  return producer;
}

/** A `message.accepted` envelope as the gateway would publish it. */
export function acceptedEnvelope(
  user: string,
  text: string,
  messageId: string = randomUUID(),
): Envelope<MessageAccepted> {
  return makeEnvelope({
    type: EVENT_TYPES.messageAccepted,
    correlationId: messageId,
    data: { messageId, user, text, clientId: CLIENTS.demo.id },
  });
}

export async function produceRaw(
  producer: Producer,
  topic: TopicName,
  key: string,
  value: string | Buffer | null,
  headers?: IHeaders,
): Promise<void> {
  await producer.send({ topic: lab().topic(topic), acks: -1, messages: [{ key, value, headers }] });
}

export interface Recorded {
  key: string | null;
  /** The value as UTF-8 text (lossy for MessagePack and Protobuf values: `envelope` is decoded from the bytes). */
  value: string | null;
  headers: Record<string, string>;
  partition: number;
  offset: string;
  /** The value parsed as an envelope, when it is one. */
  envelope: Envelope | undefined;
}

/** How a RecordingConsumer records: its group's label, what it keeps of each record, and consumer settings. */
export interface Recording<R> {
  readonly label: string;
  readonly read: (payload: EachMessagePayload) => R;
  readonly config?: Partial<ConsumerConfig>;
}

/**
 * Records everything on one contract topic from the beginning, each record as `recording.read`
 * makes it, in a group of its own (`<prefix>.<label>-<uuid>`, so it takes nothing from the services'
 * groups). `stop()` when done.
 */
export class RecordingConsumer<R> {
  readonly records: R[] = [];
  private consumer: Consumer | undefined;

  constructor(
    private readonly client: Kafka,
    private readonly topic: TopicName,
    private readonly recording: Recording<R>,
  ) {}

  async start(): Promise<this> {
    const consumer = this.client.consumer({
      groupId: `${lab().topicPrefix}.${this.recording.label}-${randomUUID()}`,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      ...this.recording.config,
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topic: lab().topic(this.topic), fromBeginning: true });
    await consumer.run({
      eachMessage: async (payload) => {
        this.records.push(this.recording.read(payload));
      },
    });
    return this;
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

/** Records everything on one contract topic from the beginning as text, envelopes parsed. `stop()` when done. */
export class TopicRecorder extends RecordingConsumer<Recorded> {
  constructor(client: Kafka, topic: TopicName) {
    super(client, topic, { label: 'recorder', read: recordedOf });
  }

  /** Envelopes on the topic whose payload names this message. */
  about(messageId: string): Envelope[] {
    return this.records.flatMap((r) =>
      r.envelope && (r.envelope.data as { messageId?: unknown })?.messageId === messageId ? [r.envelope] : [],
    );
  }
}

function recordedOf({ partition, message }: EachMessagePayload): Recorded {
  const value = message.value?.toString('utf8') ?? null;
  const headers = Object.fromEntries(
    Object.entries(message.headers ?? {}).map(([name, raw]) => [
      name,
      (Array.isArray(raw) ? raw[0] : raw)?.toString() ?? '',
    ]),
  );
  return {
    key: message.key?.toString('utf8') ?? null,
    value,
    headers,
    partition,
    offset: message.offset,
    envelope: parseEnvelope(message.value, message.headers ?? {}),
  };
}

/** The value as an envelope, in the format its content-type header names (none: JSON); unvalidated. */
function parseEnvelope(value: Buffer | null, headers: RecordHeaders): Envelope | undefined {
  if (value === null) return undefined;
  try {
    const parsed = decodeValue(value, payloadFormatOf(contentTypeOf(headers))) as Envelope;
    return typeof parsed === 'object' && parsed !== null && 'data' in parsed ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** The sentence the worker makes of the provider's weather report, read back from the provider itself. */
export async function providerWeather(
  city: string,
): Promise<{ city: string; temperatureC: number; condition: string; humidityPercent: number }> {
  const response = await fetch(`${lab().urls.provider}/v1/weather?city=${encodeURIComponent(city)}`, {
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`provider answered ${response.status}`);
  return (await response.json()) as { city: string; temperatureC: number; condition: string; humidityPercent: number };
}

/**
 * Restarts the test lab's `app` (instance 1) with JEEVES_PAYLOAD_FORMAT set to `format` (undefined:
 * unset, the lab's default) and waits until it is ready. The lab passes JEEVES_* variables of this
 * process on to the apps it starts (tools/lab/instances.ts), so the variable is set only around the start.
 */
export async function restartWithPayloadFormat(
  app: 'gateway' | 'bot' | 'worker',
  format: string | undefined,
): Promise<void> {
  const before = process.env.JEEVES_PAYLOAD_FORMAT;
  if (format === undefined) delete process.env.JEEVES_PAYLOAD_FORMAT;
  else process.env.JEEVES_PAYLOAD_FORMAT = format;
  try {
    await restartApp(app);
  } finally {
    if (before === undefined) delete process.env.JEEVES_PAYLOAD_FORMAT;
    else process.env.JEEVES_PAYLOAD_FORMAT = before;
  }
}
