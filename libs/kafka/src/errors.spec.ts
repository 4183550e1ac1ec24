import { isNotRetryable, NonRetryableError, PoisonMessageError, RetriableConsumerError } from './errors';

describe('RetriableConsumerError', () => {
  it('is retriable at its root, as kafkajs judges it (it follows `cause` to the root)', () => {
    const error = new RetriableConsumerError(new TypeError('boom'));
    let root: { cause?: unknown; retriable?: boolean } = error;
    while (root.cause) root = root.cause as typeof root;
    expect(root.retriable).toBe(true);
    expect(error.original).toBeInstanceOf(TypeError);
    expect(error.message).toContain('boom');
  });
});

describe('isNotRetryable', () => {
  it('is true for the errors a bug or unexpected input throws, and for our non-retryable ones', () => {
    let bug: unknown;
    try {
      (null as unknown as { toString(): string }).toString();
    } catch (error) {
      bug = error;
    }
    expect(isNotRetryable(bug)).toBe(true);
    expect(isNotRetryable(new RangeError('x'))).toBe(true);
    expect(isNotRetryable(new SyntaxError('Unexpected token'))).toBe(true);
    expect(isNotRetryable(new NonRetryableError('rule'))).toBe(true);
    expect(isNotRetryable(new PoisonMessageError('invalid-json', 'x'))).toBe(true);
    // Node's own argument errors (code ERR_INVALID_ARG_TYPE), from Node's realm rather than the test's.
    let nodeError: unknown;
    try {
      Buffer.byteLength(null as unknown as string);
    } catch (error) {
      nodeError = error;
    }
    expect(isNotRetryable(nodeError)).toBe(true);
  });

  it('is false for failures another attempt may fix', () => {
    expect(isNotRetryable(new Error('store down'))).toBe(false);
    expect(isNotRetryable(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(false);
    expect(isNotRetryable(new TypeError('fetch failed', { cause: new Error('ECONNREFUSED') }))).toBe(false);
    expect(isNotRetryable('a string')).toBe(false);
  });
});
