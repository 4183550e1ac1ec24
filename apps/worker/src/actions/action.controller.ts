import { Controller, Inject, UseFilters } from '@nestjs/common';
import { Ctx, EventPattern, type KafkaContext, Payload } from '@nestjs/microservices';
import { EVENT_TYPES, TOPICS } from '#libs/contracts';
import { EventHandlers } from '#libs/kafka';
import { RpcErrorPassthroughFilter } from '#libs/platform';
import { ActionHandler } from './action-handler';

/** The worker's Kafka handlers: every worker instance shares the partitions of jeeves.actions.v1. */
@Controller()
@UseFilters(new RpcErrorPassthroughFilter())
export class ActionController {
  // Only what the worker handles: any other type on the topic is dead-lettered as unknown.
  private readonly events = new EventHandlers({
    [EVENT_TYPES.actionRequested]: (message) => this.handler.handle(message),
  });

  constructor(@Inject(ActionHandler) private readonly handler: ActionHandler) {}

  @EventPattern(TOPICS.actions)
  onAction(@Payload() payload: unknown, @Ctx() ctx: KafkaContext): Promise<void> {
    return this.events.handle(payload, ctx);
  }
}
