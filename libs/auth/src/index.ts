export { TokenVerifier, toAuthProblem, bearerChallenge, invalidToken, BEARER_REALM } from './token-verifier';
export type { Principal, TokenVerifierOptions } from './token-verifier';
export { AuthGuard, RequireScopes, CurrentPrincipal, principalOf, bearerToken } from './auth.guard';
export type { CredentialSources } from './auth.guard';
export { AuthModule } from './auth.module';
export { authConfigShape, authOptions } from './auth-config';
export type { AuthConfig } from './auth-config';
