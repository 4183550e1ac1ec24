import { type TopicName, topicName } from '#libs/contracts';
import { ObservedServerKafka } from './observed-server-kafka';

/**
 * Nest's own ServerKafka with its defaults (`KAFKA_TRANSPORT=stock`), so the lab can show how it
 * behaves out of the box. It adds only what the lab needs to run at all: the lab's topic prefix on
 * the `@EventPattern` topics, and a readiness signal (joined its group). Nothing else is changed:
 * a handler's error passes Nest's default RPC filter (the controllers' RpcErrorPassthroughFilter acts
 * as that filter here: only the hardened transport marks its contexts for pass-through) and goes back
 * to kafkajs as `{ status: 'error' }`, which kafkajs retries, restarting the consumer at the same offset.
 */
export class StockServerKafka extends ObservedServerKafka {
  /** Stops fetching from a topic (or all) until `resume`; the `pause-consumer` fault. */
  pause(topic?: TopicName): void {
    this.kafkaConsumer()?.pause(this.topics(topic));
  }

  resume(topic?: TopicName): void {
    this.kafkaConsumer()?.resume(this.topics(topic));
  }

  private topics(topic?: TopicName): { topic: string }[] {
    return topic ? [{ topic: topicName(topic, this.topicPrefix) }] : this.registeredTopics();
  }
}
