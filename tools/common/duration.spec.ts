import { DurationError, parseDuration } from './duration';

describe('parseDuration', () => {
  it.each([
    ['30s', 30],
    ['1500ms', 1.5],
    ['2m', 120],
    ['1h', 3600],
    ['1m30s', 90],
    ['45', 45],
  ])('%s → %d s', (text, seconds) => expect(parseDuration(text).seconds).toBe(seconds));

  it.each(['', 'soon', '30x', '1m junk'])('rejects "%s"', (text) =>
    expect(() => parseDuration(text)).toThrow(/not a duration/),
  );

  it.each([
    ['500ms', 500],
    ['1.5s', 1500],
    ['0.25', 250],
    [' 2m ', 120_000],
    ['1h1m1s1ms', 3_661_001],
  ])('%s → %d ms', (text, ms) => expect(parseDuration(text).ms).toBe(ms));

  it.each([
    ['', '"" is not a duration: it is empty'],
    ['30', undefined],
    ['30x', '"30x" is not a duration: "x" after 30 is not a unit (ms, s, m or h)'],
    ['5sec', '"5sec" is not a duration: "sec" after 5 is not a unit (ms, s, m or h)'],
    ['1m30', '"1m30" is not a duration: 30 has no unit (ms, s, m or h)'],
    ['-5s', '"-5s" is not a duration: a duration cannot be negative'],
    ['1m junk', '"1m junk" is not a duration: " junk" at character 3 is not a number with a unit'],
    ['soon', '"soon" is not a duration: "soon" at character 1 is not a number with a unit'],
  ])('says what is wrong with "%s"', (text, message) => {
    if (message === undefined) return expect(parseDuration(text).seconds).toBe(30);
    let thrown: unknown;
    try {
      parseDuration(text);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DurationError);
    expect(thrown).toMatchObject({ code: 'EDURATION', name: 'DurationError' });
    expect((thrown as Error).message).toBe(`${message}; use e.g. 500ms, 30s, 2m, 1h or 1m30s`);
  });
});
