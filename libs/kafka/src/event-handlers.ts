import type { KafkaContext } from '@nestjs/microservices';
import {
  contentTypeOf,
  type Envelope,
  type EventType,
  PAYLOAD_SCHEMAS,
  type PayloadOf,
  type RecordHeaders,
} from '#libs/contracts';
import { bytesOf, type ConsumedMessage, consumedMessage } from './consumed-message';
import { decodeEnvelope, type PayloadSchemas } from './decode';
import { PoisonMessageError } from './errors';

/** One app's handlers, by event type: each receives its own payload type, no guard or cast needed. */
export type EventHandlerTable = {
  readonly [T in EventType]?: (message: ConsumedMessage<PayloadOf<T>>) => Promise<void>;
};

/** Envelopes the hardened transport has already decoded and validated (so they are not parsed twice). */
const decoded = new WeakSet<object>();

/** Marks an envelope as decoded and validated against the contract; only the hardened transport calls it. */
export function markDecoded<T>(envelope: Envelope<T>): Envelope<T> {
  decoded.add(envelope);
  return envelope;
}

function isDecoded(payload: unknown): payload is Envelope {
  return typeof payload === 'object' && payload !== null && decoded.has(payload);
}

/**
 * Dispatches a delivered event to the table's handler for its type. Under the hardened transport the
 * payload arrives decoded; under Nest's stock transport it arrives as Nest parsed it and is decoded
 * here. Throws PoisonMessageError for anything undecodable or of a type the table lacks: the
 * hardened transport dead-letters it, the stock one retries it and crashes (which is what it shows).
 */
export class EventHandlers {
  private readonly schemas: PayloadSchemas;

  constructor(private readonly table: EventHandlerTable) {
    this.schemas = Object.fromEntries((Object.keys(table) as EventType[]).map((type) => [type, PAYLOAD_SCHEMAS[type]]));
  }

  /** The event types this table handles. */
  get types(): readonly EventType[] {
    return Object.keys(this.schemas) as EventType[];
  }

  /** Handles one delivered event; `payload` is what the transport passed as `@Payload()`. */
  async handle(payload: unknown, ctx: KafkaContext): Promise<void> {
    const envelope = isDecoded(payload)
      ? payload
      : decodeEnvelope(
          bytesOf(payload),
          this.schemas,
          contentTypeOf((ctx.getMessage() as { headers?: RecordHeaders }).headers),
        );
    const handler = this.table[envelope.type as EventType] as ((message: ConsumedMessage) => Promise<void>) | undefined;
    // The transport validates against the whole contract; a type this app does not handle is poison here.
    if (!handler) throw new PoisonMessageError('unknown-type', `no handler for type "${envelope.type}"`);
    await handler(consumedMessage(envelope, ctx));
  }
}
