import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { actionRequestedSchema, EVENT_TYPES, TOPICS } from '#libs/contracts';
import { KafkaConnection } from '#libs/kafka';
import { SERVICE_CONTEXT, type ServiceContext } from '#libs/platform';
import type { WorkerConfig } from '../main';
import { ActionHandler } from './action-handler';

/** Group of every worker instance: they share the partitions of jeeves.actions.v1. */
export const WORKER_GROUP_ID = 'jeeves-worker';

/** Joins the worker's consumer group once the app is up; the Kafka module stops it on shutdown. */
@Injectable()
export class ActionConsumer implements OnApplicationBootstrap {
  constructor(
    @Inject(KafkaConnection) private readonly connection: KafkaConnection,
    @Inject(ActionHandler) private readonly handler: ActionHandler,
    @Inject(SERVICE_CONTEXT) private readonly context: ServiceContext<WorkerConfig>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.connection.startConsumer({
      groupId: WORKER_GROUP_ID,
      topics: [TOPICS.actions],
      // Only what the worker handles: any other type on the topic is dead-lettered as unknown.
      schemas: { [EVENT_TYPES.actionRequested]: actionRequestedSchema },
      concurrency: this.context.config.WORKER_CONCURRENCY,
      handler: (message) => this.handler.handle(message),
    });
  }
}
