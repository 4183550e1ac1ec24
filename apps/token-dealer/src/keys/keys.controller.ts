import { Controller, Get, Header, HttpCode, Inject, Post } from '@nestjs/common';
import { CurrentPrincipal, type Principal, RequireScopes } from '#libs/auth';
import { CHAOS_SCOPE } from '#libs/chaos';
import type { Logger } from '#libs/observability';
import { LOGGER } from '#libs/platform';
import { KeyRing, type RotationResult } from './key-ring';
import type { PublicJwk } from './signing-key';

/**
 * How long verifiers may cache the JWKS. The next signing key is in it before it signs, so a copy
 * fetched any time since the rotation before last already holds the kid a fresh token carries.
 */
const JWKS_MAX_AGE_SECONDS = 60;

@Controller()
export class KeysController {
  constructor(
    @Inject(KeyRing) private readonly keys: KeyRing,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Get('.well-known/jwks.json')
  @Header('cache-control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`)
  jwks(): { keys: PublicJwk[] } {
    return { keys: this.keys.publishedJwks() };
  }

  /** Promotes the pre-published next key to signing and retires the current one (lab admins only). */
  @Post('admin/keys/rotate')
  @RequireScopes(CHAOS_SCOPE)
  @HttpCode(201)
  @Header('cache-control', 'no-store')
  async rotate(@CurrentPrincipal() principal: Principal): Promise<RotationResult> {
    const result = await this.keys.rotate();
    this.logger.info(
      { by: principal.clientId, activeKid: result.activeKid, retiredKid: result.retiredKid, nextKid: result.nextKid },
      'signing key rotated',
    );
    return result;
  }
}
