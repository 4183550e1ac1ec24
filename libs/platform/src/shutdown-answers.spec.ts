import { connect } from 'node:net';
import { type ProbeService, startProbeService } from './testing/probe-service';

/**
 * While a service shuts down, a request still arriving on an open connection gets a problem+json
 * 503 with `Connection: close`, not Fastify's plain-JSON `return503OnClosing` answer.
 */
describe('requests during shutdown', () => {
  let probe: ProbeService;

  beforeAll(async () => {
    probe = await startProbeService();
  });

  afterAll(async () => {
    await probe.close();
  });

  it('answers a request that arrives on an open connection during close with a problem+json 503', async () => {
    const url = new URL(probe.baseUrl);
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write('GET /slow HTTP/1.1\r\nHost: probe\r\n\r\n');
    const deadline = Date.now() + 5000;
    while (probe.gate.held === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(probe.gate.held).toBe(1);
    const closing = probe.app.close();
    // Fastify stops listening right after its preClose hooks, where the platform marks itself closing.
    const server = probe.app.getHttpServer() as { listening: boolean };
    while (server.listening && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(server.listening).toBe(false);
    // Pipelined behind the request still in flight: Node parses it now, while the app is closing.
    socket.write('GET /items/1 HTTP/1.1\r\nHost: probe\r\n\r\n');
    while ((await probe.inFlight()) < 2 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await probe.inFlight()).toBe(2);
    probe.gate.open();
    await closing;
    await closed;
    const text = Buffer.concat(received).toString('utf8');
    const answers = text.split(/(?=HTTP\/1\.1 )/);
    expect(answers).toHaveLength(2);
    expect(answers[0]).toMatch(/^HTTP\/1\.1 200 /);
    expect(answers[1]).toMatch(/^HTTP\/1\.1 503 /);
    expect(answers[1]).toMatch(/content-type: application\/problem\+json/i);
    expect(answers[1]).toMatch(/connection: close/i);
    expect(answers[1]).toContain('"code":"not-ready"');
  });
});
