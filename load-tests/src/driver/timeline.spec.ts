import { Timeline } from './timeline';

describe('Timeline.window', () => {
  const steady = (perSecond: number, seconds: number): Timeline => {
    const timeline = new Timeline();
    for (let s = 0; s < seconds; s++) for (let i = 0; i < perSecond; i++) timeline.at(s * 1000 + i).requests++;
    return timeline;
  };

  it('reads a steady 18 req/s as 18 at a second boundary, not counting the second under way', () => {
    const timeline = steady(18, 10);
    timeline.at(10_000).requests += 3; // the current second has barely started
    const w = timeline.window(10_000, 5);
    expect(w.requests / w.seconds).toBe(18);
    expect(timeline.window(10_900, 5).requests / timeline.window(10_900, 5).seconds).toBe(18);
  });

  it('divides by the whole seconds there are early in a run', () => {
    const timeline = steady(10, 2);
    const w = timeline.window(2_000, 5);
    expect(w.seconds).toBe(2);
    expect(w.requests).toBe(20);
  });
});
