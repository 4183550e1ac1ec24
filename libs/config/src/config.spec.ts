import { checkConfig, ConfigError, env, loadConfig } from './config';

describe('loadConfig', () => {
  it('applies defaults and coerces values', () => {
    const config = loadConfig(
      { PORT: env.port(3000), BROKERS: env.list('a:1,b:2'), ON: env.bool(false) },
      { ON: 'yes' },
    );
    expect(config).toEqual({ PORT: 3000, BROKERS: ['a:1', 'b:2'], ON: true });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('lists every bad variable with its value', () => {
    const load = () =>
      loadConfig({ PORT: env.port(3000), LEVEL: env.oneOf(['a', 'b'], 'a') }, { PORT: 'eighty', LEVEL: 'c' });
    expect(load).toThrow(ConfigError);
    try {
      load();
    } catch (error) {
      const problems = (error as ConfigError).problems;
      expect(problems).toHaveLength(2);
      expect(problems[0]).toContain('PORT="eighty"');
      expect(problems[1]).toContain('LEVEL="c"');
    }
  });
});

describe('checkConfig', () => {
  it('gives the values, or each problem with the variable, its value as given and what is wrong', () => {
    const shape = { PORT: env.port(3000), LEVEL: env.oneOf(['a', 'b'], 'a') };
    expect(checkConfig(shape, { LEVEL: 'b' })).toEqual({ config: { PORT: 3000, LEVEL: 'b' } });
    const { problems } = checkConfig(shape, { PORT: '0', LEVEL: 'c' });
    expect(problems).toEqual([
      { name: 'PORT', value: '0', message: expect.stringMatching(/>=\s*1/) },
      { name: 'LEVEL', value: 'c', message: expect.stringContaining('"a"|"b"') },
    ]);
  });
});
