import fc from 'fast-check';
import { actionSchema, INTENTS } from '#libs/contracts';
import { MAX_ARGUMENT_LENGTH, MAX_ECHO_LENGTH, parseIntent } from './intent-parser';

describe('parseIntent', () => {
  describe('weather', () => {
    it.each([
      ['weather in Paris', 'Paris'],
      ['weather Paris', 'Paris'],
      ["what's the weather in Paris?", 'Paris'],
      ['What’s the weather like in New York today?', 'New York'],
      ['WEATHER IN PARIS!!', 'PARIS'],
      ['  weather   for   Rio de Janeiro  ', 'Rio de Janeiro'],
      ['how is the weather in "Lyon"', 'Lyon'],
      ['Jeeves, what is the weather in Oslo please', 'Oslo'],
      ['weather in Saint-Étienne', 'Saint-Étienne'],
    ])('reads %j as weather in %j', (text, city) => {
      expect(parseIntent(text)).toEqual({ intent: 'weather', city });
    });
  });

  describe('time', () => {
    it.each([
      ['time in Tokyo', 'Tokyo'],
      ['what time is it in Tokyo', 'Tokyo'],
      ['What time is it in new york?', 'new york'],
      ["what's the time in Europe/Paris", 'Europe/Paris'],
      ['time Asia/Tokyo', 'Asia/Tokyo'],
      ['current time in UTC', 'UTC'],
    ])('reads %j as time in %j', (text, zone) => {
      expect(parseIntent(text)).toEqual({ intent: 'time', zone });
    });
  });

  it.each(['help', 'HELP!', '?', 'what can you do?', 'hi', '...', ''])('reads %j as help', (text) => {
    expect(parseIntent(text)).toEqual({ intent: 'help' });
  });

  it.each([
    ['echo hello world', 'hello world'],
    ['Echo: Hello, World!', 'Hello, World!'],
    ['echo weather in Paris', 'weather in Paris'],
    ['echo', ''],
  ])('reads %j as echo of %j', (text, echoed) => {
    expect(parseIntent(text)).toEqual({ intent: 'echo', text: echoed });
  });

  it.each([
    'sing me a song',
    'weather',
    'what time is it',
    'time in?',
    'echoes of the past',
    'weatherman in Paris',
    `weather in ${'x'.repeat(MAX_ARGUMENT_LENGTH + 1)}`,
  ])('reads %j as unknown', (text) => {
    expect(parseIntent(text)).toEqual({ intent: 'unknown' });
  });

  it('accepts a place of exactly the longest allowed length', () => {
    const city = 'x'.repeat(MAX_ARGUMENT_LENGTH);
    expect(parseIntent(`weather in ${city}`)).toEqual({ intent: 'weather', city });
  });

  describe('properties', () => {
    const anyText = fc.oneof(
      fc.string({ maxLength: 3000 }),
      fc.string({ unit: 'grapheme', maxLength: 300 }),
      fc
        .tuple(
          fc.constantFrom(
            'weather in ',
            'time in ',
            'echo ',
            'what time is it in ',
            "what's the weather in ",
            'help',
            '',
          ),
          fc.string({ unit: 'grapheme', maxLength: 200 }),
        )
        .map(([head, tail]) => head + tail),
    );

    it('never throws and always returns one of the known intents', () => {
      fc.assert(
        fc.property(anyText, (text) => {
          const parsed = parseIntent(text);
          expect(INTENTS).toContain(parsed.intent);
        }),
        { numRuns: 2000 },
      );
    });

    it('only emits actions the contract accepts, and echoes no more than the cap', () => {
      fc.assert(
        fc.property(anyText, (text) => {
          const parsed = parseIntent(text);
          if (parsed.intent === 'weather')
            expect(actionSchema.safeParse({ kind: 'weather', city: parsed.city }).success).toBe(true);
          if (parsed.intent === 'time')
            expect(actionSchema.safeParse({ kind: 'time', zone: parsed.zone }).success).toBe(true);
          if (parsed.intent === 'echo') expect(parsed.text.length).toBeLessThanOrEqual(MAX_ECHO_LENGTH);
        }),
        { numRuns: 2000 },
      );
    });

    it('finds the city whatever the case and surrounding spaces', () => {
      const city = fc
        .stringMatching(/^[A-Za-z][A-Za-z -]{0,30}[A-Za-z]$/)
        .filter(
          (c) =>
            !/\s{2}/.test(c) &&
            !/^(?:in|for|at|like)\b/i.test(c) &&
            !/\b(?:please|today|now|right now|at the moment)$/i.test(c),
        );
      fc.assert(
        fc.property(
          city,
          fc.constantFrom('weather in ', 'WEATHER IN ', '  Weather   in ', "what's the weather in "),
          (name, head) => {
            expect(parseIntent(`${head}${name}?`)).toEqual({ intent: 'weather', city: name });
          },
        ),
      );
    });
  });
});
