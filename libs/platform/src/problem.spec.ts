import { ProblemError, problemBody } from './problem';

describe('problemBody', () => {
  it('adds extension members (RFC 9457 §3.2) without letting them replace the standard ones', () => {
    const error = new ProblemError(503, 'publish-unconfirmed', {
      detail: 'not confirmed',
      extensions: { messageId: 'm-1', status: 200, code: 'hijacked', type: 'x' },
    });
    expect(problemBody(error, '/v1/messages')).toEqual({
      type: '/problems/publish-unconfirmed',
      title: 'The message was not confirmed; it may still be published',
      status: 503,
      code: 'publish-unconfirmed',
      detail: 'not confirmed',
      instance: '/v1/messages',
      messageId: 'm-1',
    });
  });

  it('has no extension members unless given', () => {
    expect(Object.keys(problemBody(new ProblemError(404, 'not-found')))).toEqual(['type', 'title', 'status', 'code']);
  });
});
