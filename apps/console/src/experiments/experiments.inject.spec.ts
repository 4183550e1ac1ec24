import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { EXPERIMENT_PHASES, LAB_CLIENTS, SERVICE_NAMES } from '#libs/contracts';
import { createLogger } from '#libs/observability';
import { buildService } from '#libs/platform';
import type { ExperimentList } from '../api-types';
import { consoleService } from '../main';
import { sampleDescription, writeFakeLabCli } from './testing/fake-lab-cli';

/**
 * The Experiments API over HTTP, with a stand-in lab CLI run as a real child process: described
 * experiments, one run at a time (409 problem+json), the CSRF guard on start and cancel, the feed,
 * cancel, the reports listed and served under their own sandboxing CSP, and nothing else of the disk.
 */
describe('console experiments over HTTP (a stand-in lab CLI)', () => {
  let app: NestFastifyApplication;
  const host = '127.0.0.1:3010';
  const csrf = { 'x-console-request': '1', host, 'content-type': 'application/json' };
  /** As the page sends a POST without a body. */
  const csrfNoBody = { 'x-console-request': '1', host };
  const root = mkdtempSync(join(tmpdir(), 'console-experiments-'));
  const leak = `${LAB_CLIENTS.admin.secret} eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl`;
  const saved = { described: process.env.LAB_FAKE_DESCRIBED, leak: process.env.LAB_FAKE_LEAK };

  beforeAll(async () => {
    process.env.LAB_FAKE_DESCRIBED = JSON.stringify(['quick', 'waits', 'down'].map((n) => sampleDescription(n)));
    process.env.LAB_FAKE_LEAK = leak;
    const web = join(root, 'web');
    mkdirSync(web);
    writeFileSync(join(web, 'index.html'), '<!doctype html><title>console</title>');
    const logger = createLogger({ service: 'console', level: 'silent' });
    ({ app } = await buildService(
      consoleService,
      {
        PORT: '3010',
        CONSOLE_SERVICE_URLS: SERVICE_NAMES.map((s) => `${s}=http://127.0.0.1:9`).join(','),
        CONSOLE_WEB_DIR: web,
        CONSOLE_LAB_CLI: writeFakeLabCli(root),
        CONSOLE_RESULTS_ROOT: root,
        CONSOLE_LAB_STATE_DIR: join(root, 'lab'),
        CONSOLE_EXPERIMENT_CANCEL_GRACE_MS: '5000',
      },
      { logger },
    ));
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(async () => {
    await app.close();
    process.env.LAB_FAKE_DESCRIBED = saved.described;
    process.env.LAB_FAKE_LEAK = saved.leak;
    if (saved.described === undefined) delete process.env.LAB_FAKE_DESCRIBED;
    if (saved.leak === undefined) delete process.env.LAB_FAKE_LEAK;
  });

  const inject = (options: Parameters<NestFastifyApplication['inject']>[0]) => app.inject(options);
  const start = (experiment: string, headers: Record<string, string> = csrf) =>
    inject({ method: 'POST', url: '/api/experiments/runs', headers, payload: { experiment, short: true } });
  const current = async (after = 0) =>
    (await inject({ method: 'GET', url: `/api/experiments/runs/current?after=${after}`, headers: { host } })).json<{
      run: { id: string; state: string; problem?: string; lastSeq: number } | null;
      entries: Array<{ seq: number; kind: string; line?: string; event?: { type: string; phase?: string } }>;
    }>();
  /** Polls the current run until `until` holds (or 10 s pass). */
  const waitRun = async (until: (r: Awaited<ReturnType<typeof current>>) => boolean) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const read = await current();
      if (until(read)) return read;
      if (Date.now() > deadline) throw new Error(`run never got there: ${JSON.stringify(read.run)}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };
  const ended = (r: Awaited<ReturnType<typeof current>>) =>
    r.run !== null && !['running', 'cancelling'].includes(r.run.state);

  it('lists the experiments the lab CLI describes, and the phases of a run in order', async () => {
    const response = await inject({ method: 'GET', url: '/api/experiments', headers: { host } });
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const list = response.json<ExperimentList>();
    expect(list.experiments.map((e) => e.name)).toEqual(['quick', 'waits', 'down']);
    expect(list.phases).toEqual([...EXPERIMENT_PHASES]);
  });

  it('refuses to start or cancel a run without the CSRF header, or cross-site; starts nothing then', async () => {
    const { host: _host, ...noHost } = csrf;
    for (const headers of [
      { host, 'content-type': 'application/json' },
      { ...csrf, 'sec-fetch-site': 'cross-site' },
      { ...csrf, 'sec-fetch-site': 'same-site' },
      { ...csrf, origin: 'http://localhost:9999' },
      { ...noHost, host: 'evil.example:3010' },
    ]) {
      const response = await start('waits', headers);
      expect(response.statusCode).toBe(403);
      expect(response.headers['content-type']).toContain('application/problem+json');
    }
    expect((await current()).run).toBeNull();
    const cancel = await inject({
      method: 'POST',
      url: '/api/experiments/runs/8e0e5b5e-0000-4000-8000-000000000000/cancel',
      headers: { host },
    });
    expect(cancel.statusCode).toBe(403);
  });

  it('refuses an unknown experiment (404) and a bad body (400), starting nothing', async () => {
    expect((await start('reboot-the-world')).json()).toMatchObject({
      status: 404,
      detail: /shipped: quick, waits, down/,
    });
    const bad = await inject({
      method: 'POST',
      url: '/api/experiments/runs',
      headers: csrf,
      payload: { experiment: '--results=/etc', short: 'yes' },
    });
    expect(bad.statusCode).toBe(400);
    expect(
      bad
        .json<{ errors: Array<{ field: string }> }>()
        .errors.map((e) => e.field)
        .sort(),
    ).toEqual(['experiment', 'short']);
    expect((await current()).run).toBeNull();
  });

  it('runs one experiment at a time (409 problem+json), shows its feed, and cancels it cleanly', async () => {
    const started = await start('waits');
    expect(started.statusCode).toBe(202);
    const { id } = started.json<{ id: string; state: string }>();
    expect(started.json()).toMatchObject({ experiment: 'waits', short: true, state: 'running' });

    const second = await start('quick');
    expect(second.statusCode).toBe(409);
    expect(second.headers['content-type']).toContain('application/problem+json');
    expect(second.json()).toMatchObject({
      status: 409,
      runId: id,
      detail: expect.stringMatching(/waits \(short\) is running/),
    });

    const running = await waitRun((r) => r.entries.some((e) => e.event?.phase === 'baseline'));
    expect(running.entries.map((e) => e.event?.type ?? e.kind)).toEqual(
      expect.arrayContaining(['run', 'phase', 'log']),
    );
    const later = await current(running.run!.lastSeq);
    expect(later.entries.every((e) => e.seq > running.run!.lastSeq)).toBe(true);

    // The cancel is a state-changing call too: without the header it does nothing.
    expect(
      (await inject({ method: 'POST', url: `/api/experiments/runs/${id}/cancel`, headers: { host } })).statusCode,
    ).toBe(403);
    expect((await current()).run?.state).toBe('running');
    const cancel = await inject({ method: 'POST', url: `/api/experiments/runs/${id}/cancel`, headers: csrfNoBody });
    expect(cancel.statusCode).toBe(202);
    expect(cancel.json()).toMatchObject({ state: 'cancelling' });
    const done = await waitRun(ended);
    expect(done.run).toMatchObject({ state: 'cancelled' });
    expect(done.entries.filter((e) => e.event?.type === 'verdict')).toHaveLength(1);
  });

  it('cuts tokens and client secrets out of the lines the run prints', async () => {
    expect((await start('quick')).statusCode).toBe(202);
    const done = await waitRun(ended);
    const text = JSON.stringify(done);
    expect(text).toContain('leaking [secret] [token]');
    expect(text).not.toContain(LAB_CLIENTS.admin.secret);
    expect(text).not.toMatch(/eyJ[\w-]{4,}\./);
  });

  it('says why a run could not run (exit 2: a part of the lab is down)', async () => {
    expect((await start('down')).statusCode).toBe(202);
    const done = await waitRun(ended);
    expect(done.run).toMatchObject({
      state: 'could-not-run',
      problem: expect.stringMatching(/Prometheus is not answering/),
    });
  });

  it('lists the reports under results/ and serves a report page under a sandboxing CSP; nothing else of the disk', async () => {
    const listed = await inject({ method: 'GET', url: '/api/experiments/reports', headers: { host } });
    const { reports } = listed.json<{
      reports: Array<{ id: string; passed: boolean; runs: Array<{ url: string }> }>;
    }>();
    expect(reports).toEqual([
      expect.objectContaining({
        id: '2026-12-01T10-00-00Z-quick',
        passed: true,
        runs: [expect.objectContaining({ url: '/reports/2026-12-01T10-00-00Z-quick/report.html' })],
      }),
    ]);
    const page = await inject({ method: 'GET', url: reports[0].runs[0].url, headers: { host } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('<h1>PASSED</h1>');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain('sandbox');
    expect(csp).not.toContain('script-src');

    writeFileSync(join(root, 'secret.txt'), 'not for the page');
    for (const url of [
      '/reports/2026-12-01T10-00-00Z-quick/report.json',
      '/reports/..%2F..%2Fsecret.txt/report.html',
      '/reports/%2e%2e/report.html',
      '/reports/%2e%2e/%2e%2e/secret.txt',
      '/reports/2026-12-01T10-00-00Z-quick/..%2F..%2Fsecret.txt',
      '/reports/2026-12-01T10-00-00Z-quick/%2e%2e/report.html',
      '/reports/..%5C..%5Csecret.txt/report.html',
      '/reports/lab/report.html',
      '/reports/2026-12-01T10-00-00Z-quick/report.html%00.json',
    ]) {
      const response = await inject({ method: 'GET', url, headers: { host } });
      expect({ url, status: response.statusCode }).toEqual({ url, status: 404 });
      expect(response.body).not.toContain('not for the page');
    }
  });
});
