import { createHash } from 'node:crypto';
import { type FailureBudget, FailureBuckets } from './failure-buckets';
import { sourceKey } from './source-address';

/** Which budget refused an attempt; the `limit` label of the refusal counter. */
export type FailureLimit = 'client_source' | 'source' | 'client' | 'untrusted';

/** Every budget, in the order a refusal names the first empty one. */
export const FAILURE_LIMITS: readonly FailureLimit[] = ['client_source', 'source', 'client', 'untrusted'];

export interface FailedAttemptLimiterOptions {
  /** Failed attempts of one client id from one source: the only budget a trusted pair spends. */
  clientSource: FailureBudget;
  /** Failed attempts from one source (IPv4 address or IPv6 /64), whatever client id they name. */
  source: FailureBudget;
  /** Failed attempts naming one client id from sources it has not authenticated from lately. */
  client: FailureBudget;
  /**
   * All failed attempts from untrusted pairs together: the scrypt work guessers may cause, however
   * many addresses and client ids they spread over.
   */
  untrusted: FailureBudget;
  /** How long a (client id, source) pair stays trusted after its last success, in milliseconds. */
  trustTtlMs: number;
  /** Keys remembered per budget (and sources trusted per client); the least recently used go first. */
  maxKeys: number;
  now?: () => number;
}

/** An admitted attempt: it spent one failure from each budget that applied, until told it succeeded. */
export interface AttemptPermit {
  /** The secret was right: the attempt costs nothing, and the pair is trusted from now on. */
  succeeded(): void;
  /** The secret was wrong: the spent failures stay spent. */
  failed(): void;
}

export type Admission =
  | { readonly kind: 'admitted'; readonly permit: AttemptPermit }
  | { readonly kind: 'refused'; readonly limit: FailureLimit; readonly retryAfterSeconds: number };

/** Sources trusted per client id are capped at this share of `maxKeys` (and at least 16). */
const TRUSTED_SOURCES_SHARE = 0.01;

/**
 * Limits failed client authentications before they cost a scrypt (RFC 6749 §10.10: the server
 * MUST prevent guessing of client credentials). Budgets layered as OWASP's credential-stuffing and
 * brute-force guidance layers them:
 *  - per (client id, source): one guesser guessing one client;
 *  - per source: one guesser spraying many client ids;
 *  - per client id, but only for sources that have not recently authenticated as that client: a
 *    distributed guesser after one client;
 *  - all untrusted attempts together: a distributed guesser spraying made-up ids, whose scrypts
 *    would otherwise queue ahead of every good client's.
 * A pair that succeeded lately is trusted and spends only its own pair budget, so guessing a
 * client's secret from elsewhere cannot lock the client itself out — OWASP's "device cookie"
 * scheme with the source address as the device.
 * Every budget is a token bucket of failures: an attempt takes one from each before its scrypt
 * (so a thousand concurrent guesses cannot all slip through before the first one fails), and
 * a success gives them back.
 */
export class FailedAttemptLimiter {
  private readonly perPair: FailureBuckets;
  private readonly perSource: FailureBuckets;
  private readonly perClient: FailureBuckets;
  private readonly allUntrusted: FailureBuckets;
  /** client id → (source key → trusted until, ms). */
  private readonly trusted = new Map<string, Map<string, number>>();
  private readonly now: () => number;
  private readonly maxTrustedPerClient: number;

  constructor(private readonly options: FailedAttemptLimiterOptions) {
    this.perPair = new FailureBuckets(options.clientSource, options.maxKeys);
    this.perSource = new FailureBuckets(options.source, options.maxKeys);
    this.perClient = new FailureBuckets(options.client, options.maxKeys);
    this.allUntrusted = new FailureBuckets(options.untrusted, 1);
    this.now = options.now ?? Date.now;
    this.maxTrustedPerClient = Math.max(16, Math.floor(options.maxKeys * TRUSTED_SOURCES_SHARE));
  }

  /**
   * Admits an authentication attempt of `clientId` from `address` (the peer's IP address), spending
   * one failure from each budget that applies, or refuses it naming the first empty budget and the
   * seconds until it has room again (for Retry-After, RFC 6585 §4).
   */
  admit(presentedClientId: string, address: string | undefined): Admission {
    const nowMs = this.now();
    const clientId = clientKey(presentedClientId);
    const source = sourceKey(address);
    const budgets: [FailureLimit, FailureBuckets, string][] = [
      ['client_source', this.perPair, pairKey(clientId, source)],
    ];
    if (!this.isTrusted(clientId, source, nowMs))
      budgets.push(
        ['source', this.perSource, source],
        ['client', this.perClient, clientId],
        ['untrusted', this.allUntrusted, '*'],
      );
    const empty = budgets.filter(([, buckets, key]) => buckets.available(key, nowMs) < 1);
    if (empty.length > 0) {
      const [limit] = empty[0]!;
      const retryAfterSeconds = Math.max(...empty.map(([, buckets, key]) => buckets.secondsUntilAvailable(key, nowMs)));
      return { kind: 'refused', limit, retryAfterSeconds };
    }
    for (const [, buckets, key] of budgets) buckets.take(key, nowMs);
    let settled = false;
    return {
      kind: 'admitted',
      permit: {
        succeeded: () => {
          if (settled) return;
          settled = true;
          const at = this.now();
          for (const [, buckets, key] of budgets) buckets.refund(key, at);
          this.trust(clientId, source, at);
        },
        failed: () => {
          settled = true;
        },
      },
    };
  }

  /** A success that needed no admission (a secret recognised from the verified cache) renews the pair's trust. */
  recordSuccess(clientId: string, address: string | undefined): void {
    this.trust(clientKey(clientId), sourceKey(address), this.now());
  }

  private isTrusted(clientId: string, source: string, nowMs: number): boolean {
    const until = this.trusted.get(clientId)?.get(source);
    return until !== undefined && until > nowMs;
  }

  private trust(clientId: string, source: string, nowMs: number): void {
    // Only configured clients ever succeed, so this map holds at most one entry per client.
    let sources = this.trusted.get(clientId);
    if (!sources) this.trusted.set(clientId, (sources = new Map()));
    sources.delete(source);
    sources.set(source, nowMs + this.options.trustTtlMs);
    for (const oldest of sources.keys()) {
      if (sources.size <= this.maxTrustedPerClient) break;
      sources.delete(oldest);
    }
  }
}

/** Configured ids are at most 64 characters; a guesser's 16 KiB id is remembered as its hash. */
function clientKey(clientId: string): string {
  return clientId.length <= 64 ? clientId : `sha256:${createHash('sha256').update(clientId).digest('base64url')}`;
}

/** Source keys hold no newline, so the first one separates them from the client id, whatever it holds. */
function pairKey(clientId: string, source: string): string {
  return `${source}\n${clientId}`;
}
