/**
 * How a provider call failed. `provider-rejected` is the provider's answer to a bad question (a
 * 4xx): retrying cannot change it, and it must not count against the provider's health.
 */
export type ProviderErrorCode = 'provider-timeout' | 'provider-unavailable' | 'provider-rejected';

export class ProviderError extends Error {
  /** True when the same call may succeed later (timeouts, connection failures, 5xx, 408/429). */
  readonly canRetry: boolean;
  /** HTTP status, when the provider answered at all. */
  readonly status: number | undefined;
  /** The provider's own explanation (problem+json `detail`), safe to show to users. */
  readonly detail: string | undefined;

  constructor(
    readonly code: ProviderErrorCode,
    message: string,
    options: { status?: number; detail?: string; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'ProviderError';
    this.status = options.status;
    this.detail = options.detail;
    this.canRetry = code !== 'provider-rejected';
  }
}

export function isProviderError(error: unknown): error is ProviderError {
  return error instanceof ProviderError;
}
