import { type DynamicModule, Module } from '@nestjs/common';
import { KafkaConnection, KafkaModule } from '#libs/kafka';
import type { ServiceContext } from '#libs/platform';
import type { BotConfig } from './main';
import { botMetrics } from './routing/bot-metrics';
import { MessageConsumer } from './routing/message.consumer';
import { MessageRouter } from './routing/message-router';

@Module({})
export class BotModule {
  static register(context: ServiceContext<BotConfig>): DynamicModule {
    return {
      module: BotModule,
      imports: [KafkaModule.forRoot(context)],
      providers: [
        {
          provide: MessageRouter,
          inject: [KafkaConnection],
          useFactory: (connection: KafkaConnection) => new MessageRouter(connection.publisher, botMetrics(context.registry)),
        },
        MessageConsumer,
      ],
    };
  }
}
