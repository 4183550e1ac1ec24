import { booleanFlag, type LabCommand, UsageError } from '../command';
import { describeExperiments, ExperimentError } from '../../../experiments/src';

function seconds(s: number): string {
  return `${Number(s.toFixed(1))} s`;
}

export const command: LabCommand = {
  name: 'experiments',
  usage: '[--json]',
  summary:
    'the shipped experiments: what each does, what it needs and how long it runs (--json: every definition described, full and --short)',
  flags: {
    json: booleanFlag(
      'print [{name, description, requiresBrokers?, needs, variants, full, short}] as JSON (libs/contracts experimentDescriptionSchema)',
    ),
  },
  async run({ positional, flags }, io) {
    if (positional.length > 0) throw new UsageError(`experiments takes no arguments (got ${positional.join(' ')})`);
    let described;
    try {
      described = describeExperiments();
    } catch (error) {
      // A definition that does not validate: name it, nothing else to do.
      if (error instanceof ExperimentError) throw new UsageError(error.message);
      throw error;
    }
    if (flags.has('json')) {
      io.out(JSON.stringify(described));
      return;
    }
    for (const e of described) {
      const needs = [
        e.requiresBrokers ? `${e.requiresBrokers} brokers (up --brokers ${e.requiresBrokers})` : undefined,
        e.variants.length ? `variants ${e.variants.map((v) => v.name).join(', ')}` : undefined,
      ].filter(Boolean);
      io.out(
        [
          `${e.name}: load ${seconds(e.full.load.durationSeconds)} (--short ${seconds(e.short.load.durationSeconds)})${needs.length ? `; ${needs.join('; ')}` : ''}`,
          `  ${e.description.replace(/\s+/g, ' ')}`,
          ...e.full.steps.map((s) => `  at ${seconds(s.atS)}: ${s.label}`),
        ].join('\n'),
      );
    }
  },
};
