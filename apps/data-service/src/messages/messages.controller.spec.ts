import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { messageViewSchema } from '#libs/contracts';
import { buildService } from '#libs/platform';
import { DataServiceModule } from '../data-service.module';
import { applyEvent, type LifecycleEvent } from '../lifecycle/lifecycle';
import { dataService } from '../main';
import type { MessageRepository } from '../store/message.repository';
import { SqliteMessageRepository } from '../store/sqlite-message.repository';

const T0 = Date.parse('2026-11-27T10:00:00.000Z');

describe('data-service read API', () => {
  let app: NestFastifyApplication;
  let repository: MessageRepository;
  const ids = Array.from({ length: 5 }, () => randomUUID());

  async function apply(event: LifecycleEvent, nowMs = T0 + 60_000): Promise<void> {
    await repository.applyOnce({
      eventKey: randomUUID(),
      eventType: event.kind,
      messageId: event.messageId,
      reduce: (current) => applyEvent(current, event, nowMs),
    });
  }

  beforeAll(async () => {
    repository = SqliteMessageRepository.open({ path: ':memory:', busyTimeoutMs: 100 });
    // ids[0..2] are alice's at T0, T0+1s, T0+2s; ids[3] and ids[4] tie at T0+3s.
    for (const [index, id] of ids.entries()) {
      await apply({
        kind: 'accepted',
        clientId: 'jeeves-demo',
        messageId: id,
        user: 'alice',
        text: `message ${index}`,
        occurredAtMs: T0 + Math.min(index, 3) * 1000,
        traceId: 'd'.repeat(32),
      });
    }
    await apply({
      kind: 'reply',
      messageId: ids[0]!,
      user: 'alice',
      intent: 'weather',
      status: 'replied',
      text: 'Sunny',
      degraded: false,
      reason: null,
      occurredAtMs: T0,
    });
    await apply({
      kind: 'reply',
      messageId: ids[1]!,
      user: 'alice',
      intent: 'time',
      status: 'failed',
      text: 'Sorry',
      degraded: true,
      reason: 'provider-unavailable',
      occurredAtMs: T0,
    });
    await apply({ kind: 'processing', messageId: ids[2]!, user: 'alice', intent: 'weather', occurredAtMs: T0 });
    const built = await buildService(
      { ...dataService, module: (context) => DataServiceModule.register(context, { repository, ingest: false }) },
      { LOG_LEVEL: 'silent' },
    );
    app = built.app;
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(async () => {
    await app?.close();
  });

  const get = async (url: string) => {
    const response = await app.inject({ method: 'GET', url });
    return {
      status: response.statusCode,
      type: String(response.headers['content-type']),
      body: response.json() as Record<string, unknown>,
    };
  };

  it('returns a stored message as the contract view', async () => {
    const { status, body } = await get(`/v1/messages/${ids[0]}`);
    expect(status).toBe(200);
    expect(messageViewSchema.parse(body)).toEqual({
      id: ids[0],
      user: 'alice',
      text: 'message 0',
      status: 'replied',
      intent: 'weather',
      reply: 'Sunny',
      degraded: false,
      failureReason: null,
      traceId: 'd'.repeat(32),
      acceptedAt: '2026-11-27T10:00:00.000Z',
      updatedAt: '2026-11-27T10:01:00.000Z',
    });
  });

  it('answers 404 problem+json for an unknown message, and 400 for an id that is not a UUID', async () => {
    const missing = await get(`/v1/messages/${randomUUID()}`);
    expect(missing.status).toBe(404);
    expect(missing.type).toContain('application/problem+json');
    expect(missing.body).toMatchObject({ status: 404, code: 'not-found' });
    const bad = await get('/v1/messages/not-a-uuid');
    expect(bad.status).toBe(400);
    expect(bad.type).toContain('application/problem+json');
    expect(bad.body).toMatchObject({ code: 'validation-failed', errors: [{ field: 'id', message: 'must be a UUID' }] });
  });

  it('pages a user’s messages newest first and never splits messages of the same instant', async () => {
    const first = await get('/v1/users/alice/messages?limit=1');
    expect(first.status).toBe(200);
    // ids[3] and ids[4] tie: a page of one still holds both, so the cursor skips neither.
    expect((first.body.items as { id: string }[]).map((m) => m.id).sort()).toEqual([ids[3], ids[4]].sort());
    expect(first.body.nextBefore).toBe('2026-11-27T10:00:03.000Z');

    const second = await get(
      `/v1/users/alice/messages?limit=2&before=${encodeURIComponent(String(first.body.nextBefore))}`,
    );
    expect((second.body.items as { id: string }[]).map((m) => m.id)).toEqual([ids[2], ids[1]]);
    expect(second.body.nextBefore).toBe('2026-11-27T10:00:01.000Z');

    const last = await get(
      `/v1/users/alice/messages?limit=2&before=${encodeURIComponent(String(second.body.nextBefore))}`,
    );
    expect((last.body.items as { id: string }[]).map((m) => m.id)).toEqual([ids[0]]);
    expect(last.body.nextBefore).toBeNull();

    const everything = await get('/v1/users/alice/messages');
    expect((everything.body.items as unknown[]).length).toBe(5);
    expect(everything.body.nextBefore).toBeNull();
    expect(await get('/v1/users/nobody/messages')).toMatchObject({
      status: 200,
      body: { items: [], nextBefore: null },
    });
  });

  it('scopes reads to the creating client when asked (the gateway always asks)', async () => {
    expect((await get(`/v1/messages/${ids[0]}?clientId=jeeves-demo`)).status).toBe(200);
    const theirs = await get(`/v1/messages/${ids[0]}?clientId=lab-admin`);
    expect(theirs).toMatchObject({ status: 404, body: { code: 'not-found', detail: `no message ${ids[0]}` } });
    expect((await get('/v1/users/alice/messages?clientId=jeeves-demo')).body.items).toHaveLength(5);
    expect(await get('/v1/users/alice/messages?clientId=lab-admin')).toMatchObject({
      status: 200,
      body: { items: [], nextBefore: null },
    });
    expect((await get(`/v1/messages/${ids[0]}?clientId=`)).status).toBe(400);
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=ten', 'limit'],
    ['limit=2.5', 'limit'],
    ['before=yesterday', 'before'],
    ['limit=1&limit=2', 'limit'],
  ])('answers 400 naming the field for %s', async (query, field) => {
    const { status, type, body } = await get(`/v1/users/alice/messages?${query}`);
    expect(status).toBe(400);
    expect(type).toContain('application/problem+json');
    expect(body.errors).toEqual([expect.objectContaining({ field })]);
  });

  it('answers 400 for a user id outside the contract', async () => {
    const { status, body } = await get(`/v1/users/${encodeURIComponent('bad user!')}/messages`);
    expect(status).toBe(400);
    expect(body.errors).toEqual([expect.objectContaining({ field: 'user' })]);
  });

  it('counts messages by status', async () => {
    const { status, body } = await get('/v1/stats');
    expect(status).toBe(200);
    expect(body).toEqual({ accepted: 2, processing: 1, replied: 1, failed: 1 });
  });

  it('keeps a ledger since an instant', async () => {
    const all = await get('/v1/ledger');
    expect(all.body).toEqual({
      since: '1970-01-01T00:00:00.000Z',
      accepted: 5,
      replied: 1,
      failed: 1,
      processing: 3,
      duplicatesSuppressed: 0,
      failedByReason: { 'provider-unavailable': 1 },
    });
    const later = await get(`/v1/ledger?since=${encodeURIComponent('2026-11-27T10:00:02.000Z')}`);
    expect(later.body).toMatchObject({ accepted: 3, replied: 0, failed: 0, processing: 3 });
    expect((await get('/v1/ledger?since=soon')).status).toBe(400);
  });

  it('lists the envelopes applied to a message', async () => {
    const { status, body } = await get(`/v1/messages/${ids[0]}/events`);
    expect(status).toBe(200);
    // Ordered by processing time; both were applied within the same millisecond or two, so compare as a set.
    expect((body.items as { type: string; duplicates: number }[]).map((e) => [e.type, e.duplicates]).sort()).toEqual([
      ['accepted', 0],
      ['reply', 0],
    ]);
    expect((await get(`/v1/messages/${randomUUID()}/events`)).status).toBe(404);
  });

  it('answers 503, not 500, when the store is gone', async () => {
    const closed = SqliteMessageRepository.open({ path: ':memory:', busyTimeoutMs: 100 });
    await closed.close();
    const built = await buildService(
      {
        ...dataService,
        module: (context) => DataServiceModule.register(context, { repository: closed, ingest: false }),
      },
      { LOG_LEVEL: 'silent' },
    );
    await built.app.init();
    try {
      const response = await built.app.inject({ method: 'GET', url: `/v1/messages/${ids[0]}` });
      expect(response.statusCode).toBe(503);
      expect(response.json()).toMatchObject({ code: 'dependency-unavailable' });
      expect(response.headers['retry-after']).toBe('1');
      const ready = await built.app.inject({ method: 'GET', url: '/health/ready' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({ detail: 'not ready: store' });
    } finally {
      await built.app.close();
    }
  });
});
