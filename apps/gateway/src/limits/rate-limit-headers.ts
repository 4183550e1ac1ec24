import type { RateDecision } from './token-bucket';

/** The policy's name in the draft-ietf-httpapi-ratelimit-headers structured fields. */
const RATE_POLICY_NAME = 'default';

/**
 * `RateLimit-Policy` and `RateLimit` (draft-ietf-httpapi-ratelimit-headers): quota `q` per window
 * `w` seconds; `r` tokens remaining, `t` seconds until the quota is whole again.
 */
export function rateLimitHeaders(decision: RateDecision, quota: number, windowSeconds: number): Record<string, string> {
  return {
    'ratelimit-policy': `"${RATE_POLICY_NAME}";q=${quota};w=${windowSeconds}`,
    ratelimit: `"${RATE_POLICY_NAME}";r=${decision.remaining};t=${decision.resetSeconds}`,
  };
}
