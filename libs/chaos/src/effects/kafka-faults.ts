import type { TopicName } from '#libs/contracts';
import { ChaosInjectedError } from '../errors';
import type { Fault, FaultRegistry } from '../fault-registry';

/** The parts of libs/kafka's KafkaConnection the chaos faults use. */
export interface ChaosKafkaTarget {
  readonly publisher: { setGuard(guard: ((topic: string) => void) | undefined): void };
  allConsumers(): readonly { pause(topic?: TopicName): void; resume(topic?: TopicName): void }[];
}

function topicOf(fault: Fault): TopicName | null {
  return fault.target?.startsWith('topic:') ? (fault.target.slice('topic:'.length) as TopicName) : null;
}

/**
 * `pause-consumer` and `produce-failure` on a Kafka connection. Pauses are recomputed from the list
 * of active faults on every change, so two overlapping pauses on one topic resume only when both
 * are gone.
 */
export class KafkaFaults {
  private pausedAll = false;
  private pausedTopics = new Set<TopicName>();

  constructor(
    private readonly kafka: ChaosKafkaTarget,
    private readonly faults: FaultRegistry,
    private readonly random: () => number = Math.random,
  ) {}

  install(): void {
    this.kafka.publisher.setGuard((topic) => this.guard(topic));
    this.faults.subscribe((_event, fault) => {
      if (fault.type === 'pause-consumer') this.syncPauses();
    });
  }

  uninstall(): void {
    this.kafka.publisher.setGuard(undefined);
  }

  private guard(topic: string): void {
    for (const fault of this.faults.ofType('produce-failure')) {
      const target = topicOf(fault);
      if ((target === null || target === topic) && this.random() < Number(fault.params.rate)) {
        throw new ChaosInjectedError(fault.id, 503, `produce to ${topic}`);
      }
    }
  }

  private syncPauses(): void {
    const pauses = this.faults.ofType('pause-consumer');
    const wantAll = pauses.some((fault) => fault.target === null);
    const wantTopics = new Set(pauses.map(topicOf).filter((topic): topic is TopicName => topic !== null));
    for (const consumer of this.kafka.allConsumers()) {
      // A consumer that is between runs (reconnecting) refuses pause/resume; the next change retries.
      const attempt = (action: () => void) => {
        try {
          action();
        } catch {
          /* see above */
        }
      };
      if (wantAll) {
        if (!this.pausedAll) attempt(() => consumer.pause());
        continue;
      }
      if (this.pausedAll) attempt(() => consumer.resume());
      for (const topic of wantTopics)
        if (this.pausedAll || !this.pausedTopics.has(topic)) attempt(() => consumer.pause(topic));
      if (!this.pausedAll)
        for (const topic of this.pausedTopics) if (!wantTopics.has(topic)) attempt(() => consumer.resume(topic));
    }
    this.pausedAll = wantAll;
    this.pausedTopics = wantAll ? new Set() : wantTopics;
  }
}
