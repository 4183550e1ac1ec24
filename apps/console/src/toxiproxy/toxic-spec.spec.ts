import { TOXIC_TYPES, toxicForms, toxicSpecSchema } from './toxic-spec';

describe('toxicSpecSchema', () => {
  it('fills stream and toxicity with the defaults Toxiproxy uses', () => {
    expect(toxicSpecSchema.parse({ type: 'latency', attributes: { latency: 400, jitter: 50 } })).toEqual({
      type: 'latency',
      stream: 'downstream',
      toxicity: 1,
      attributes: { latency: 400, jitter: 50 },
    });
  });

  it.each([
    ['an unknown type', { type: 'down', attributes: {} }],
    ['an attribute of another type', { type: 'latency', attributes: { latency: 1, rate: 5 } }],
    ['a missing required attribute', { type: 'bandwidth', attributes: {} }],
    ['a negative latency', { type: 'latency', attributes: { latency: -1 } }],
    ['a latency over a minute', { type: 'latency', attributes: { latency: 60_001 } }],
    ['a fractional millisecond', { type: 'timeout', attributes: { timeout: 1.5 } }],
    ['a toxicity over 1', { type: 'timeout', toxicity: 2, attributes: { timeout: 0 } }],
    ['an unknown stream', { type: 'timeout', stream: 'both', attributes: { timeout: 0 } }],
    ['a name with a slash', { type: 'timeout', name: 'a/b', attributes: { timeout: 0 } }],
    ['an extra field', { type: 'timeout', attributes: { timeout: 0 }, upstream: '10.0.0.1:22' }],
  ])('refuses %s', (_what, toxic) => {
    expect(toxicSpecSchema.safeParse(toxic).success).toBe(false);
  });
});

describe('toxicForms', () => {
  it('offers every toxic type with its attributes, units and bounds', () => {
    const forms = toxicForms();
    expect(forms.map((f) => f.type)).toEqual(TOXIC_TYPES);
    expect(forms.find((f) => f.type === 'latency')?.attributes).toEqual([
      { name: 'latency', unit: 'ms', required: true, min: 0, max: 60_000 },
      { name: 'jitter', unit: 'ms', required: false, min: 0, max: 60_000 },
    ]);
    for (const form of forms) for (const attribute of form.attributes) expect(attribute.unit).not.toBe('');
  });
});
