import { randomUUID } from 'node:crypto';
import { applyEvent } from '../lifecycle/lifecycle';
import { MessageQueries } from '../messages/message-queries';
import { FaultInjectingRepository, STORE_DEPENDENCY } from './fault-injecting.repository';
import { SqliteMessageRepository } from './sqlite-message.repository';

describe('FaultInjectingRepository', () => {
  it('puts dependency:store faults in front of reads and writes, but not pings', async () => {
    const inner = SqliteMessageRepository.open({ path: ':memory:', busyTimeoutMs: 100 });
    const asked: string[] = [];
    let failing = true;
    const repository = new FaultInjectingRepository(inner, async (dependency) => {
      asked.push(dependency);
      if (failing) throw new Error('chaos: injected store error');
    });
    const id = randomUUID();
    const event = {
      kind: 'accepted',
      clientId: 'jeeves-demo',
      messageId: id,
      user: 'alice',
      text: 'hi',
      occurredAtMs: 1,
      traceId: null,
    } as const;
    const step = {
      eventKey: randomUUID(),
      eventType: 'accepted',
      messageId: id,
      reduce: (current: Parameters<typeof applyEvent>[0]) => applyEvent(current, event, 2),
    };

    await expect(repository.applyOnce(step)).rejects.toThrow('injected');
    await expect(new MessageQueries(repository).message(id)).rejects.toMatchObject({
      status: 503,
      code: 'dependency-unavailable',
    });
    expect(await repository.ping()).toBe(true);
    expect(new Set(asked)).toEqual(new Set([STORE_DEPENDENCY]));

    failing = false;
    // Nothing was recorded while failing: the same envelope applies once the fault ends.
    expect((await repository.applyOnce(step)).duplicate).toBe(false);
    expect((await new MessageQueries(repository).message(id)).text).toBe('hi');
    expect(repository.engine).toBe('sqlite');
    await repository.close();
  });
});
