import { delay, fullJitterDelayMs } from './backoff';

describe('fullJitterDelayMs', () => {
  const options = { baseDelayMs: 100, maxDelayMs: 1000 };

  it('grows the ceiling exponentially and caps it', () => {
    expect(fullJitterDelayMs(0, options, () => 0.999)).toBe(99);
    expect(fullJitterDelayMs(2, options, () => 0.999)).toBe(399);
    expect(fullJitterDelayMs(10, options, () => 0.999)).toBe(999);
  });

  it('draws from the whole range down to zero', () => {
    expect(fullJitterDelayMs(3, options, () => 0)).toBe(0);
  });
});

describe('delay', () => {
  it('rejects when aborted', async () => {
    const controller = new AbortController();
    const waiting = delay(10_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
  });
});
