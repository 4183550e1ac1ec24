import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { headerLines } from './headers';
import { rawRequest } from './testing/raw-http';

describe('headerLines', () => {
  let server: Server;
  let baseUrl: string;
  let seen: IncomingMessage | undefined;

  beforeAll(async () => {
    server = createServer((request, response) => {
      seen = request;
      response.writeHead(204, { connection: 'close' }).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('sees every Authorization line where Node keeps only the first', async () => {
    await rawRequest(
      baseUrl,
      'GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer good\r\nauthorization: Bearer junk\r\nConnection: close\r\n\r\n',
    );
    expect(seen!.headers.authorization).toBe('Bearer good');
    expect(headerLines(seen!, 'Authorization')).toEqual(['Bearer good', 'Bearer junk']);
    expect(headerLines(seen!, 'x-absent')).toEqual([]);
  });

  it('reads a repeated header that app.inject keeps as one array entry', () => {
    expect(headerLines({ rawHeaders: ['authorization', ['a', 'b'], 'host', 'x'] }, 'authorization')).toEqual([
      'a',
      'b',
    ]);
  });
});
