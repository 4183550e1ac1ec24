import { rawRequest, type RawAnswer } from './testing/raw-http';
import { type ProbeService, startProbeService } from './testing/probe-service';

/**
 * Whatever Fastify or Node would answer on their own — a URL that is not percent-encoded UTF-8, an
 * over-long path parameter, an unknown path, a known path with another method, a body too large,
 * of another media type, charset or coding, or not UTF-8, bytes that are not HTTP, headers too
 * large — is an RFC 9457 problem+json answer with the right status, like every error of ours.
 */
describe('answers the framework gives before our code are problem+json', () => {
  let probe: ProbeService;

  beforeAll(async () => {
    probe = await startProbeService();
  });

  afterAll(async () => {
    await probe.close();
  });

  const request = (method: string, path: string, headers: Record<string, string> = {}, body?: Buffer | string) => {
    const bytes = body === undefined ? Buffer.alloc(0) : Buffer.from(body);
    const lines = [`${method} ${path} HTTP/1.1`, 'Host: probe', 'Connection: close'];
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
    if (body !== undefined) lines.push(`Content-Length: ${bytes.length}`);
    return rawRequest(probe.baseUrl, Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), bytes]));
  };
  const expectProblem = (answer: RawAnswer, status: number, code: string) => {
    expect(answer.status).toBe(status);
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = JSON.parse(answer.body) as { status: number; code: string; type: string; title: string };
    expect(body).toMatchObject({ status, code, type: `/problems/${code}` });
    expect(typeof body.title).toBe('string');
  };
  const json = { 'Content-Type': 'application/json' };

  it.each([
    ['a path that is not valid percent-encoding', '/items/%zz', 400, 'malformed-url'],
    ['a path whose escapes are not UTF-8', '/items/%ff%fe', 400, 'malformed-url'],
    ['an unknown path', '/nowhere', 404, 'not-found'],
    ['a path parameter over maxParamLength', `/items/${'a'.repeat(300)}`, 414, 'uri-too-long'],
  ])('%s', async (_name, path, status, code) => {
    expectProblem(await request('GET', path), status, code);
  });

  it.each([
    ['PUT', '/items/1', 'GET, HEAD'],
    ['DELETE', '/items', 'POST'],
    ['PATCH', '/slow', 'GET, HEAD'],
    ['POST', '/health/live', 'GET, HEAD'],
    ['OPTIONS', '/items', 'POST'],
  ])('answers %s %s with 405 and Allow: %s (RFC 9110 §15.5.6)', async (method, path, allow) => {
    const answer = await request(method, path);
    expectProblem(answer, 405, 'method-not-allowed');
    expect(answer.headers.allow).toBe(allow);
  });

  it('refuses a body that is not UTF-8 with 400, before any handler sees it (RFC 8259 §8.1)', async () => {
    const body = Buffer.concat([Buffer.from('{"text":"a'), Buffer.from([0xff]), Buffer.from('b"}')]);
    expectProblem(await request('POST', '/items', json, body), 400, 'malformed-json');
    // Overlong encodings and lone surrogates encoded as UTF-8 bytes are not UTF-8 either.
    expectProblem(await request('POST', '/items', json, Buffer.from([0x22, 0xc0, 0xaf, 0x22])), 400, 'malformed-json');
    expectProblem(
      await request('POST', '/items', json, Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22])),
      400,
      'malformed-json',
    );
    const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
    expectProblem(await request('POST', '/items', form, 'a=%ff'), 400, 'malformed-form');
    expectProblem(await request('POST', '/items', form, Buffer.from([0x61, 0x3d, 0xff])), 400, 'malformed-form');
  });

  it('keeps valid UTF-8 exactly as sent, a BOM dropped', async () => {
    const text = 'é e\u0301 \u{1F600} 中文 \u202E';
    const answer = await request('POST', '/items', json, `\uFEFF${JSON.stringify({ text })}`);
    expect(answer.status).toBe(201);
    expect(JSON.parse(answer.body)).toEqual({ body: { text } });
    const form = await request(
      'POST',
      '/items',
      { 'Content-Type': 'application/x-www-form-urlencoded' },
      'a=%C3%A9&a=2&b=x+y',
    );
    expect(JSON.parse(form.body)).toEqual({ body: { a: ['é', '2'], b: 'x y' } });
  });

  it.each([
    ['another media type', { 'Content-Type': 'text/plain' }, 'hello', undefined],
    ['a charset other than UTF-8', { 'Content-Type': 'application/json; charset=iso-8859-1' }, '{}', undefined],
    ['a content coding', { ...json, 'Content-Encoding': 'gzip' }, '{}', 'identity'],
  ])('answers 415 to %s', async (_name, headers, body, acceptEncoding) => {
    const answer = await request('POST', '/items', headers, body);
    expectProblem(answer, 415, 'unsupported-media-type');
    expect(answer.headers['accept-encoding']).toBe(acceptEncoding);
  });

  it('answers 413 to a body over the limit, and 400 to broken or empty JSON', async () => {
    expectProblem(
      await request('POST', '/items', json, JSON.stringify({ t: 'x'.repeat(17 * 1024) })),
      413,
      'payload-too-large',
    );
    expectProblem(await request('POST', '/items', json, '{"a":'), 400, 'malformed-json');
    expectProblem(await request('POST', '/items', json, ''), 400, 'malformed-json');
    expectProblem(await request('POST', '/items', json, '{"__proto__":{"x":1}}'), 400, 'malformed-json');
  });

  it('answers bytes that are not HTTP, and headers that are too large, with problem+json and closes', async () => {
    const garbage = await rawRequest(probe.baseUrl, 'GET / HTTP/1.1\r\nHost probe\r\n\r\n');
    expectProblem(garbage, 400, 'malformed-request');
    expect(garbage.headers.connection).toBe('close');
    const huge = await rawRequest(
      probe.baseUrl,
      `GET /items/1 HTTP/1.1\r\nHost: probe\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    expectProblem(huge, 431, 'header-fields-too-large');
  });
});
