import { FAULT_TYPES, faultSpecSchema } from '#libs/chaos';
import { faultForms } from './fault-form';

/** The spec the page would post for a form filled with each parameter's default, else its minimum. */
function filledSpec(form: ReturnType<typeof faultForms>['forms'][number]): Record<string, unknown> {
  const spec: Record<string, unknown> = { type: form.type, durationMs: form.durationMs.defaultValue };
  for (const p of form.params) {
    const value = p.defaultValue ?? (p.kind === 'choice' ? p.choices?.[0] : p.min);
    if (value !== undefined) spec[p.name] = value;
  }
  return spec;
}

describe('faultForms (from the chaos API schema)', () => {
  const { forms, topics } = faultForms();

  it('has one form per fault type, in the chaos API order', () => {
    expect(forms.map((f) => f.type)).toEqual([...FAULT_TYPES]);
  });

  it('draws every required parameter with its bounds', () => {
    const latency = forms.find((f) => f.type === 'latency');
    expect(latency?.params.find((p) => p.name === 'ms')).toEqual({
      name: 'ms',
      kind: 'integer',
      required: true,
      min: 0,
      max: 60_000,
    });
    expect(latency?.params.find((p) => p.name === 'distribution')).toMatchObject({
      kind: 'choice',
      choices: ['uniform', 'normal', 'exponential'],
    });
    expect(forms.find((f) => f.type === 'cpu')?.params).toEqual([
      { name: 'percent', kind: 'integer', required: true, min: 1, max: 95 },
    ]);
  });

  it('fills into a spec the chaos API accepts, for every type and every target kind it allows', () => {
    for (const form of forms) {
      expect(faultSpecSchema.safeParse(filledSpec(form)).success).toBe(true);
      for (const kind of form.targets) {
        const target =
          kind === 'topic' ? `topic:${topics[0]}` : kind === 'route' ? 'route:/v1/weather' : 'dependency:provider';
        expect(faultSpecSchema.safeParse({ ...filledSpec(form), target }).success).toBe(true);
      }
    }
  });
});
