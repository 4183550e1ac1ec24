import { messageReadReplySchema, messageReadSchema, READ_TOPICS, replyTopicOf, userMessagesReadSchema } from './reads';
import { TOPIC_SPECS } from './topics';

describe('read contract (ADR 0042)', () => {
  it('creates every read topic and its reply topic, with the same partitions', () => {
    for (const topic of Object.values(READ_TOPICS)) {
      const request = TOPIC_SPECS.find((spec) => spec.name === topic);
      const reply = TOPIC_SPECS.find((spec) => spec.name === replyTopicOf(topic));
      expect(request?.partitions).toBeGreaterThanOrEqual(10);
      expect(reply?.partitions).toBe(request?.partitions);
    }
  });

  it('names reply topics as Nest’s ClientKafka does: <pattern>.reply', () => {
    expect(replyTopicOf('t1.jeeves.reads.message.v1')).toBe('t1.jeeves.reads.message.v1.reply');
  });

  it.each([
    [{ id: 'nope', clientId: 'c' }],
    [{ id: '6f1d7a4e-2b1c-4c5d-9e8f-0a1b2c3d4e5f' }],
    [{ id: '6f1d7a4e-2b1c-4c5d-9e8f-0a1b2c3d4e5f', clientId: 'c', extra: 1 }],
  ])('refuses the message read %j', (read) => expect(messageReadSchema.safeParse(read).success).toBe(false));

  it.each([
    [{ user: '..', clientId: 'c', limit: 1 }],
    [{ user: 'alice', clientId: 'c', limit: 0 }],
    [{ user: 'alice', clientId: 'c', limit: 101 }],
    [{ user: 'alice', clientId: 'c', limit: 1, before: 'yesterday' }],
  ])('refuses the page read %j', (read) => expect(userMessagesReadSchema.safeParse(read).success).toBe(false));

  it('tells the reply outcomes apart and refuses an unknown one', () => {
    expect(messageReadReplySchema.safeParse({ outcome: 'not-found' }).success).toBe(true);
    expect(messageReadReplySchema.safeParse({ outcome: 'rejected', detail: 'x' }).success).toBe(true);
    expect(messageReadReplySchema.safeParse({ outcome: 'found' }).success).toBe(false);
    expect(messageReadReplySchema.safeParse({ outcome: 'lost' }).success).toBe(false);
  });
});
