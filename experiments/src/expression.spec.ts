import { meets, parseExpectation } from './expectation';
import { evaluateExpression, ExpressionError } from './expression';

describe('evaluateExpression', () => {
  it('computes efficiency the way the scale-out experiment writes it', () => {
    expect(
      evaluateExpression('throughputN4 / (4 * throughputN1)', { throughputN1: 3, throughputN4: 10.8 }),
    ).toBeCloseTo(0.9);
    expect(evaluateExpression('1 + 2 * 3 - -1', {})).toBe(8);
  });
  it('gives no number for missing inputs or a division by zero', () => {
    expect(evaluateExpression('a / b', { a: 1, b: 0 })).toBeUndefined();
    expect(evaluateExpression('a * 2', { a: undefined })).toBeUndefined();
  });
  it('refuses anything but arithmetic over earlier measurements', () => {
    expect(() => evaluateExpression('process.exit(1)', {})).toThrow(ExpressionError);
    expect(() => evaluateExpression('later * 2', {})).toThrow('is not an earlier measurement');
    expect(() => evaluateExpression('(1 + 2', {})).toThrow('missing )');
  });
});

describe('expectations', () => {
  it.each([
    ['< 0.01', 0.009, true],
    ['< 0.01', 0.01, false],
    ['<= 7', 7, true],
    ['>= 0.85', 0.84, false],
    ['== 1', 1, true],
    ['!= 0', 0, false],
  ])('%s with %d → %s', (text, value, ok) => {
    expect(meets(parseExpectation(text), value)).toBe(ok);
  });
  it('never passes without data', () => {
    expect(meets(parseExpectation('< 1'), undefined)).toBe(false);
    expect(meets(parseExpectation('< 1'), NaN)).toBe(false);
  });
  it('`increases` compares with the starting value', () => {
    expect(meets(parseExpectation('increases'), 5, 4)).toBe(true);
    expect(meets(parseExpectation('increases'), 4, 4)).toBe(false);
    expect(meets(parseExpectation('increases'), 5, undefined)).toBe(false);
  });
  it('rejects what it cannot read', () => {
    expect(() => parseExpectation('roughly 3')).toThrow('is not a bound');
  });
});
