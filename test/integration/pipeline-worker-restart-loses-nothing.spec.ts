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
    const send = (range: number[]) =>
      inParallel(range, 8, async (i) => (await postMessage(users[i % USERS]!, texts[i]!)).id);
    const firstHalf = Array.from({ length: N / 2 }, (_, i) => i);
    const secondHalf = Array.from({ length: N / 2 }, (_, i) => i + N / 2);

    ids.push(...(await send(firstHalf)));
    // Kill only once the worker is demonstrably mid-stream: some actions answered, some not yet.
    const repliedBeforeKill = await waitFor(
      async () => {
        const replied = (await storedViews()).filter((m) => m.status === 'replied').length;
        return replied >= 10 ? replied : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100, what: 'the worker to answer some of the first messages' },
    );
    await killApp('worker');
    const secondIds = await send(secondHalf);
    ids.push(...secondIds);
    // Nobody else answers actions: with the worker dead, none of the second half can be replied yet.
    const repliedWhileDown = (await storedViews()).filter((m) => secondIds.includes(m.id) && m.status === 'replied');
    expect(repliedWhileDown).toEqual([]);
    await restartApp('worker');

    const done = await waitFor(
      async () => {
        const views = await storedViews();
        return views.length === N && views.every((m) => m.status === 'replied') ? views : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 1000, what: `all ${N} messages replied` },
    );
    expect(repliedBeforeKill).toBeGreaterThanOrEqual(10);
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
