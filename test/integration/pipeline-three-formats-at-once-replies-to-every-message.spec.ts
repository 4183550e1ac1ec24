import type { Kafka } from 'kafkajs';
import { CONTENT_TYPE_HEADER, CONTENT_TYPES, type PayloadFormat, TOPICS } from '#libs/contracts';
import {
  kafka,
  postMessage,
  type Recorded,
  restartWithPayloadFormat,
  TopicRecorder,
  uniqueUser,
  waitForFinal,
} from './pipeline-helpers';
import { waitFor } from './support/lab';

/** Each producing app writes its own format: every hop of a weather message changes format. */
const FORMATS = { gateway: 'protobuf', bot: 'msgpack', worker: 'json' } as const satisfies Record<
  string,
  PayloadFormat
>;

/** Messages the bot sends on to the worker (an action), and ones it answers itself. */
const MESSAGES = [
  { text: 'weather in Paris', viaWorker: true },
  { text: 'time in Tokyo', viaWorker: true },
  { text: 'help', viaWorker: false },
  { text: 'echo three formats', viaWorker: false },
] as const;

/**
 * Issue 16: a pipeline whose gateway, bot and worker each publish a different payload format at the
 * same time (JEEVES_PAYLOAD_FORMAT per app) still answers every message: every consumer (bot,
 * worker, data-service) reads all three, and each record names its format in `content-type`.
 */
describe('pipeline: three apps producing three different formats at once reply to every message', () => {
  let client: Kafka;
  const recorders = new Map<string, TopicRecorder>();

  beforeAll(async () => {
    client = kafka('pipeline-three-formats');
    for (const topic of [TOPICS.messages, TOPICS.actions, TOPICS.replies])
      recorders.set(topic, await new TopicRecorder(client, topic).start());
    for (const [app, format] of Object.entries(FORMATS))
      await restartWithPayloadFormat(app as keyof typeof FORMATS, format);
  }, 300_000);

  afterAll(async () => {
    for (const recorder of recorders.values()) await recorder.stop();
    // Back to the lab's own setting for the specs after this one.
    for (const app of Object.keys(FORMATS))
      await restartWithPayloadFormat(app as keyof typeof FORMATS, process.env.JEEVES_PAYLOAD_FORMAT);
  }, 300_000);

  /** The records on `topic` about message `id`, once there are `count`. */
  function recordsAbout(topic: string, id: string, count: number): Promise<Recorded[]> {
    return waitFor(
      () => {
        const found = recorders
          .get(topic)!
          .records.filter((r) => (r.envelope?.data as { messageId?: unknown } | undefined)?.messageId === id);
        return found.length >= count ? found : undefined;
      },
      { timeoutMs: 30_000, what: `${count} record(s) about ${id} on ${topic}` },
    );
  }

  it('answers every message, each hop written in its producer’s format and read by every consumer', async () => {
    const user = uniqueUser('formats');
    const sent = [];
    for (const message of MESSAGES) sent.push({ ...message, ...(await postMessage(user, message.text)) });

    for (const { id, text, viaWorker } of sent) {
      const view = await waitForFinal(id);
      expect(view).toMatchObject({ id, user, text, status: 'replied' });
      expect(view.reply).toEqual(expect.any(String));

      const [accepted] = await recordsAbout(TOPICS.messages, id, 1);
      expect(accepted!.headers[CONTENT_TYPE_HEADER]).toBe(CONTENT_TYPES[FORMATS.gateway]);
      expect(accepted!.envelope).toMatchObject({ type: 'message.accepted', data: { messageId: id, user, text } });

      const [reply] = await recordsAbout(TOPICS.replies, id, 1);
      expect(reply!.envelope).toMatchObject({ type: 'reply.produced', data: { messageId: id, text: view.reply } });
      if (viaWorker) {
        const [action] = await recordsAbout(TOPICS.actions, id, 1);
        expect(action!.headers[CONTENT_TYPE_HEADER]).toBe(CONTENT_TYPES[FORMATS.bot]);
        expect(action!.envelope).toMatchObject({ type: 'action.requested', data: { messageId: id } });
        expect(reply!.headers[CONTENT_TYPE_HEADER]).toBe(CONTENT_TYPES[FORMATS.worker]);
      } else {
        expect(reply!.headers[CONTENT_TYPE_HEADER]).toBe(CONTENT_TYPES[FORMATS.bot]);
      }
    }
  }, 180_000);
});
