/**
 * One hop of the capacity benchmark's bare pipeline, in its own process: the lab's topic hops with
 * plain kafkajs and nothing else (no Nest, no validation, no envelope, no tracing, no metrics
 * beyond the sink's one histogram). BARE_ROLE picks the hop:
 *   gateway  HTTP POST → produce the body to <prefix>.messages (key = its `user`), 202 once acked
 *   bot      <prefix>.messages → <prefix>.actions
 *   worker   <prefix>.actions → <prefix>.replies
 *   sink     reads messages, actions and replies (as data-service does); for each reply observes
 *            now − the gateway's accept time (header x-accepted-ms) in a histogram served on GET /metrics
 * Relays take what each fetch returns as one produce request (kafkajs eachBatch, one send); each
 * consumer commits the batches it finished every 100 ms (autoCommit off, as the lab's transport
 * does, ADR 0009): at least once, per-partition order, commit after effect, acks=all — the lab's
 * guarantees without the lab's code. Prints `LISTENING <port>` once ready.
 * Knobs for comparisons (the benchmark sets neither): BARE_HANDLER=message handles one record at a
 * time (eachMessage, 3 partitions at once, one send per record: the lab's shape); BARE_NODELAY=1
 * turns Nagle's algorithm off on kafkajs's sockets (its socket factory leaves it on).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { type Batch, Kafka, logLevel, Partitioners, type Consumer, type ISocketFactory, type Producer } from 'kafkajs';

const role = process.env.BARE_ROLE ?? '';
const brokers = (process.env.BARE_BROKERS ?? '').split(',');
const prefix = process.env.BARE_PREFIX ?? 'bare';
const topic = (name: 'messages' | 'actions' | 'replies'): string => `${prefix}.${name}`;
/** The same buckets as data-service's jeeves_message_end_to_end_seconds, so both are read alike. */
const BUCKETS = (process.env.BARE_BUCKETS ?? '').split(',').map(Number);

/** kafkajs's own socket factory (net.connect, keep-alive 60 s), with TCP_NODELAY set. */
const noDelaySockets: ISocketFactory = ({ host, port, onConnect }) => {
  const socket = connect({ host, port }, onConnect);
  socket.setKeepAlive(true, 60_000);
  socket.setNoDelay(true);
  return socket;
};

const kafka = new Kafka({
  clientId: `bare-${role}`,
  brokers,
  logLevel: logLevel.NOTHING,
  ...(process.env.BARE_NODELAY === '1' ? { socketFactory: noDelaySockets } : {}),
});

function producer(): Producer {
  return kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
}

/** A consumer and when it first joined its group (listened for before run(), so it is not missed). */
interface Member {
  readonly consumer: Consumer;
  readonly joined: Promise<void>;
}

async function member(groupId: string): Promise<Member> {
  const consumer = kafka.consumer({ groupId });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.connect();
  return { consumer, joined };
}

/**
 * Runs `handle` on every non-empty batch, 6 partitions at once, and commits each partition's next
 * offset every 100 ms once its batch is handled (kafkajs's autoCommit would await a commit after
 * every batch, before the next fetch).
 */
async function consumeBatches(consumer: Consumer, handle: (batch: Batch) => Promise<void> | void): Promise<void> {
  const pending = new Map<string, { topic: string; partition: number; offset: string }>();
  setInterval(() => {
    if (pending.size === 0) return;
    const offsets = [...pending.values()];
    pending.clear();
    consumer.commitOffsets(offsets).catch(() => undefined);
  }, 100).unref();
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: 6,
    eachBatch: async ({ batch }) => {
      if (batch.messages.length === 0) return;
      await handle(batch);
      const { topic, partition } = batch;
      pending.set(`${topic}|${partition}`, { topic, partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() });
    },
  });
}

async function relay(from: string, to: string, groupId: string): Promise<Member> {
  const out = producer();
  await out.connect();
  const m = await member(groupId);
  const consumer = m.consumer;
  await consumer.subscribe({ topics: [from] });
  if (process.env.BARE_HANDLER === 'message') {
    await consumer.run({
      partitionsConsumedConcurrently: 3,
      eachMessage: async ({ message: m }) => {
        await out.send({ topic: to, acks: -1, messages: [{ key: m.key, value: m.value, headers: m.headers }] });
      },
    });
    return m;
  }
  await consumeBatches(consumer, async (batch) => {
    await out.send({
      topic: to,
      acks: -1,
      messages: batch.messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
    });
  });
  return m;
}

/** Cumulative counts per bucket (the last is +Inf), as a Prometheus histogram. */
const counts = new Array<number>(BUCKETS.length + 1).fill(0);
let sum = 0;

function observe(seconds: number): void {
  sum += seconds;
  for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]) counts[i]++;
  counts[BUCKETS.length]++;
}

function metricsText(): string {
  const lines = BUCKETS.map((le, i) => `bare_end_to_end_seconds_bucket{status="replied",le="${le}"} ${counts[i]}`);
  lines.push(`bare_end_to_end_seconds_bucket{status="replied",le="+Inf"} ${counts[BUCKETS.length]}`);
  lines.push(
    `bare_end_to_end_seconds_sum{status="replied"} ${sum}`,
    `bare_end_to_end_seconds_count{status="replied"} ${counts[BUCKETS.length]}`,
  );
  return lines.join('\n') + '\n';
}

async function sink(groupId: string): Promise<Member> {
  const m = await member(groupId);
  const consumer = m.consumer;
  await consumer.subscribe({ topics: [topic('messages'), topic('actions'), topic('replies')] });
  const replies = topic('replies');
  await consumeBatches(consumer, (batch) => {
    if (batch.topic !== replies) return;
    const now = Date.now();
    for (const m of batch.messages) {
      const at = Number(m.headers?.['x-accepted-ms']?.toString());
      if (Number.isFinite(at)) observe((now - at) / 1000);
    }
  });
  return m;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

async function main(): Promise<void> {
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(200).end('ok');
  let stop: () => Promise<void> = async () => undefined;
  if (role === 'gateway') {
    const out = producer();
    await out.connect();
    let sequence = 0;
    handle = (req, res) => {
      const acceptedAt = Date.now();
      void readBody(req)
        .then(async (body) => {
          let user = 'anonymous';
          try {
            user = String((JSON.parse(body.toString()) as { user?: unknown }).user ?? user);
          } catch {
            // No validation here by design: a body that is not JSON is still produced.
          }
          await out.send({
            topic: topic('messages'),
            acks: -1,
            messages: [{ key: user, value: body, headers: { 'x-accepted-ms': String(acceptedAt) } }],
          });
          res.writeHead(202, { 'content-type': 'application/json' }).end(`{"id":"${sequence++}"}`);
        })
        .catch(() => res.writeHead(503).end());
    };
    stop = () => out.disconnect();
  } else if (role === 'bot' || role === 'worker' || role === 'sink') {
    const groupId = `${prefix}.${role}`;
    const { consumer, joined } =
      role === 'bot'
        ? await relay(topic('messages'), topic('actions'), groupId)
        : role === 'worker'
          ? await relay(topic('actions'), topic('replies'), groupId)
          : await sink(groupId);
    // Ready once the group gave this member its partitions: records sent from now on are read.
    await joined;
    if (role === 'sink')
      handle = (_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(metricsText());
    stop = () => consumer.disconnect();
  } else {
    throw new Error(`BARE_ROLE must be gateway, bot, worker or sink, not "${role}"`);
  }
  const server = createServer((req, res) => handle(req, res));
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`LISTENING ${(server.address() as AddressInfo).port}\n`);
  });
  process.once('SIGTERM', () => {
    server.close();
    void stop().finally(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`bare-pipeline ${role}: ${String(error)}\n`);
  process.exit(1);
});
