import { type DynamicModule, Module } from '@nestjs/common';
import { AuthGuard } from './auth.guard';
import { TokenVerifier, type TokenVerifierOptions } from './token-verifier';

/**
 * Token verification for a service's protected routes. Import `AuthModule.register(...)` in the
 * module whose controllers use `@RequireScopes`; the chaos API uses it with scope `lab:chaos`.
 */
@Module({})
export class AuthModule {
  static register(options: TokenVerifierOptions): DynamicModule {
    return {
      module: AuthModule,
      providers: [{ provide: TokenVerifier, useValue: new TokenVerifier(options) }, AuthGuard],
      exports: [TokenVerifier, AuthGuard],
    };
  }
}
