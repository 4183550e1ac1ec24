import { authConfigShape } from '#libs/auth';
import { payloadFormatConfigShape } from '#libs/kafka';
import type { ServiceConfig } from '#libs/platform';

/**
 * The bot's own environment variables beyond the common ones (libs/config `commonShape`, and PORT),
 * with the lab's defaults. Validated once at boot by libs/platform `buildService`.
 */
export const botConfigShape = {
  /** How this app encodes the envelopes it publishes: json (default), msgpack, protobuf (ADR 0090). */
  ...payloadFormatConfigShape,
  /** Where the chaos API's tokens are verified: the token dealer's JWKS, issuer and audience. */
  ...authConfigShape,
};

/** The bot's validated configuration, as its modules receive it. */
export type BotConfig = ServiceConfig<typeof botConfigShape>;
