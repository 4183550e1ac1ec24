import { applyEvent, type LifecycleEvent, type MessageRecord, toMessageView } from './lifecycle';

const ID = '6f1c2a4e-8b1d-4c3e-9f00-0123456789ab';
const ACCEPTED_AT = Date.parse('2026-11-27T10:00:00.000Z');

const accepted: LifecycleEvent = {
  kind: 'accepted',
  messageId: ID,
  user: 'alice',
  text: 'weather in Paris',
  clientId: 'jeeves-demo',
  occurredAtMs: ACCEPTED_AT,
  traceId: 'a'.repeat(32),
};
const processing: LifecycleEvent = {
  kind: 'processing',
  messageId: ID,
  user: 'alice',
  intent: 'weather',
  occurredAtMs: ACCEPTED_AT + 100,
};
const replied: LifecycleEvent = {
  kind: 'reply',
  messageId: ID,
  user: 'alice',
  intent: 'weather',
  status: 'replied',
  text: 'Sunny, 21 °C',
  degraded: true,
  reason: null,
  occurredAtMs: ACCEPTED_AT + 300,
};
const failed: LifecycleEvent = {
  ...replied,
  status: 'failed',
  text: 'Sorry',
  degraded: false,
  reason: 'provider-unavailable',
};
const deadLettered: LifecycleEvent = {
  kind: 'dead-lettered',
  messageId: ID,
  user: 'alice',
  reason: 'dead-lettered: retries-exhausted',
  occurredAtMs: ACCEPTED_AT + 100,
};

interface Run {
  record: MessageRecord | undefined;
  completions: number;
  endToEnd: number[];
}

/** Applies events in order with a clock that ticks 1 s per event, starting 1 s after acceptance. */
function run(events: LifecycleEvent[]): Run {
  let record: MessageRecord | undefined;
  let completions = 0;
  const endToEnd: number[] = [];
  events.forEach((event, index) => {
    const transition = applyEvent(record, event, ACCEPTED_AT + 1000 * (index + 1));
    record = transition.next;
    if (transition.completed) completions++;
    if (transition.endToEndSeconds !== null) endToEnd.push(transition.endToEndSeconds);
  });
  return { record, completions, endToEnd };
}

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, index) =>
    permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]),
  );
}

describe('message lifecycle', () => {
  it('walks accepted → processing → replied in the happy order', () => {
    const steps = [accepted, processing, replied].map(
      (_, n) => run([accepted, processing, replied].slice(0, n + 1)).record?.status,
    );
    expect(steps).toEqual(['accepted', 'processing', 'replied']);
    const { record, completions, endToEnd } = run([accepted, processing, replied]);
    expect(record).toMatchObject({
      text: 'weather in Paris',
      intent: 'weather',
      reply: 'Sunny, 21 °C',
      degraded: true,
      failureReason: null,
      traceId: 'a'.repeat(32),
    });
    expect(completions).toBe(1);
    // Completed at the third tick (3 s after acceptance).
    expect(endToEnd).toEqual([3]);
  });

  it.each(permutations([accepted, processing, replied]).map((order) => [order.map((e) => e.kind).join(' → '), order]))(
    'ends in the same state whatever the order: %s',
    (_name, order) => {
      const { record, completions, endToEnd } = run(order as LifecycleEvent[]);
      expect(record).toMatchObject({
        status: 'replied',
        user: 'alice',
        text: 'weather in Paris',
        intent: 'weather',
        reply: 'Sunny, 21 °C',
        acceptedSeen: true,
        acceptedAtMs: ACCEPTED_AT,
        traceId: 'a'.repeat(32),
      });
      expect(completions).toBe(1);
      expect(endToEnd).toHaveLength(1);
    },
  );

  it('never moves backwards: a late processing leaves a replied message replied', () => {
    const { record } = run([accepted, replied, processing]);
    expect(record?.status).toBe('replied');
    const late = applyEvent(record, processing, ACCEPTED_AT + 10_000);
    expect(late.changed).toBe(false);
    expect(late.completed).toBe(false);
    expect(late.next.updatedAtMs).toBe(record?.updatedAtMs);
  });

  it('keeps the first final status: a reply after a dead letter does not resurrect the message', () => {
    const { record, completions } = run([accepted, deadLettered, replied]);
    expect(record).toMatchObject({ status: 'failed', failureReason: 'dead-lettered: retries-exhausted', reply: null });
    expect(completions).toBe(1);
    const other = run([accepted, replied, deadLettered, failed]);
    expect(other.record).toMatchObject({ status: 'replied', failureReason: null });
  });

  it('records the creating client from the acceptance, whatever order the events came in', () => {
    for (const order of permutations([accepted, processing, replied])) {
      expect(run(order).record?.clientId).toBe('jeeves-demo');
    }
    expect(run([processing, replied]).record?.clientId).toBeNull();
    // A second acceptance (another client replaying the id) does not change the owner.
    expect(run([accepted, { ...accepted, clientId: 'lab-admin' }]).record?.clientId).toBe('jeeves-demo');
  });

  it('takes the client from a dead-lettered acceptance only when the row has none yet', () => {
    const lettered = { ...deadLettered, clientId: 'jeeves-demo' };
    expect(run([lettered]).record).toMatchObject({ status: 'failed', clientId: 'jeeves-demo' });
    expect(run([deadLettered]).record?.clientId).toBeNull();
    expect(run([{ ...accepted, clientId: 'lab-admin' }, lettered]).record?.clientId).toBe('lab-admin');
  });

  it('records a failed reply with its reason, defaulting the reason when the worker gave none', () => {
    expect(run([accepted, failed]).record).toMatchObject({
      status: 'failed',
      reply: 'Sorry',
      failureReason: 'provider-unavailable',
    });
    expect(run([accepted, { ...failed, reason: null }]).record?.failureReason).toBe('failed');
  });

  it('creates the row from a reply that beats the acceptance, then fills it in', () => {
    const first = applyEvent(undefined, replied, ACCEPTED_AT + 500);
    expect(first.next).toMatchObject({
      status: 'replied',
      text: '',
      acceptedSeen: false,
      acceptedAtMs: replied.occurredAtMs,
      traceId: null,
    });
    expect(first.completed).toBe(true);
    // Not measured yet: the acceptance time is unknown.
    expect(first.endToEndSeconds).toBeNull();
    const second = applyEvent(first.next, accepted, ACCEPTED_AT + 900);
    expect(second.next).toMatchObject({
      status: 'replied',
      text: 'weather in Paris',
      acceptedSeen: true,
      acceptedAtMs: ACCEPTED_AT,
      traceId: 'a'.repeat(32),
    });
    expect(second.completed).toBe(false);
    // Measured from acceptance to when the reply was stored, not to when the acceptance arrived.
    expect(second.endToEndSeconds).toBe(0.5);
  });

  it('ignores a second acceptance of the same message', () => {
    const { record } = run([accepted, { ...accepted, text: 'changed', occurredAtMs: ACCEPTED_AT + 5 }]);
    expect(record).toMatchObject({ text: 'weather in Paris', acceptedAtMs: ACCEPTED_AT });
  });

  it('reports no change when the same event is applied twice', () => {
    const once = run([accepted, processing]).record;
    expect(applyEvent(once, processing, ACCEPTED_AT + 99_000).changed).toBe(false);
    expect(applyEvent(once, accepted, ACCEPTED_AT + 99_000).changed).toBe(false);
  });

  it('never measures a negative end-to-end time', () => {
    const early = applyEvent(undefined, replied, ACCEPTED_AT - 5000);
    expect(applyEvent(early.next, accepted, ACCEPTED_AT).endToEndSeconds).toBe(0);
  });

  it('renders the contract view with ISO times', () => {
    const view = toMessageView(run([accepted, processing]).record!);
    expect(view).toEqual({
      id: ID,
      user: 'alice',
      text: 'weather in Paris',
      status: 'processing',
      intent: 'weather',
      reply: null,
      degraded: false,
      failureReason: null,
      traceId: 'a'.repeat(32),
      acceptedAt: '2026-11-27T10:00:00.000Z',
      updatedAt: '2026-11-27T10:00:02.000Z',
    });
  });
});
