import type { MessageView } from '#libs/contracts';
import { getMessage, postMessage, storedMessagesOf, uniqueUser } from './pipeline-helpers';
import { killApp, restartApp, waitFor } from './support/lab';

const N = 200;
const USERS = 20;
const CITIES = ['Paris', 'Tokyo', 'Oslo', 'Lima', 'Cairo', 'Quito', 'Perth', 'Dakar'];
const ZONES = ['Tokyo', 'Europe/Paris', 'UTC', 'America/New_York'];

/** Runs `task` over `items` with at most `limit` in flight. */
async function inParallel<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await task(items[index]!);
      }
    }),
  );
  return results;
}

/**
 * A worker SIGKILLed mid-stream loses nothing: its uncommitted actions are redelivered to the
 * restarted worker, and every one of N messages ends `replied`.
 */
describe('pipeline: a worker killed mid-stream resumes without loss', () => {
  const users = Array.from({ length: USERS }, (_, i) => uniqueUser(`restart-${i}`));
  const texts = Array.from({ length: N }, (_, i) =>
    i % 2 === 0 ? `weather in ${CITIES[i % CITIES.length]}` : `time in ${ZONES[i % ZONES.length]}`,
  );
  const ids: string[] = [];

  async function storedViews(): Promise<MessageView[]> {
    const pages = await Promise.all(users.map((user) => storedMessagesOf(user)));
    return pages.flat();
  }

  it(`replies to all ${N} messages although the worker was killed and restarted`, async () => {
    // One stream, 8 in flight: the first half starts, the worker is killed once it has answered a
    // few (the rest of the first half may still be arriving), then the second half follows.
    let killed = false;
    const sentAfterKill: string[] = [];
    const sendRange = (from: number, to: number) =>
      inParallel(
        Array.from({ length: to - from }, (_, i) => from + i),
        8,
        async (i) => {
          const { id } = await postMessage(users[i % USERS]!, texts[i]!);
          if (killed) sentAfterKill.push(id);
          return id;
        },
      );
    const firstHalf = sendRange(0, N / 2);
    const repliedAtKill = await waitFor(
      async () => {
        const replied = (await storedViews()).filter((m) => m.status === 'replied').length;
        return replied >= 10 ? replied : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100, what: 'the worker to answer the first messages' },
    );
    await killApp('worker');
    killed = true;
    ids.push(...(await firstHalf));
    ids.push(...(await sendRange(N / 2, N)));
    // Nobody else answers actions: with the worker dead, nothing sent after the kill can be replied yet.
    const repliedWhileDown = (await storedViews()).filter(
      (m) => sentAfterKill.includes(m.id) && m.status === 'replied',
    );
    expect(sentAfterKill.length).toBeGreaterThan(0);
    expect(repliedWhileDown).toEqual([]);
    const restartedAt = Date.now();
    await restartApp('worker');

    const done = await waitFor(
      async () => {
        const views = await storedViews();
        return views.length === N && views.every((m) => m.status === 'replied') ? views : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 1000, what: `all ${N} messages replied` },
    );
    process.stderr.write(
      `worker restart: ${repliedAtKill} of ${N} replied at the kill, ${sentAfterKill.length} sent while it was down, all replied ${((Date.now() - restartedAt) / 1000).toFixed(1)} s after the restart began\n`,
    );
    expect(repliedAtKill).toBeLessThan(N);
    expect(new Set(done.map((m) => m.id))).toEqual(new Set(ids));
    for (const view of done) {
      expect(view.reply).toMatch(/^(In .+ it is .+|It is \d{2}:\d{2} on .+)\.$/);
      expect(view.intent === 'weather' || view.intent === 'time').toBe(true);
    }
    // And the gateway, what users read, agrees for every one of them.
    const viaGateway = await inParallel(ids, 8, (id) => getMessage(id));
    expect(viaGateway.filter((v) => v?.status !== 'replied')).toEqual([]);
  });
});
