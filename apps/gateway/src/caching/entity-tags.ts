import { createHash } from 'node:crypto';
import type { ResponseCoding } from '#libs/platform';

/**
 * The strong entity tag (RFC 9110 §8.8.3) of a JSON representation: a SHA-256 of its identity
 * bytes (128 bits, hex), with the content coding as a suffix (`"<hash>.br"`, `"<hash>.gzip"`), so
 * the tag changes whenever the bytes on the wire do — a change of the body (a status moving from
 * accepted to replied) or of the coding (ADR 0043).
 */
export function strongEntityTag(identityBody: string | Buffer, coding: ResponseCoding): string {
  const hash = createHash('sha256').update(identityBody).digest('hex').slice(0, 32);
  return coding === 'identity' ? `"${hash}"` : `"${hash}.${coding}"`;
}

/** entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE; etagc = %x21 / %x23-7E / obs-text (RFC 9110 §8.8.3). */
const ENTITY_TAG = /(?:W\/)?"([\x21\x23-\x7e\x80-\xff]*)"/g;

/**
 * Whether an If-None-Match field value (several field lines arrive joined with `, `) matches the
 * current representation's tag, so the answer is 304 (RFC 9110 §13.1.2): `*` matches any current
 * representation; otherwise any listed tag matching by the weak comparison (§8.8.3.2: opaque-tags
 * equal, `W/` ignored on either side). An absent or unparsable field matches nothing.
 */
export function ifNoneMatchMatches(field: string | string[] | undefined, currentTag: string): boolean {
  if (field === undefined) return false;
  const value = Array.isArray(field) ? field.join(', ') : field;
  if (value.trim() === '*') return true;
  const current = opaqueTag(currentTag);
  for (const match of value.matchAll(ENTITY_TAG)) if (match[1] === current) return true;
  return false;
}

function opaqueTag(tag: string): string {
  return tag.replace(/^W\//, '').slice(1, -1);
}
