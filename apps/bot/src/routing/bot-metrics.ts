import { Counter } from 'prom-client';
import { INTENTS } from '#libs/contracts';
import type { MetricsRegistry } from '#libs/observability';

export interface BotMetrics {
  intents: Counter<'intent'>;
}

export function botMetrics(registry: MetricsRegistry): BotMetrics {
  const intents = new Counter({
    name: 'jeeves_bot_intents_total',
    help: 'Messages routed by the bot, by parsed intent.',
    labelNames: ['intent'],
    registers: [registry],
  });
  // Every intent shows from the first scrape, so rate() has a zero to start from.
  for (const intent of INTENTS) intents.inc({ intent }, 0);
  return { intents };
}
