import { createLogger, createMetricsRegistry } from '#libs/observability';
import { Chaos } from './chaos';
import { isChaosInjected } from './errors';
import { faultSpecSchema } from './fault-spec';

function fakeKafka() {
  const calls: string[] = [];
  let guard: ((topic: string) => void) | undefined;
  const consumer = {
    pause: (topic?: string) => calls.push(`pause ${topic ?? '*'}`),
    resume: (topic?: string) => calls.push(`resume ${topic ?? '*'}`),
  };
  return {
    calls,
    send: (topic: string) => guard?.(topic),
    target: { publisher: { setGuard: (g: typeof guard) => (guard = g) }, allConsumers: () => [consumer] },
  };
}

describe('chaos effects', () => {
  let crashes: number;
  let chaos: Chaos;
  const add = (input: object) => chaos.faults.add(faultSpecSchema.parse(input));

  beforeEach(() => {
    jest.useFakeTimers();
    crashes = 0;
    chaos = new Chaos({
      registry: createMetricsRegistry({ service: 'test', defaultMetrics: false }),
      logger: createLogger({ service: 'test', level: 'silent' }),
      crash: () => crashes++,
      random: () => 0.5,
    });
  });
  afterEach(() => {
    chaos.close();
    jest.useRealTimers();
  });

  it('pauses a topic while any pause fault covers it, and resumes once the last one goes', () => {
    const kafka = fakeKafka();
    chaos.attachKafka(kafka.target);
    const a = add({ type: 'pause-consumer', target: 'topic:jeeves.actions.v1' });
    const b = add({ type: 'pause-consumer', target: 'topic:jeeves.actions.v1' });
    chaos.faults.remove(a.id);
    expect(kafka.calls).toEqual(['pause jeeves.actions.v1']);
    chaos.faults.remove(b.id);
    expect(kafka.calls).toEqual(['pause jeeves.actions.v1', 'resume jeeves.actions.v1']);
  });

  it('pauses everything for a whole-service pause, and resumes after its duration', () => {
    const kafka = fakeKafka();
    chaos.attachKafka(kafka.target);
    add({ type: 'pause-consumer', durationMs: 1000 });
    expect(kafka.calls).toEqual(['pause *']);
    jest.advanceTimersByTime(1000);
    expect(kafka.calls).toEqual(['pause *', 'resume *']);
  });

  it('fails produces at the fault rate, on its topic only', () => {
    const kafka = fakeKafka();
    chaos.attachKafka(kafka.target);
    add({ type: 'produce-failure', rate: 0.6, target: 'topic:jeeves.replies.v1' });
    let error: unknown;
    try {
      kafka.send('jeeves.replies.v1');
    } catch (e) {
      error = e;
    }
    expect(isChaosInjected(error)).toBe(true);
    expect(() => kafka.send('jeeves.actions.v1')).not.toThrow();
  });

  it('crashes shortly after the fault is added (after the 201 is on its way)', () => {
    add({ type: 'crash' });
    expect(crashes).toBe(0);
    jest.advanceTimersByTime(100);
    expect(crashes).toBe(1);
  });

  it('holds memory for a memory fault and lets it go with the fault', () => {
    const fault = add({ type: 'memory', mb: 4 });
    expect(chaos.memory.heldBytes).toBe(4 * 1024 * 1024);
    chaos.faults.remove(fault.id);
    expect(chaos.memory.heldBytes).toBe(0);
  });

  it('burns the requested share of the event loop while a cpu fault lasts', () => {
    const fault = add({ type: 'cpu', percent: 30 });
    expect(chaos.cpu.percent).toBe(30);
    add({ type: 'cpu', percent: 90 });
    expect(chaos.cpu.percent).toBe(95);
    chaos.faults.clear();
    expect(chaos.cpu.percent).toBe(0);
    expect(chaos.faults.get(fault.id)).toBeUndefined();
  });
});
