/**
 * Errors that cross the HTTP boundary. Each has a stable `code`; `toProblem` turns them into an
 * RFC 9457 problem body. Client mistakes are 4xx and never logged as errors.
 */
export type ProblemCode =
  | 'validation-failed'
  | 'malformed-json'
  | 'malformed-form'
  | 'malformed-url'
  | 'malformed-request'
  | 'invalid-request'
  | 'uri-too-long'
  | 'header-fields-too-large'
  | 'request-timeout'
  | 'method-not-allowed'
  | 'payload-too-large'
  | 'unsupported-media-type'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'idempotency-key-reused'
  | 'rate-limited'
  | 'too-many-concurrent-requests'
  | 'dependency-unavailable'
  | 'dependency-timeout'
  | 'publish-unconfirmed'
  | 'not-ready'
  | 'internal';

export interface FieldError {
  field: string;
  message: string;
}

export interface ProblemOptions {
  detail?: string;
  errors?: readonly FieldError[];
  /** Seconds; sets the Retry-After header. */
  retryAfterSeconds?: number;
  headers?: Record<string, string>;
  /**
   * Extension members of the body (RFC 9457 §3.2), e.g. the id of a message whose publish is in
   * doubt. They never replace a standard member (type, title, status, code, detail, instance, errors).
   */
  extensions?: Readonly<Record<string, unknown>>;
  cause?: unknown;
}

const TITLES: Record<ProblemCode, string> = {
  'validation-failed': 'Request validation failed',
  'malformed-json': 'Malformed JSON body',
  'malformed-form': 'Malformed form body',
  'malformed-url': 'Malformed URL',
  'malformed-request': 'Malformed HTTP request',
  'invalid-request': 'Ambiguous or malformed credentials',
  'uri-too-long': 'URI too long',
  'header-fields-too-large': 'Request header fields too large',
  'request-timeout': 'Request timeout',
  'method-not-allowed': 'Method not allowed',
  'payload-too-large': 'Payload too large',
  'unsupported-media-type': 'Unsupported media type',
  unauthorized: 'Unauthorized',
  forbidden: 'Forbidden',
  'not-found': 'Not found',
  conflict: 'Conflict',
  'idempotency-key-reused': 'Idempotency key reused with a different request',
  'rate-limited': 'Too many requests',
  'too-many-concurrent-requests': 'Too many concurrent requests',
  'dependency-unavailable': 'A dependency is unavailable',
  'dependency-timeout': 'A dependency timed out',
  'publish-unconfirmed': 'The message was not confirmed; it may still be published',
  'not-ready': 'Service not ready',
  internal: 'Internal server error',
};

export class ProblemError extends Error {
  readonly detail: string | undefined;
  readonly errors: readonly FieldError[] | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly headers: Record<string, string>;
  readonly extensions: Readonly<Record<string, unknown>>;

  constructor(
    readonly status: number,
    readonly code: ProblemCode,
    options: ProblemOptions = {},
  ) {
    super(options.detail ?? TITLES[code], { cause: options.cause });
    this.name = 'ProblemError';
    this.detail = options.detail;
    this.errors = options.errors;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.headers = options.headers ?? {};
    this.extensions = options.extensions ?? {};
  }
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: ProblemCode;
  detail?: string;
  instance?: string;
  errors?: readonly FieldError[];
  /** Extension members (RFC 9457 §3.2). */
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const STANDARD_MEMBERS = new Set(['type', 'title', 'status', 'code', 'detail', 'instance', 'errors']);

export function problemBody(error: ProblemError, instance?: string): ProblemBody {
  const extensions = Object.entries(error.extensions).filter(([name]) => !STANDARD_MEMBERS.has(name));
  return {
    type: `/problems/${error.code}`,
    title: TITLES[error.code],
    status: error.status,
    code: error.code,
    ...(error.detail ? { detail: error.detail } : {}),
    ...(instance ? { instance } : {}),
    ...(error.errors ? { errors: error.errors } : {}),
    ...Object.fromEntries(extensions),
  };
}
