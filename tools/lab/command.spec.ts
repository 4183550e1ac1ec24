import { parseArgs } from './command';

describe('parseArgs', () => {
  it('separates flags from positional arguments', () => {
    const { positional, flags } = parseArgs(['worker', '3', '--json', '--lines=20']);
    expect(positional).toEqual(['worker', '3']);
    expect(flags.get('json')).toBe(true);
    expect(flags.get('lines')).toBe('20');
  });
});
