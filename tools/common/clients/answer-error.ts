/**
 * A service the lab talks to answered something its client cannot use (`status`, the answer in
 * `text` and, parsed, `body`), or did not answer at all (`status` 0, the reason in the message).
 * Each client's own error (TokenDealerError, ChaosApiError) extends it with a `code`.
 */
export class HttpAnswerError extends Error {
  constructor(
    message: string,
    /** HTTP status of the answer; 0 when there was none (refused, timed out, no URL). */
    readonly status: number,
    /** The answer's body as text ('' when there was none). */
    readonly text = '',
    /** The answer's body parsed as JSON when it is JSON, else the text (undefined when empty). */
    readonly body: unknown = text === '' ? undefined : text,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** An answer's body as HttpAnswerError keeps it: the JSON value when `text` parses, else the text; undefined when empty. */
export function answerBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text; // not JSON: keep the text
  }
}
