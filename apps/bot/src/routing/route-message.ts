import type { ActionRequested, MessageAccepted, ReplyProduced } from '#libs/contracts';
import { parseIntent, type ParsedIntent } from '../intents/intent-parser';
import { echoReply, helpReply, unknownReply } from '../intents/replies';

/** Where a message goes next: to a worker when it needs the provider, else straight back as a reply. */
export type Route =
  | { kind: 'action'; intent: ParsedIntent['intent']; action: ActionRequested }
  | { kind: 'reply'; intent: ParsedIntent['intent']; reply: ReplyProduced };

/** Decides the next step for an accepted message. Pure: the consumer does the publishing. */
export function routeMessage(message: MessageAccepted): Route {
  const parsed = parseIntent(message.text);
  const { messageId, user } = message;
  switch (parsed.intent) {
    case 'weather':
      return {
        kind: 'action',
        intent: 'weather',
        action: { messageId, user, intent: 'weather', action: { kind: 'weather', city: parsed.city } },
      };
    case 'time':
      return {
        kind: 'action',
        intent: 'time',
        action: { messageId, user, intent: 'time', action: { kind: 'time', zone: parsed.zone } },
      };
    case 'help':
      return {
        kind: 'reply',
        intent: 'help',
        reply: { messageId, user, intent: 'help', status: 'replied', text: helpReply(), degraded: false },
      };
    case 'echo':
      return {
        kind: 'reply',
        intent: 'echo',
        reply: { messageId, user, intent: 'echo', status: 'replied', text: echoReply(parsed.text), degraded: false },
      };
    case 'unknown':
      return {
        kind: 'reply',
        intent: 'unknown',
        reply: { messageId, user, intent: 'unknown', status: 'replied', text: unknownReply(), degraded: false },
      };
  }
}
