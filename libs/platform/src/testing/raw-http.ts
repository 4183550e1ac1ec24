import { connect, type Socket } from 'node:net';

/** One HTTP/1.1 answer read off a raw socket. */
export interface RawAnswer {
  status: number;
  /** Header names in lower case; a repeated header keeps its last value. */
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends `bytes` as they are on a new connection to `baseUrl`'s host and port, and reads the answer
 * until the server closes the connection (send `Connection: close`). For what `fetch` cannot send:
 * two header lines of one name, bytes that are not valid UTF-8 or not HTTP at all.
 */
export function rawRequest(baseUrl: string, bytes: string | Buffer, timeoutMs = 10_000): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = open(baseUrl);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error) => {
      clearTimeout(timer);
      // A server that answers and then resets (as it does to bytes that are not HTTP) still answered.
      if (chunks.length > 0) resolve(parseAnswer(Buffer.concat(chunks)));
      else reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      if (chunks.length > 0) resolve(parseAnswer(Buffer.concat(chunks)));
      else reject(new Error('the server closed the connection without an answer'));
    });
    socket.write(bytes);
  });
}

/**
 * Sends `bytes` and closes the connection after `afterMs`, before any answer: a client that hangs
 * up. Resolves once the socket is closed, with whatever arrived before (normally nothing).
 */
export function hangUpAfter(baseUrl: string, bytes: string | Buffer, afterMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = open(baseUrl);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks)));
    socket.write(bytes);
    setTimeout(() => socket.destroy(), afterMs);
  });
}

function open(baseUrl: string): Socket {
  const url = new URL(baseUrl);
  return connect({ host: url.hostname, port: Number(url.port) });
}

function parseAnswer(raw: Buffer): RawAnswer {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.subarray(0, split === -1 ? raw.length : split).toString('latin1');
  const rest = split === -1 ? Buffer.alloc(0) : raw.subarray(split + 4);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = headers['content-length'] === undefined ? rest.length : Number(headers['content-length']);
  return {
    status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0),
    headers,
    body: rest.subarray(0, length).toString('utf8'),
  };
}
