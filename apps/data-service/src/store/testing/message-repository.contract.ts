import { randomUUID } from 'node:crypto';
import { applyEvent, type LifecycleEvent, type MessageRecord } from '../../lifecycle/lifecycle';
import { type EventToApply, type MessageRepository, StoreClosedError } from '../message.repository';

/** How a contract run gets its store: open once per file, reopen on the same data, close at the end. */
export interface RepositoryHarness {
  open(): Promise<MessageRepository>;
  appliedMigrations(repository: MessageRepository): Promise<number[]>;
}

const T0 = Date.parse('2026-11-27T10:00:00.000Z');

function accepted(
  messageId: string,
  user: string,
  occurredAtMs = T0,
  text = 'weather in Paris',
  clientId = 'jeeves-demo',
): Extract<LifecycleEvent, { kind: 'accepted' }> {
  return { kind: 'accepted', messageId, user, text, clientId, occurredAtMs, traceId: 'c'.repeat(32) };
}
function processing(messageId: string, user: string): LifecycleEvent {
  return { kind: 'processing', messageId, user, intent: 'weather', occurredAtMs: T0 + 10 };
}
function reply(
  messageId: string,
  user: string,
  status: 'replied' | 'failed' = 'replied',
  reason: string | null = null,
): LifecycleEvent {
  return {
    kind: 'reply',
    messageId,
    user,
    intent: 'weather',
    status,
    text: status === 'replied' ? 'Sunny' : 'Sorry',
    degraded: false,
    reason,
    occurredAtMs: T0 + 20,
  };
}

function step(event: LifecycleEvent, eventKey = randomUUID(), nowMs = T0 + 1000): EventToApply {
  return {
    eventKey,
    eventType: event.kind,
    messageId: event.messageId,
    reduce: (current) => applyEvent(current, event, nowMs),
  };
}

/** The behaviour every MessageRepository must have, whatever the engine. */
export function describeRepositoryContract(name: string, harness: RepositoryHarness): void {
  describe(`${name} message repository (contract)`, () => {
    let repository: MessageRepository;

    beforeAll(async () => {
      repository = await harness.open();
    });

    afterAll(async () => {
      await repository?.close();
    });

    it('applies the migrations once, and opening again changes nothing', async () => {
      expect(await harness.appliedMigrations(repository)).toEqual([1, 2]);
      const again = await harness.open();
      try {
        expect(await harness.appliedMigrations(again)).toEqual([1, 2]);
      } finally {
        await again.close();
      }
    });

    it('creates a message from its first event and reads it back intact', async () => {
      const id = randomUUID();
      const outcome = await repository.applyOnce(step(accepted(id, 'contract-create')));
      expect(outcome.duplicate).toBe(false);
      const stored = await repository.findById(id);
      expect(stored).toEqual<MessageRecord>({
        id,
        user: 'contract-create',
        text: 'weather in Paris',
        status: 'accepted',
        intent: null,
        reply: null,
        degraded: false,
        failureReason: null,
        traceId: 'c'.repeat(32),
        acceptedAtMs: T0,
        acceptedSeen: true,
        updatedAtMs: T0 + 1000,
        completedAtMs: null,
        clientId: 'jeeves-demo',
      });
      expect(await repository.findById(randomUUID())).toBeUndefined();
    });

    it('applies a redelivered envelope once: the second is a duplicate that never reaches reduce', async () => {
      const id = randomUUID();
      const key = randomUUID();
      await repository.applyOnce(step(accepted(id, 'contract-dup'), key));
      let reduced = 0;
      const again = await repository.applyOnce({
        eventKey: key,
        eventType: 'accepted',
        messageId: id,
        reduce: (current) => {
          reduced++;
          return applyEvent(current, { ...accepted(id, 'contract-dup'), text: 'tampered' }, T0 + 5000);
        },
      });
      expect(again).toEqual({ duplicate: true });
      expect(reduced).toBe(0);
      expect((await repository.findById(id))?.text).toBe('weather in Paris');
      expect(await repository.eventsOf(id)).toEqual([
        { eventKey: key, eventType: 'accepted', processedAtMs: expect.any(Number), duplicates: 1 },
      ]);
    });

    it('lets only one of two concurrent deliveries of the same envelope through', async () => {
      const id = randomUUID();
      const key = randomUUID();
      const outcomes = await Promise.all([
        repository.applyOnce(step(reply(id, 'contract-race'), key)),
        repository.applyOnce(step(reply(id, 'contract-race'), key)),
      ]);
      expect(outcomes.filter((o) => !o.duplicate)).toHaveLength(1);
      expect((await repository.eventsOf(id))[0]?.duplicates).toBe(1);
    });

    it('keeps every event of a message when they land at once, in any order', async () => {
      const ids = Array.from({ length: 8 }, () => randomUUID());
      const events = ids.flatMap((id) => [
        reply(id, 'contract-concurrent'),
        processing(id, 'contract-concurrent'),
        accepted(id, 'contract-concurrent'),
      ]);
      const outcomes = await Promise.all(events.map((event) => repository.applyOnce(step(event))));
      expect(outcomes.every((o) => !o.duplicate)).toBe(true);
      const completions = outcomes.filter((o) => !o.duplicate && o.transition.completed).length;
      expect(completions).toBe(ids.length);
      for (const id of ids) {
        expect(await repository.findById(id)).toMatchObject({
          status: 'replied',
          text: 'weather in Paris',
          intent: 'weather',
          reply: 'Sunny',
          acceptedSeen: true,
        });
      }
    });

    it('records nothing when the step throws, so a retry can apply the event later', async () => {
      const id = randomUUID();
      const key = randomUUID();
      await expect(
        repository.applyOnce({
          eventKey: key,
          eventType: 'accepted',
          messageId: id,
          reduce: () => {
            throw new Error('boom');
          },
        }),
      ).rejects.toThrow('boom');
      expect(await repository.eventsOf(id)).toEqual([]);
      expect((await repository.applyOnce(step(accepted(id, 'contract-rollback'), key))).duplicate).toBe(false);
      expect(await repository.findById(id)).toBeDefined();
    });

    it('does not write when the step reports no change', async () => {
      const id = randomUUID();
      await repository.applyOnce(step(accepted(id, 'contract-nochange')));
      await repository.applyOnce(step(reply(id, 'contract-nochange')));
      const before = await repository.findById(id);
      const late = await repository.applyOnce(step(processing(id, 'contract-nochange'), randomUUID(), T0 + 99_000));
      expect(late.duplicate === false && late.transition.changed).toBe(false);
      expect(await repository.findById(id)).toEqual(before);
    });

    it('lists a user’s messages newest first, with a limit and a before cursor', async () => {
      const user = `contract-list-${Date.now()}`;
      const ids = Array.from({ length: 5 }, () => randomUUID());
      for (const [index, id] of ids.entries()) await repository.applyOnce(step(accepted(id, user, T0 + index * 1000)));
      await repository.applyOnce(step(accepted(randomUUID(), 'someone-else', T0 + 10_000)));
      const newest = await repository.listByUser({ user, limit: 3 });
      expect(newest.map((m) => m.id)).toEqual([ids[4], ids[3], ids[2]]);
      const older = await repository.listByUser({ user, limit: 3, beforeMs: newest[2]!.acceptedAtMs });
      expect(older.map((m) => m.id)).toEqual([ids[1], ids[0]]);
      expect(await repository.listByUser({ user: 'nobody-at-all', limit: 3 })).toEqual([]);
      const at = await repository.listByUserAt(user, T0 + 2000);
      expect(at.map((m) => m.id)).toEqual([ids[2]]);
    });

    it("lists one client's messages of a user when asked, ties included", async () => {
      const user = `contract-clients-${Date.now()}`;
      const mine = [randomUUID(), randomUUID(), randomUUID()];
      const theirs = [randomUUID(), randomUUID()];
      for (const [index, id] of mine.entries())
        await repository.applyOnce(step(accepted(id, user, T0 + index * 1000, 'mine', 'client-a')));
      for (const [index, id] of theirs.entries())
        await repository.applyOnce(step(accepted(id, user, T0 + index * 1000 + 500, 'theirs', 'client-b')));
      // Known only from a reply so far: nobody's yet, so in no client's listing.
      await repository.applyOnce(step(reply(randomUUID(), user)));

      const a = await repository.listByUser({ user, limit: 10, clientId: 'client-a' });
      expect(a.map((m) => m.id)).toEqual([mine[2], mine[1], mine[0]]);
      expect(a.every((m) => m.clientId === 'client-a')).toBe(true);
      const b = await repository.listByUser({ user, limit: 1, clientId: 'client-b', beforeMs: T0 + 1500 });
      expect(b.map((m) => m.id)).toEqual([theirs[0]]);
      expect(await repository.listByUser({ user, limit: 10 })).toHaveLength(6);
      expect((await repository.listByUserAt(user, T0 + 1000, 'client-a')).map((m) => m.id)).toEqual([mine[1]]);
      expect(await repository.listByUserAt(user, T0 + 1000, 'client-b')).toEqual([]);
    });

    it('stores text exactly as sent: every Unicode plane, combining marks, controls other than NUL', async () => {
      const text = 'é e\u0301 \u{1F600} \u{10FFFF} \u202Eabc\u202C \t\r\n \u00A0 \uFEFF 中文 ∀ \\ \' " %2E%2E';
      const id = randomUUID();
      await repository.applyOnce(step(accepted(id, 'contract-unicode', T0, text)));
      expect((await repository.findById(id))?.text).toBe(text);
    });

    it('counts messages by status and keeps a ledger since an instant', async () => {
      const before = await repository.statusCounts();
      const since = T0 + 3_600_000;
      const ledgerBefore = await repository.ledger(since);
      const [a, b, c, d] = Array.from({ length: 4 }, () => randomUUID());
      const user = 'contract-ledger';
      await repository.applyOnce(step(accepted(a!, user, since + 1)));
      await repository.applyOnce(step(accepted(b!, user, since + 2)));
      await repository.applyOnce(step(processing(b!, user)));
      const key = randomUUID();
      await repository.applyOnce(step(reply(c!, user), key));
      await repository.applyOnce(step(reply(c!, user), key));
      await repository.applyOnce(step(accepted(c!, user, since + 3)));
      await repository.applyOnce(step(accepted(d!, user, since + 4)));
      await repository.applyOnce(step(reply(d!, user, 'failed', 'provider-unavailable')));
      // Accepted long before `since`: in the counts, not in the ledger.
      await repository.applyOnce(step(accepted(randomUUID(), user, T0)));

      const after = await repository.statusCounts();
      expect(after.accepted - before.accepted).toBe(2);
      expect(after.processing - before.processing).toBe(1);
      expect(after.replied - before.replied).toBe(1);
      expect(after.failed - before.failed).toBe(1);

      const ledger = await repository.ledger(since);
      expect(ledger.accepted - ledgerBefore.accepted).toBe(4);
      expect(ledger.processing - ledgerBefore.processing).toBe(2);
      expect(ledger.replied - ledgerBefore.replied).toBe(1);
      expect(ledger.failed - ledgerBefore.failed).toBe(1);
      expect(
        ledger.failedByReason['provider-unavailable']! - (ledgerBefore.failedByReason['provider-unavailable'] ?? 0),
      ).toBe(1);
      // Duplicates are dated by when their event was first processed (now), which is after `since`.
      expect((await repository.ledger(0)).duplicatesSuppressed).toBeGreaterThanOrEqual(1);
      expect((await repository.ledger(Date.now() + 60_000)).duplicatesSuppressed).toBe(0);
    });

    it('answers pings while open, and refuses work once closed', async () => {
      const extra = await harness.open();
      expect(await extra.ping()).toBe(true);
      await extra.close();
      expect(await extra.ping()).toBe(false);
      await expect(extra.findById(randomUUID())).rejects.toBeInstanceOf(StoreClosedError);
      await expect(extra.applyOnce(step(accepted(randomUUID(), 'closed')))).rejects.toBeInstanceOf(StoreClosedError);
    });
  });
}
