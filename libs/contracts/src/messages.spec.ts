import { messageAcceptedSchema, messageViewSchema, userSchema } from './messages';

describe('message contract', () => {
  it.each(['alice', 'a.b', '...', '.alice', 'alice.', 'a@b.c', 'x_y-z', 'a'.repeat(64)])(
    'takes the user name %j',
    (user) => expect(userSchema.safeParse(user).success).toBe(true),
  );

  it.each(['.', '..', '', 'a/b', 'a b', '%2E%2E', 'ü', 'a'.repeat(65)])(
    'refuses the user name %j: it is not one safe path segment of the allowed characters',
    (user) => expect(userSchema.safeParse(user).success).toBe(false),
  );

  const accepted = (text: string) =>
    messageAcceptedSchema.safeParse({
      messageId: '6f1d7a4e-2b1c-4c5d-9e8f-0a1b2c3d4e5f',
      user: 'alice',
      text,
      clientId: 'jeeves-demo',
    }).success;

  it('takes any well-formed Unicode text without NUL', () => {
    for (const text of ['é e\u0301', '\u{1F600}', '\u{10FFFF}', '\t\r\n', '\uFEFF', '\u202Eabc']) {
      expect(accepted(text)).toBe(true);
    }
  });

  it('refuses text that could not be stored exactly: lone surrogates and NUL', () => {
    for (const text of ['a\uD800b', 'a\uDC00', '\uDBFF', 'a\u0000b']) expect(accepted(text)).toBe(false);
  });

  it('reads back a stored user name that predates a rule', () => {
    const view = {
      id: '6f1d7a4e-2b1c-4c5d-9e8f-0a1b2c3d4e5f',
      user: '..',
      text: 'stored before the rule',
      status: 'accepted',
      intent: null,
      reply: null,
      degraded: false,
      failureReason: null,
      traceId: null,
      acceptedAt: '2026-11-27T10:00:00.000Z',
      updatedAt: '2026-11-27T10:00:00.000Z',
    };
    expect(messageViewSchema.safeParse(view).success).toBe(true);
  });
});
