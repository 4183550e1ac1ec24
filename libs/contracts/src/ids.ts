import { createHash } from 'node:crypto';

/** Namespace of Jeeves' derived ids; fixed forever, or every derived id changes with it. */
export const JEEVES_ID_NAMESPACE = '3d0c5c1e-8f2a-4b7e-9c61-5a4f2e7d9b10';

/**
 * A name-based UUID (version 5, RFC 9562 §5.5): SHA-1 of namespace + name. The same name always
 * gives the same id, so a redelivered message republishes the same envelope id downstream.
 */
export function uuidV5(name: string, namespace: string = JEEVES_ID_NAMESPACE): string {
  const namespaceHex = namespace.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(namespaceHex)) throw new TypeError(`namespace must be a UUID, got "${namespace}"`);
  const bytes = createHash('sha1')
    .update(Buffer.from(namespaceHex, 'hex'))
    .update(name, 'utf8')
    .digest()
    .subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The envelope id of what a pipeline step emits for one message (`action`, `reply`): derived from
 * the message id, so the step is idempotent by envelope id however often it runs.
 */
export function derivedEnvelopeId(messageId: string, step: string): string {
  return uuidV5(`${messageId}:${step}`);
}
