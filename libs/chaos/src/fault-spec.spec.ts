import { faultSpecSchema } from './fault-spec';

function issues(input: unknown): string[] {
  const result = faultSpecSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => issue.path.join('.') || '(root)');
}

describe('fault spec validation', () => {
  describe('valid specs', () => {
    it.each([
      [{ type: 'latency', ms: 200 }],
      [
        {
          type: 'latency',
          ms: 200,
          jitterMs: 50,
          distribution: 'exponential',
          target: 'dependency:provider',
          durationMs: 30000,
        },
      ],
      [{ type: 'error', rate: 1, status: 503, target: 'route:/v1/weather', durationMs: 20000 }],
      [{ type: 'hang', target: 'route:/v1/messages' }],
      [{ type: 'cpu', percent: 50 }],
      [{ type: 'memory', mb: 64 }],
      [{ type: 'pause-consumer', target: 'topic:jeeves.actions.v1' }],
      [{ type: 'pause-consumer' }],
      [{ type: 'produce-failure', rate: 0.5 }],
      [{ type: 'crash' }],
    ])('%j', (input) => {
      expect(issues(input)).toEqual([]);
    });

    it('fills defaults: error 503 at rate 1, uniform latency without jitter', () => {
      expect(faultSpecSchema.parse({ type: 'error' })).toEqual({ type: 'error', rate: 1, status: 503 });
      expect(faultSpecSchema.parse({ type: 'latency', ms: 5 })).toEqual({
        type: 'latency',
        ms: 5,
        jitterMs: 0,
        distribution: 'uniform',
      });
    });
  });

  describe('invalid specs name the bad field', () => {
    it.each([
      ['unknown type', { type: 'meteor' }, 'type'],
      ['latency without ms', { type: 'latency' }, 'ms'],
      ['negative latency', { type: 'latency', ms: -1 }, 'ms'],
      ['unknown distribution', { type: 'latency', ms: 1, distribution: 'pareto' }, 'distribution'],
      ['rate above 1', { type: 'error', rate: 1.5 }, 'rate'],
      ['a 200 "error"', { type: 'error', status: 200 }, 'status'],
      ['cpu at 100%', { type: 'cpu', percent: 100 }, 'percent'],
      ['a duration of zero', { type: 'hang', durationMs: 0 }, 'durationMs'],
      ['a target of no known kind', { type: 'hang', target: 'host:db' }, 'target'],
      ['a route without slash', { type: 'error', target: 'route:v1' }, 'target'],
      ['a topic target on a route fault', { type: 'latency', ms: 1, target: 'topic:jeeves.actions.v1' }, 'target'],
      ['a target on a whole-process fault', { type: 'cpu', percent: 10, target: 'route:/x' }, 'target'],
      ['an unknown topic', { type: 'pause-consumer', target: 'topic:nope' }, 'target'],
      ['an unknown field', { type: 'crash', please: true }, '(root)'],
    ])('%s', (_name, input, field) => {
      expect(issues(input)).toContain(field);
    });
  });
});
