import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appPort } from './apps';
import { exitCodeOf, UsageError } from './command';
import { loadLabConfig, type LabConfig } from './config';
import { appPidFile } from './instances';
import { describeMissing, LabNotRunningError } from './lab-not-running';
import { writePidFile } from './processes';
import { checkParts, type PartProbes, requireRunning, START_LAB } from './running';

const refused = (): Error => Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });

/** Canned answers by URL; anything not listed is a closed port. */
function probes(answers: Record<string, { status: number; body?: string }>, kafkaUp = false): PartProbes {
  return {
    get: async (url) => {
      const answer = answers[url];
      if (!answer) throw refused();
      return { status: answer.status, body: answer.body ?? '' };
    },
    kafka: async () => kafkaUp,
  };
}

describe('requireRunning: a verb names what of the lab is down', () => {
  let stateDir: string;
  let config: LabConfig;
  beforeEach(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'lab-running-'));
    config = loadLabConfig({ LAB_STATE_DIR: stateDir });
  });
  afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

  it('passes when every part answers', async () => {
    const ok = probes(
      {
        'http://127.0.0.1:9090/-/ready': { status: 200 },
        'http://127.0.0.1:9090/api/v1/query?query=1': { status: 200, body: '{"status":"success","data":{}}' },
        'http://127.0.0.1:3000/health/ready': { status: 200 },
        'http://127.0.0.1:3005/metrics': { status: 200 },
      },
      true,
    );
    await expect(
      requireRunning(config, ['prometheus', 'kafka', 'gateway', 'worker/metrics'], { probes: ok }),
    ).resolves.toBeUndefined();
  });

  it('lists each part that does not answer, why, and what starts it', async () => {
    const missing = await checkParts(config, ['prometheus', 'kafka', 'gateway', 'worker/metrics', 'gateway'], {
      probes: probes({
        'http://127.0.0.1:3000/health/ready': { status: 200 },
        'http://127.0.0.1:3005/metrics': { status: 503 },
      }),
    });
    expect(missing).toEqual([
      { name: 'Prometheus', url: 'http://127.0.0.1:9090', why: 'not running', start: START_LAB },
      { name: 'Kafka', url: '127.0.0.1:9092', why: 'not running', start: START_LAB },
      { name: 'worker /metrics', url: 'http://127.0.0.1:3005', why: 'answered 503 on /metrics', start: START_LAB },
    ]);
  });

  it('counts a Prometheus that is ready but cannot answer a query as missing', async () => {
    const missing = await checkParts(config, ['prometheus'], {
      probes: probes({
        'http://127.0.0.1:9090/-/ready': { status: 200 },
        'http://127.0.0.1:9090/api/v1/query?query=1': { status: 503, body: '{"status":"error"}' },
      }),
    });
    expect(missing).toEqual([
      expect.objectContaining({ name: 'Prometheus', why: 'ready, but the query "1" answered 503' }),
    ]);
  });

  it('says where an external broker must be started: not by this lab', async () => {
    const external = loadLabConfig({ LAB_STATE_DIR: stateDir, KAFKA_BROKERS: '127.0.0.1:19092' });
    const missing = await checkParts(external, ['kafka'], { probes: probes({}) });
    expect(missing).toEqual([
      expect.objectContaining({ url: '127.0.0.1:19092', start: expect.stringMatching(/^start it where it runs/) }),
    ]);
  });

  it('throws one line naming the part and the command, mapped to exit 2', async () => {
    const error = await requireRunning(config, ['prometheus'], { probes: probes({}) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LabNotRunningError);
    expect((error as Error).message).toBe(
      'Prometheus is not answering on http://127.0.0.1:9090 (not running): start it with npm run lab -- up',
    );
    expect(exitCodeOf(error)).toBe(2);
  });

  it('with several parts down and no lab.json, says no lab is up and starts them with one command', async () => {
    const error = await requireRunning(config, ['kafka', 'gateway', 'token-dealer'], { probes: probes({}) }).catch(
      (e: unknown) => e as LabNotRunningError,
    );
    expect((error as LabNotRunningError).labUp).toBe(false);
    expect((error as Error).message).toBe(
      `No lab is up in ${stateDir}; not answering: Kafka on 127.0.0.1:9092 (not running), gateway on http://127.0.0.1:3000 (not running), token-dealer on http://127.0.0.1:3001 (not running): start them with npm run lab -- up`,
    );
    expect((error as Error).message).not.toContain('\n');
  });

  describe('against real sockets', () => {
    let frozen: Server;
    const sockets: Socket[] = [];
    let port: number;
    beforeAll(async () => {
      // Accepts connections and never answers: a process stopped with SIGSTOP looks like this.
      frozen = createServer((socket) => void sockets.push(socket));
      await new Promise<void>((resolve) => frozen.listen(0, '127.0.0.1', resolve));
      port = (frozen.address() as { port: number }).port;
    });
    afterAll(async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => frozen.close(resolve));
    });

    it('gives up on a frozen part after its deadline and says its pid runs', async () => {
      // The gateway's port moved onto the frozen server; its pid file names this (live) process.
      const here: LabConfig = { ...config, portOffset: port - appPort('gateway', 1, 0) };
      writePidFile(appPidFile(here, 'gateway'), { pid: process.pid, marker: '', startedAt: '' });
      const started = Date.now();
      const missing = await checkParts(here, ['gateway'], { timeoutMs: 300 });
      expect(Date.now() - started).toBeLessThan(2000);
      expect(missing).toEqual([
        expect.objectContaining({ name: 'gateway', why: `pid ${process.pid} runs, but no answer within 0.3 s` }),
      ]);
    });

    it('names a closed port as not running, at once', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const free = (closed.address() as { port: number }).port;
      await new Promise((resolve) => closed.close(resolve));
      const here: LabConfig = { ...config, portOffset: free - appPort('worker', 1, 0) };
      const started = Date.now();
      const missing = await checkParts(here, ['worker/metrics'], { timeoutMs: 2000 });
      expect(Date.now() - started).toBeLessThan(1000);
      expect(missing).toEqual([expect.objectContaining({ name: 'worker /metrics', why: 'not running' })]);
    });
  });
});

describe('exit codes', () => {
  it('is 2 when nothing was tried (usage, a part of the lab down) and 1 for a failure while working', () => {
    expect(exitCodeOf(new UsageError('bad flag'))).toBe(2);
    expect(exitCodeOf(new LabNotRunningError([], '/s', false))).toBe(2);
    expect(exitCodeOf(new Error('fetch failed'))).toBe(1);
    expect(exitCodeOf('a string')).toBe(1);
  });
  it('describes an empty list as a lab that is not up', () => {
    expect(describeMissing([], '/s', false)).toBe('The lab in /s is not up: start it with npm run lab -- up');
  });
});
