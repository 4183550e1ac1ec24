/**
 * The trivial local HTTP handler the load drivers are measured against: `GET /` answers 200 at
 * once. `POST /freeze?ms=N` blocks the event loop for N ms — a stall like a GC pause or a stuck
 * dependency — so a driver's latency under it shows whether it hides the queue (coordinated omission).
 * Run as its own process; prints `LISTENING <port>`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const body = Buffer.from('{"ok":true}');
const server = createServer((req, res) => {
  if (req.method === 'POST' && req.url?.startsWith('/freeze')) {
    const ms = Math.min(10_000, Number(new URL(req.url, 'http://x').searchParams.get('ms')) || 0);
    res.writeHead(202).end();
    const until = Date.now() + ms;
    // Busy-wait on purpose: the point is a process that cannot answer anything for `ms`.
    while (Date.now() < until);
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }).end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`LISTENING ${(server.address() as AddressInfo).port}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
