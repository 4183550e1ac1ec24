import { ConfigError, env, loadConfig } from './config';

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
