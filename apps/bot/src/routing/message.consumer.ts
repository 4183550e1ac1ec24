import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { EVENT_TYPES, messageAcceptedSchema, TOPICS } from '#libs/contracts';
import { KafkaConnection } from '#libs/kafka';
import { MessageRouter } from './message-router';

/** Group of every bot instance: they share the partitions of jeeves.messages.v1. */
export const BOT_GROUP_ID = 'jeeves-bot';

/** Joins the bot's consumer group once the app is up; the Kafka module stops it on shutdown. */
@Injectable()
export class MessageConsumer implements OnApplicationBootstrap {
  constructor(
    @Inject(KafkaConnection) private readonly connection: KafkaConnection,
    @Inject(MessageRouter) private readonly router: MessageRouter,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.connection.startConsumer({
      groupId: BOT_GROUP_ID,
      topics: [TOPICS.messages],
      // Only what the bot handles: any other type on the topic is dead-lettered as unknown.
      schemas: { [EVENT_TYPES.messageAccepted]: messageAcceptedSchema },
      handler: (message) => this.router.handle(message),
    });
  }
}
