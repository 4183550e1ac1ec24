import type { EachMessagePayload } from 'kafkajs';
import { CONTENT_TYPE_HEADER, CONTENT_TYPES, TOPICS, type TopicName } from '#libs/contracts';
import { openLab } from '../../tools/lab';
import { runAndReport } from '../../experiments/src';
import { waitFor } from './support/lab';
import { TEST_STATE_DIR } from './support/settings';
import { waitPipelineSettled } from './resilience-helpers';
import { kafka, postMessage, RecordingConsumer, uniqueUser, waitForFinal } from './pipeline-helpers';

const log = (line: string): void => void process.stderr.write(`[experiment] ${line}\n`);

/** A record's content-type header (absent: the JSON a producer wrote before headers named formats) and timestamp. */
interface Seen {
  readonly contentType: string;
  readonly timestampMs: number;
  readonly key: string | null;
}

function seenOf({ message }: EachMessagePayload): Seen {
  const raw = message.headers?.[CONTENT_TYPE_HEADER];
  const value = (Array.isArray(raw) ? raw[0] : raw)?.toString();
  return {
    contentType: value ?? CONTENT_TYPES.json,
    timestampMs: Number(message.timestamp),
    key: message.key?.toString() ?? null,
  };
}

/**
 * `lab experiment format-rollout --short` against the test lab: under load, the gateway, the bot and
 * the worker restart one by one with JEEVES_PAYLOAD_FORMAT=protobuf. Nothing accepted is lost,
 * nothing is dead-lettered, the settled phases keep the 250 ms e2e p99, and the formats really
 * switched: read from the broker by a consumer of the spec's own, each topic carries JSON records
 * from before its producer's restart and Protobuf ones after. The rollback puts JSON back.
 */
describe('experiment: format-rollout', () => {
  beforeAll(() => waitPipelineSettled(), 120_000);

  it('switches every producer to Protobuf under load, losing and dead-lettering nothing', async () => {
    const client = kafka('format-rollout-recorder');
    const topics: TopicName[] = [TOPICS.messages, TOPICS.actions, TOPICS.replies];
    const recorders = await Promise.all(
      topics.map((t) => new RecordingConsumer(client, t, { label: 'format-rollout', read: seenOf }).start()),
    );
    const startedAtMs = Date.now();
    try {
      const { record } = await runAndReport('format-rollout', openLab(process.env, { stateDir: TEST_STATE_DIR }), {
        short: true,
        log,
      });
      const value = (name: string): number | undefined => record.measurements.find((m) => m.name === name)?.value;
      expect(record.verdict.failures).toEqual([]);
      expect(record.ledger).toMatchObject({ lost: 0, extraCompletions: 0, acceptedCountedFrom: 'messages-topic' });
      expect(record.ledger?.acceptedByGateway).toBeGreaterThan(100);
      expect(value('deadLettered')).toBe(0);
      expect(record.rollbacks.every((r) => r.ok)).toBe(true);

      // Each topic's producer switched during the run: both formats on it, JSON first, Protobuf last.
      const during = recorders.map((r) => r.records.filter((s) => s.timestampMs >= startedAtMs));
      for (const [i, records] of during.entries()) {
        const types = records.map((s) => s.contentType);
        expect({ topic: topics[i], json: types.includes(CONTENT_TYPES.json) }).toEqual({
          topic: topics[i],
          json: true,
        });
        expect({ topic: topics[i], protobuf: types.includes(CONTENT_TYPES.protobuf) }).toEqual({
          topic: topics[i],
          protobuf: true,
        });
        expect(types.filter((t) => t !== CONTENT_TYPES.json && t !== CONTENT_TYPES.protobuf)).toEqual([]);
      }

      // The rollback restored the lab's JSON: a message sent now travels as JSON end to end.
      const user = uniqueUser('after-rollout');
      const { id } = await postMessage(user, 'weather in Paris');
      expect((await waitForFinal(id)).status).toBe('replied');
      const after = await waitFor(
        () => {
          const types = recorders.map((r) => r.records.filter((s) => s.key === user).map((s) => s.contentType));
          return types.every((t) => t.length > 0) && types;
        },
        { timeoutMs: 30_000, what: `the records of ${user}'s message on messages, actions and replies` },
      );
      expect(after).toEqual([[CONTENT_TYPES.json], [CONTENT_TYPES.json], [CONTENT_TYPES.json]]);
    } finally {
      await Promise.all(recorders.map((r) => r.stop()));
    }
  }, 480_000);
});
