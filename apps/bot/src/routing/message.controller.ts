import { Controller, Inject, UseFilters } from '@nestjs/common';
import { Ctx, EventPattern, type KafkaContext, Payload } from '@nestjs/microservices';
import { EVENT_TYPES, TOPICS } from '#libs/contracts';
import { EventHandlers } from '#libs/kafka';
import { RpcErrorPassthroughFilter } from '#libs/platform';
import { MessageRouter } from './message-router';

/** The bot's Kafka handlers: every bot instance shares the partitions of jeeves.messages.v1. */
@Controller()
@UseFilters(new RpcErrorPassthroughFilter())
export class MessageController {
  // Only what the bot handles: any other type on the topic is dead-lettered as unknown.
  private readonly events = new EventHandlers({
    [EVENT_TYPES.messageAccepted]: (message) => this.router.handle(message),
  });

  constructor(@Inject(MessageRouter) private readonly router: MessageRouter) {}

  @EventPattern(TOPICS.messages)
  onMessage(@Payload() payload: unknown, @Ctx() ctx: KafkaContext): Promise<void> {
    return this.events.handle(payload, ctx);
  }
}
