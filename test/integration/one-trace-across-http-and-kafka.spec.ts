import { readFileSync } from 'node:fs';
import type { StoredSpan } from '../../tools/otlp-sink';
import { postMessage, uniqueUser, waitForFinal } from './pipeline-helpers';
import { lab, waitFor } from './support/lab';

/**
 * One message, one trace: the test lab exports every span (100% sampled) over OTLP/JSON to the
 * lab's sink, which appends them to a file. We follow the message hop by hop through that file.
 */
const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;
const CONSUMER = 5;

function spansOf(traceId: string): StoredSpan[] {
  const file = lab().tracesFile;
  if (!file) throw new Error('the test lab runs without its trace sink (lab.json has no tracesFile)');
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.includes(traceId))
    .map((line) => JSON.parse(line) as StoredSpan)
    .filter((span) => span.traceId === traceId);
}

describe('tracing: one trace across HTTP and Kafka', () => {
  it('follows POST /v1/messages through gateway, bot, worker, provider and data-service', async () => {
    const { id } = await postMessage(uniqueUser('trace'), 'weather in Lisbon');
    const view = await waitForFinal(id);
    expect(view.status).toBe('replied');
    expect(view.traceId).toMatch(/^[0-9a-f]{32}$/);
    const traceId = view.traceId!;
    const topic = (base: string) => lab().topic(base as never);

    // Each service exports its spans in its own batches: wait until every service's part is in.
    const services = ['gateway', 'bot', 'worker', 'provider', 'data-service'];
    let latest: StoredSpan[] = [];
    const spans = await waitFor(
      () => {
        latest = spansOf(traceId);
        const stored = latest.some(
          (s) => s.service === 'data-service' && s.name === `process ${topic('jeeves.replies.v1')}`,
        );
        const everyService = services.every((service) => latest.some((s) => s.service === service));
        return stored && everyService ? latest : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500, what: `the spans of trace ${traceId} from ${services.join(', ')}` },
    ).catch((error: Error) => {
      const seen = [...new Set(latest.map((s) => s.service))].join(', ') || 'none';
      throw new Error(`${error.message}; services seen so far: ${seen}`);
    });
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const parentOf = (span: StoredSpan) => (span.parentSpanId ? byId.get(span.parentSpanId) : undefined);
    const isDescendant = (span: StoredSpan, ancestor: StoredSpan): boolean => {
      for (let p = parentOf(span); p; p = parentOf(p)) if (p.spanId === ancestor.spanId) return true;
      return false;
    };
    const one = (
      service: string,
      kind: number,
      name: string | RegExp,
      filter: (s: StoredSpan) => boolean = () => true,
    ) => {
      const found = spans.filter(
        (s) =>
          s.service === service &&
          s.kind === kind &&
          (typeof name === 'string' ? s.name === name : name.test(s.name)) &&
          filter(s),
      );
      if (found.length === 0) {
        const seen = spans.map((s) => `${s.service}/${s.kind}/${s.name}`).join(', ');
        throw new Error(`no ${service} span of kind ${kind} named ${String(name)} in trace ${traceId}; seen: ${seen}`);
      }
      return found[0]!;
    };

    // gateway: the HTTP request, and inside it the produce to jeeves.messages.v1.
    const post = one('gateway', SERVER, /^POST( \/v1\/messages)?$/);
    expect(parentOf(post)).toBeUndefined();
    const gatewaySend = one('gateway', PRODUCER, `send ${topic('jeeves.messages.v1')}`);
    expect(isDescendant(gatewaySend, post)).toBe(true);

    // bot: consumes as a child of the gateway's producer span, produces the action under it.
    const botProcess = one('bot', CONSUMER, `process ${topic('jeeves.messages.v1')}`);
    expect(botProcess.parentSpanId).toBe(gatewaySend.spanId);
    const botSend = one('bot', PRODUCER, `send ${topic('jeeves.actions.v1')}`);
    expect(isDescendant(botSend, botProcess)).toBe(true);

    // worker: consumes the action, calls the provider over HTTP, produces the reply.
    const workerProcess = one('worker', CONSUMER, `process ${topic('jeeves.actions.v1')}`);
    expect(workerProcess.parentSpanId).toBe(botSend.spanId);
    const providerCall = one('worker', CLIENT, /^GET/);
    expect(isDescendant(providerCall, workerProcess)).toBe(true);
    const providerServer = one('provider', SERVER, /^GET( \/v1\/weather)?$/);
    expect(providerServer.parentSpanId).toBe(providerCall.spanId);
    const workerSend = one('worker', PRODUCER, `send ${topic('jeeves.replies.v1')}`);
    expect(isDescendant(workerSend, workerProcess)).toBe(true);

    // data-service: stores the reply as a child of the worker's producer span.
    const storeReply = one('data-service', CONSUMER, `process ${topic('jeeves.replies.v1')}`);
    expect(storeReply.parentSpanId).toBe(workerSend.spanId);
    // The database write is in the trace too (node:sqlite has no instrumentation: our own span).
    const write = one('data-service', CLIENT, 'apply messages', (s) => isDescendant(s, storeReply));
    expect(write.attributes).toMatchObject({
      'db.system.name': expect.stringMatching(/^(sqlite|postgresql)$/),
      'db.operation.name': 'apply',
    });
    // ...and the accepted message as a child of the gateway's send.
    const storeAccepted = one('data-service', CONSUMER, `process ${topic('jeeves.messages.v1')}`);
    expect(storeAccepted.parentSpanId).toBe(gatewaySend.spanId);

    // Messaging attributes per the semantic conventions, on every Kafka hop.
    for (const span of [gatewaySend, botProcess, botSend, workerProcess, workerSend, storeReply]) {
      expect(span.attributes).toMatchObject({
        'messaging.system': 'kafka',
        'messaging.destination.name': expect.stringContaining('jeeves.'),
      });
      expect(span.attributes['messaging.operation.name']).toMatch(/^(send|process)$/);
    }
    for (const span of [botProcess, workerProcess, storeReply]) {
      expect(span.attributes['messaging.destination.partition.id']).toMatch(/^\d+$/);
      expect(String(span.attributes['messaging.kafka.offset'])).toMatch(/^\d+$/);
    }
    // The consumers' process spans name the envelope they handled (no child span of the same length).
    expect(spans.filter((s) => s.name.startsWith('handle '))).toEqual([]);
    for (const span of [botProcess, workerProcess, storeReply, storeAccepted]) {
      expect(span.attributes['messaging.message.id']).toEqual(expect.any(String));
      expect(span.attributes['jeeves.message.type']).toMatch(/^(message\.accepted|action\.requested|reply\.produced)$/);
      expect(span.attributes['jeeves.outcome']).toBe('ok');
    }
    // Producer and consumer spans carry the envelope id too (from the header our publisher sets).
    expect(gatewaySend.attributes['messaging.message.id']).toBe(id);
    expect(botProcess.attributes['messaging.message.id']).toBe(id);
    expect(botProcess.attributes['jeeves.message.type']).toBe('message.accepted');
  });
});
