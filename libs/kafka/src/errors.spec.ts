import { RetriableConsumerError } from './errors';

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
