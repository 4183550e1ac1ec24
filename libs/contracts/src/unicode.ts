import { z } from 'zod';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * True when `text` is well-formed UTF-16 (no lone surrogate), so it has a UTF-8 form: what a JSON
 * `\uD800` escape can smuggle in and what MessagePack and Protobuf strings (UTF-8 by definition)
 * cannot carry (String.prototype.isWellFormed, ES2024).
 */
export function isWellFormedUnicode(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/** The refinement message for strings that are not well-formed. */
export const WELL_FORMED_MESSAGE = 'must be well-formed Unicode (no lone surrogates)';

/**
 * A string of the contract: well-formed Unicode, so that it has a UTF-8 form and reads back the
 * same from JSON, MessagePack and Protobuf alike (the last two cannot carry a lone surrogate).
 */
export function unicodeString(): z.ZodString {
  return z.string().refine(isWellFormedUnicode, WELL_FORMED_MESSAGE);
}
