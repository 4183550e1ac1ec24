import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { COMPRESSION_THRESHOLD_BYTES, selectedCoding } from '#libs/platform';
import { messageView, startTestGateway, type TestGateway } from '../testing/gateway-test-kit';
import { openApiValidator, type ObservedResponse } from '../testing/openapi-validator';
import type { OpenApiDocument } from '../openapi/openapi-document';
import { ifNoneMatchMatches, strongEntityTag } from './entity-tags';

const ID = '6f1d7a4e-2b1c-4c5d-9e8f-0a1b2c3d4e5f';
/** A text long enough that the message's JSON passes the compression threshold. */
const LONG_TEXT = 'weather in Paris, and then some words to make it long. '.repeat(30);

describe('strongEntityTag', () => {
  it('is quoted, differs by content coding and by body, and is stable for the same bytes', () => {
    const identity = strongEntityTag('{"status":"accepted"}', 'identity');
    expect(identity).toMatch(/^"[0-9a-f]{32}"$/);
    expect(strongEntityTag('{"status":"accepted"}', 'identity')).toBe(identity);
    expect(strongEntityTag('{"status":"accepted"}', 'br')).toBe(identity.replace(/"$/, '.br"'));
    expect(strongEntityTag('{"status":"accepted"}', 'gzip')).toBe(identity.replace(/"$/, '.gzip"'));
    expect(strongEntityTag('{"status":"replied"}', 'identity')).not.toBe(identity);
  });
});

describe('ifNoneMatchMatches (RFC 9110 §13.1.2, weak comparison)', () => {
  const tag = '"abc"';
  it.each<[string, string | string[] | undefined, boolean]>([
    ['the same tag', '"abc"', true],
    ['the same tag marked weak', 'W/"abc"', true],
    ['a list holding it', '"x", W/"y" ,"abc"', true],
    ['a list without spaces', '"x","abc"', true],
    ['two field lines', ['"x"', '"abc"'], true],
    ['*', '*', true],
    ['* with spaces', ' * ', true],
    ['another tag', '"abd"', false],
    ['a prefix of it', '"ab"', false],
    ['the tag with another coding', '"abc.gzip"', false],
    ['an unquoted tag', 'abc', false],
    ['no field', undefined, false],
    ['an empty field', '', false],
  ])('%s → %s', (_name, field, expected) => {
    expect(ifNoneMatchMatches(field, tag)).toBe(expected);
  });
  it('compares opaque tags holding commas whole', () => {
    expect(ifNoneMatchMatches('"a,b"', '"a,b"')).toBe(true);
    expect(ifNoneMatchMatches('"a,b"', '"a"')).toBe(false);
  });
  it('ignores W/ on the current tag too', () => {
    expect(ifNoneMatchMatches('"abc"', 'W/"abc"')).toBe(true);
  });
});

describe('conditional reads and compression (inject)', () => {
  let gw: TestGateway;
  let auth: { authorization: string };
  let validator: ReturnType<typeof openApiValidator>;
  const observed: ObservedResponse[] = [];

  beforeAll(async () => {
    gw = await startTestGateway();
    auth = { authorization: `Bearer ${await gw.token()}` };
    const document = (await gw.app.inject({ method: 'GET', url: '/openapi.json' })).json<OpenApiDocument>();
    validator = openApiValidator(document);
  });
  afterAll(() => gw.close());

  const get = async (url: string, headers: Record<string, string> = {}) => {
    const response = await gw.app.inject({ method: 'GET', url, headers: { ...auth, ...headers } });
    observed.push({
      method: 'GET',
      url,
      status: response.statusCode,
      headers: response.headers,
      body: decode(response.rawPayload, response.headers['content-encoding']),
    });
    return response;
  };

  it('gives a 200 a strong ETag, Cache-Control: private, no-cache and Vary: accept-encoding', async () => {
    gw.reader.add(messageView({ id: ID, status: 'processing', reply: null }));
    const response = await get(`/v1/messages/${ID}`);
    expect(response.statusCode).toBe(200);
    expect(response.headers.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(response.headers['cache-control']).toBe('private, no-cache');
    expect(response.headers.vary).toBe('accept-encoding');
    expect(response.headers.etag).toBe(strongEntityTag(response.body, 'identity'));
  });

  it('answers a matching If-None-Match with 304: ETag, Cache-Control, Vary, no body', async () => {
    gw.reader.add(messageView({ id: ID, status: 'processing', reply: null }));
    const first = await get(`/v1/messages/${ID}`);
    for (const field of [first.headers.etag!, `W/${first.headers.etag!}`, `"other", ${first.headers.etag!}`, '*']) {
      const again = await get(`/v1/messages/${ID}`, { 'if-none-match': String(field) });
      expect(again.statusCode).toBe(304);
      expect(again.rawPayload.length).toBe(0);
      expect(again.headers.etag).toBe(first.headers.etag);
      expect(again.headers['cache-control']).toBe('private, no-cache');
      expect(again.headers.vary).toBe('accept-encoding');
      expect(again.headers['content-encoding']).toBeUndefined();
    }
    expect((await get(`/v1/messages/${ID}`, { 'if-none-match': '"other"' })).statusCode).toBe(200);
  });

  it('answers HEAD like GET: the same ETag, and 304 on a match', async () => {
    gw.reader.add(messageView({ id: ID, status: 'processing', reply: null }));
    const head = await gw.app.inject({ method: 'HEAD', url: `/v1/messages/${ID}`, headers: auth });
    expect(head.statusCode).toBe(200);
    expect(head.headers.etag).toBe((await get(`/v1/messages/${ID}`)).headers.etag);
    const again = await gw.app.inject({
      method: 'HEAD',
      url: `/v1/messages/${ID}`,
      headers: { ...auth, 'if-none-match': String(head.headers.etag) },
    });
    expect(again.statusCode).toBe(304);
    expect(again.rawPayload.length).toBe(0);
    expect(again.headers.etag).toBe(head.headers.etag);
  });

  it('changes the ETag when the status changes, so the old one gets a 200 with the new status', async () => {
    gw.reader.add(messageView({ id: ID, status: 'accepted', intent: null, reply: null }));
    const accepted = await get(`/v1/messages/${ID}`);
    gw.reader.add(messageView({ id: ID, status: 'processing', reply: null }));
    const processing = await get(`/v1/messages/${ID}`, { 'if-none-match': accepted.headers.etag! });
    expect(processing.statusCode).toBe(200);
    expect(processing.json()).toMatchObject({ status: 'processing' });
    gw.reader.add(messageView({ id: ID, status: 'replied', reply: 'Sunny' }));
    const replied = await get(`/v1/messages/${ID}`, { 'if-none-match': processing.headers.etag! });
    expect(replied.statusCode).toBe(200);
    expect(replied.json()).toMatchObject({ status: 'replied', reply: 'Sunny' });
    expect(new Set([accepted.headers.etag, processing.headers.etag, replied.headers.etag]).size).toBe(3);
  });

  it('tags the user listing too, and changes its ETag when a message in it changes', async () => {
    gw.reader.add(messageView({ id: ID, user: 'listed', status: 'processing', reply: null }));
    const first = await get('/v1/users/listed/messages');
    expect(first.headers.etag).toMatch(/^"[0-9a-f]{32}/);
    expect((await get('/v1/users/listed/messages', { 'if-none-match': first.headers.etag! })).statusCode).toBe(304);
    gw.reader.add(messageView({ id: ID, user: 'listed', status: 'replied' }));
    const changed = await get('/v1/users/listed/messages', { 'if-none-match': first.headers.etag! });
    expect(changed.statusCode).toBe(200);
    expect(changed.headers.etag).not.toBe(first.headers.etag);
  });

  it('compresses a body over the threshold with br or gzip as asked, each with its own ETag, and decodes to the same JSON', async () => {
    gw.reader.add(messageView({ id: ID, text: LONG_TEXT }));
    const identity = await get(`/v1/messages/${ID}`);
    expect(identity.rawPayload.length).toBeGreaterThanOrEqual(COMPRESSION_THRESHOLD_BYTES);
    expect(identity.headers['content-encoding']).toBeUndefined();
    const tags = new Set([identity.headers.etag]);
    for (const coding of ['br', 'gzip'] as const) {
      const response = await get(`/v1/messages/${ID}`, { 'accept-encoding': coding });
      expect(response.headers['content-encoding']).toBe(coding);
      expect(response.headers.vary).toBe('accept-encoding');
      expect(response.rawPayload.length).toBeLessThan(identity.rawPayload.length / 2);
      expect(decode(response.rawPayload, coding)).toBe(identity.body);
      expect(response.headers.etag).toBe(strongEntityTag(identity.body, coding));
      tags.add(response.headers.etag);
      // The same client polling again with the same Accept-Encoding: 304, nothing compressed.
      const again = await get(`/v1/messages/${ID}`, {
        'accept-encoding': coding,
        'if-none-match': response.headers.etag!,
      });
      expect(again.statusCode).toBe(304);
      expect(again.headers['content-encoding']).toBeUndefined();
      // Another coding's tag names another representation (strong validators, RFC 9110 §8.8.3).
      const other = await get(`/v1/messages/${ID}`, { 'if-none-match': response.headers.etag! });
      expect(other.statusCode).toBe(200);
    }
    expect(tags.size).toBe(3);
  });

  it('leaves a body under the threshold uncompressed even when the client accepts br', async () => {
    gw.reader.add(messageView({ id: ID, text: 'hi' }));
    const response = await get(`/v1/messages/${ID}`, { 'accept-encoding': 'br, gzip' });
    expect(response.rawPayload.length).toBeLessThan(COMPRESSION_THRESHOLD_BYTES);
    expect(response.headers['content-encoding']).toBeUndefined();
    expect(response.headers.etag).toBe(strongEntityTag(response.body, 'identity'));
  });

  // selectedCoding names the representation before the plugin compresses it: the two must agree.
  it.each([
    'gzip',
    'br',
    'br, gzip',
    'gzip, br',
    'gzip;q=1, br;q=0.5',
    'br;q=0, gzip',
    'gzip;q=0, br;q=0',
    'identity',
    '*',
    'x-gzip',
    'deflate',
    'zstd, gzip;q=0.1',
    'GZIP',
    '',
  ])('names the coding the plugin picks for Accept-Encoding "%s"', async (acceptEncoding) => {
    for (const text of ['hi', LONG_TEXT]) {
      gw.reader.add(messageView({ id: ID, text }));
      const response = await get(`/v1/messages/${ID}`, { 'accept-encoding': acceptEncoding });
      const identityBytes = Buffer.byteLength(decode(response.rawPayload, response.headers['content-encoding']));
      const predicted = selectedCoding({ 'accept-encoding': acceptEncoding }, identityBytes);
      expect(response.headers['content-encoding'] ?? 'identity').toBe(predicted);
    }
  });

  it('never compresses /metrics or health, whatever the client accepts', async () => {
    for (const url of ['/metrics', '/health/live', '/health/ready']) {
      const response = await gw.app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'br, gzip' } });
      expect(response.headers['content-encoding']).toBeUndefined();
    }
    const metrics = await gw.app.inject({ method: 'GET', url: '/metrics', headers: { 'accept-encoding': 'gzip' } });
    expect(metrics.rawPayload.length).toBeGreaterThan(COMPRESSION_THRESHOLD_BYTES);
  });

  it('answered every request in this file as the OpenAPI document says', () => {
    expect(observed.length).toBeGreaterThan(20);
    expect(observed.flatMap((response) => validator.check(response))).toEqual([]);
  });
});

function decode(raw: Buffer, coding: string | string[] | number | undefined): string {
  if (coding === 'br') return brotliDecompressSync(raw).toString('utf8');
  if (coding === 'gzip') return gunzipSync(raw).toString('utf8');
  return raw.toString('utf8');
}
