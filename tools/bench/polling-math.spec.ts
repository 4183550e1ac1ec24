import {
  costPerPoll,
  pollHeaders,
  pollingTable,
  ratioToPlain,
  variantKey,
  type PollCost,
  type PollRound,
  type PollWindow,
} from './polling-math';

const window = (partial: Partial<PollWindow> = {}): PollWindow => ({
  polls: 1000,
  notModified: 0,
  failed: 0,
  bytesRead: 600_000,
  bytesWritten: 900_000,
  gatewayTicks: [1000, 1050],
  dataServiceTicks: [200, 220],
  ...partial,
});

const cost = (responseBytesPerPoll: number, gatewayCpuMsPerPoll: number, notModifiedShare = 0): PollCost => ({
  responseBytesPerPoll,
  requestBytesPerPoll: 900,
  gatewayCpuMsPerPoll,
  dataServiceCpuMsPerPoll: 0.2,
  notModifiedShare,
  failedShare: 0,
});

describe('polling benchmark arithmetic', () => {
  it('divides bytes and CPU ticks by the polls of the window (100 ticks a second: 1 tick = 10 ms)', () => {
    const c = costPerPoll(window({ notModified: 250 }), 100);
    expect(c.responseBytesPerPoll).toBe(600);
    expect(c.requestBytesPerPoll).toBe(900);
    expect(c.gatewayCpuMsPerPoll).toBeCloseTo(0.5);
    expect(c.dataServiceCpuMsPerPoll).toBeCloseTo(0.2);
    expect(c.notModifiedShare).toBe(0.25);
    expect(costPerPoll(window(), 1000).gatewayCpuMsPerPoll).toBeCloseTo(0.05);
  });

  it('gives NaN, not 0, for a window without polls', () => {
    const c = costPerPoll(window({ polls: 0, bytesRead: 0 }), 100);
    expect(c.responseBytesPerPoll).toBeNaN();
    expect(c.gatewayCpuMsPerPoll).toBeNaN();
  });

  it('sends If-None-Match only in its modes and only once it holds an ETag; br modes ask for br or gzip', () => {
    expect(pollHeaders('plain', '"a"')).toEqual({});
    expect(pollHeaders('if-none-match', undefined)).toEqual({});
    expect(pollHeaders('if-none-match', '"a"')).toEqual({ 'if-none-match': '"a"' });
    expect(pollHeaders('br', '"a"')).toEqual({ 'accept-encoding': 'br, gzip' });
    expect(pollHeaders('br + if-none-match', '"a.br"')).toEqual({
      'accept-encoding': 'br, gzip',
      'if-none-match': '"a.br"',
    });
  });

  it('takes ratios to the plain poll of the same body in the same round', () => {
    const round: PollRound = {
      [variantKey('short', 'plain')]: cost(600, 0.4),
      [variantKey('short', 'if-none-match')]: cost(300, 0.3, 1),
      [variantKey('long', 'plain')]: cost(2400, 0.5),
    };
    expect(ratioToPlain(round, 'short', 'if-none-match', 'responseBytesPerPoll')).toBe(0.5);
    expect(ratioToPlain(round, 'short', 'if-none-match', 'gatewayCpuMsPerPoll')).toBeCloseTo(0.75);
    expect(ratioToPlain(round, 'long', 'br', 'responseBytesPerPoll')).toBeNaN();
  });

  it('tabulates median and min–max over rounds, per variant, with the ratios taken round by round', () => {
    const rounds: PollRound[] = [
      { [variantKey('short', 'plain')]: cost(600, 0.4), [variantKey('short', 'if-none-match')]: cost(300, 0.2, 1) },
      { [variantKey('short', 'plain')]: cost(600, 0.8), [variantKey('short', 'if-none-match')]: cost(300, 0.2, 1) },
      { [variantKey('short', 'plain')]: cost(600, 0.5), [variantKey('short', 'if-none-match')]: cost(300, 0.5, 1) },
    ];
    const text = pollingTable(rounds);
    const row = text.split('\n').find((line) => line.startsWith('| short body, if-none-match |'));
    // Ratios per round: 0.5, 0.25, 1.0 → median 0.50 (0.25–1.00); CPU 0.2, 0.2, 0.5 → 0.200 (0.200–0.500).
    expect(row).toBe(
      '| short body, if-none-match | 300 (300–300) | 0.50 (0.50–0.50) | 0.200 (0.200–0.500) | 0.50 (0.25–1.00) | 0.200 (0.200–0.200) | 100 % (100 %–100 %) |',
    );
    expect(text).toContain('| long body, br | - | - | - | - | - | - |');
  });
});
