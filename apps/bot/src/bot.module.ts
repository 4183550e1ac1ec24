import { type DynamicModule, Module } from '@nestjs/common';
import { authOptions } from '#libs/auth';
import { ChaosModule } from '#libs/chaos';
import { KafkaConnection, KafkaModule } from '#libs/kafka';
import type { ServiceContext } from '#libs/platform';
import type { BotConfig } from './bot.config';
import { botMetrics } from './routing/bot-metrics';
import { MessageController } from './routing/message.controller';
import { MessageRouter } from './routing/message-router';

@Module({})
export class BotModule {
  static register(context: ServiceContext<BotConfig>): DynamicModule {
    return {
      module: BotModule,
      // Chaos reaches the app's own KafkaConnection for pause-consumer and produce-failure faults.
      imports: [
        KafkaModule.forRoot(context, { payloadFormat: context.config.JEEVES_PAYLOAD_FORMAT }),
        ChaosModule.register(context, { kafka: true, auth: authOptions(context.config) }),
      ],
      providers: [
        {
          provide: MessageRouter,
          inject: [KafkaConnection],
          useFactory: (connection: KafkaConnection) =>
            new MessageRouter(connection.publisher, botMetrics(context.registry)),
        },
      ],
      controllers: [MessageController],
    };
  }
}
