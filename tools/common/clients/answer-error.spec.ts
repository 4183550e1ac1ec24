import { answerBody } from './answer-error';

describe('answerBody: an answer body as the clients keep it', () => {
  it.each([
    ['JSON', '{"id":"f1","n":2}', { id: 'f1', n: 2 }],
    ['JSON null', 'null', null],
    ['text that is not JSON', 'Bad Gateway', 'Bad Gateway'],
    ['truncated JSON', '{"id":', '{"id":'],
    ['an empty body', '', undefined],
  ])('keeps %s as it is meant', (_what, text, body) => {
    expect(answerBody(text)).toEqual(body);
  });
});
