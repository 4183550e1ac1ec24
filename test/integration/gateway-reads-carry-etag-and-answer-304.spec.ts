import { setTimeout as delay } from 'node:timers/promises';
import { decodedBody, wireGet, type WireAnswer } from './gateway-read-helpers';
import { postMessage, uniqueUser, waitForFinal } from './pipeline-helpers';
import { addFault, clearFaults, waitPipelineSettled } from './resilience-helpers';
import { lab, waitFor } from './support/lab';
import { type OtherModeGateway, startOtherReadModeGateway } from './support/other-read-mode-gateway';

/** Requests without and with an Accept-Encoding. */
const CODINGS_ASKED: Record<string, string>[] = [{}, { 'accept-encoding': 'gzip' }];
const STRONG_TAG = /^"[0-9a-f]{32}(\.(br|gzip))?"$/;

/** One poll of the e2e flow, as a well-behaved client sends it: the last ETag in If-None-Match. */
interface Poll {
  status: number;
  etag: string;
  sent?: string;
  messageStatus?: string;
}

/**
 * Through the real pipeline (gateway → Kafka → bot → worker → data-service), the gateway's reads
 * carry a strong ETag that changes when the message does (accepted → processing → replied),
 * answer a matching If-None-Match with 304 (ETag, Cache-Control, no body), the same over HTTP and
 * over Kafka request-reply reads; the user listing too.
 */
describe('gateway reads carry an ETag and answer 304', () => {
  afterAll(async () => {
    await clearFaults('provider');
    await waitPipelineSettled();
  }, 120_000);

  it('changes the ETag at each status change and answers 304 while nothing changed', async () => {
    // A slow provider keeps the message short of `replied` for a while, so the polls see it change.
    await addFault('provider', { type: 'latency', ms: 1500, target: 'route:/v1/weather', durationMs: 60_000 });
    const gateway = lab().urls.gateway;
    const { id } = await postMessage(uniqueUser('etag'), 'weather in Paris');
    const polls: Poll[] = [];
    let last: Poll | undefined;
    for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
      const sent = last?.etag;
      const answer = await wireGet(gateway, `/v1/messages/${id}`, sent ? { 'if-none-match': sent } : {});
      const poll = pollOf(answer, sent, last);
      polls.push(poll);
      last = poll;
      if (poll.messageStatus === 'replied' || poll.messageStatus === 'failed') break;
      await delay(100);
    }
    const what = JSON.stringify(polls);
    expect(last?.messageStatus).toMatch(/^(replied|failed)$/);
    // The first answer was not final yet (the provider is slow), and each change came with a new tag.
    expect(polls[0]!.messageStatus).not.toBe(last?.messageStatus);
    const fresh = polls.filter((p) => p.status === 200);
    for (let i = 1; i < fresh.length; i++)
      expect({ what, etag: fresh[i]!.etag }).not.toEqual({ what, etag: fresh[i - 1]!.etag });
    const tagsByStatus = new Map(fresh.map((p) => [p.messageStatus, p.etag]));
    expect(new Set(tagsByStatus.values()).size).toBe(tagsByStatus.size);
    // Every 304 answered a request naming the current tag; every 200 after the first one a stale tag.
    for (const poll of polls.filter((p) => p.status === 304)) expect(poll.etag).toBe(poll.sent);
    for (const poll of fresh.slice(1)) expect(poll.sent).not.toBe(poll.etag);

    // Once replied, it stays unchanged: 304, with the validators and no body.
    const unchanged = await wireGet(gateway, `/v1/messages/${id}`, { 'if-none-match': last!.etag });
    expect(unchanged.status).toBe(304);
    expect(unchanged.raw.length).toBe(0);
    expect(unchanged.headers.etag).toBe(last!.etag);
    expect(unchanged.headers['cache-control']).toBe('private, no-cache');
    expect(unchanged.headers.vary).toContain('accept-encoding');
    // A weak comparison: W/ and lists match too; another tag does not.
    expect((await wireGet(gateway, `/v1/messages/${id}`, { 'if-none-match': `"x", W/${last!.etag}` })).status).toBe(
      304,
    );
    expect((await wireGet(gateway, `/v1/messages/${id}`, { 'if-none-match': '"0123"' })).status).toBe(200);
  }, 120_000);

  it('tags the user listing and changes its tag when the user gets a new message', async () => {
    const gateway = lab().urls.gateway;
    const user = uniqueUser('etag-list');
    await waitForFinal((await postMessage(user, 'help')).id);
    const path = `/v1/users/${user}/messages`;
    const first = await wireGet(gateway, path);
    expect(first.status).toBe(200);
    expect(first.headers.etag).toMatch(STRONG_TAG);
    expect(first.headers['cache-control']).toBe('private, no-cache');
    const etag = String(first.headers.etag);
    expect((await wireGet(gateway, path, { 'if-none-match': etag })).status).toBe(304);

    await postMessage(user, 'time in Tokyo');
    const changed = await waitFor(
      async () => {
        const answer = await wireGet(gateway, path, { 'if-none-match': etag });
        return answer.status === 200 ? answer : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: `the listing of ${user} to change` },
    );
    expect(changed.headers.etag).not.toBe(etag);
    expect((JSON.parse(decodedBody(changed)) as { items: unknown[] }).items).toHaveLength(2);
  }, 90_000);

  describe('over both read paths', () => {
    let other: OtherModeGateway;
    beforeAll(async () => {
      other = await startOtherReadModeGateway();
    }, 180_000);
    afterAll(() => other?.stop(), 60_000);

    it('gives the same message and page the same ETag over HTTP and over Kafka reads, and 304 on either', async () => {
      const user = uniqueUser('etag-modes');
      const { id } = await postMessage(user, 'help');
      await waitForFinal(id);
      for (const path of [`/v1/messages/${id}`, `/v1/users/${user}/messages`]) {
        for (const headers of CODINGS_ASKED) {
          const overHttp = await wireGet(other.urls.http, path, headers);
          const overKafka = await wireGet(other.urls.kafka, path, headers);
          expect(overHttp.status).toBe(200);
          expect(overKafka.headers.etag).toBe(overHttp.headers.etag);
          expect(decodedBody(overKafka)).toBe(decodedBody(overHttp));
          const etag = String(overHttp.headers.etag);
          for (const base of [other.urls.http, other.urls.kafka])
            expect((await wireGet(base, path, { ...headers, 'if-none-match': etag })).status).toBe(304);
        }
      }
    }, 60_000);
  });
});

function pollOf(answer: WireAnswer, sent: string | undefined, previous: Poll | undefined): Poll {
  const etag = String(answer.headers.etag);
  expect(etag).toMatch(STRONG_TAG);
  expect(answer.headers['cache-control']).toBe('private, no-cache');
  if (answer.status === 304) {
    expect(answer.raw.length).toBe(0);
    return { status: 304, etag, sent, messageStatus: previous?.messageStatus };
  }
  expect(answer.status).toBe(200);
  return { status: 200, etag, sent, messageStatus: (JSON.parse(decodedBody(answer)) as { status: string }).status };
}
