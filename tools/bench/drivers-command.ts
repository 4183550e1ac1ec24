import { writeFileSync } from 'node:fs';
import { benchDrivers } from './drivers';
import { defineBench } from './support';

export const bench = defineBench({
  summary: 'load-driver comparison (ADR 0060)',
  section: 'drivers',
  options: {
    rates: { type: 'string', default: '500,1000,2000,4000' },
    duration: { type: 'string', default: '5' },
    out: { type: 'string' },
  },
  async run(values, log) {
    const report = await benchDrivers({
      rates: values.rates.split(',').map(Number),
      durationSeconds: Number(values.duration),
      stallRate: 500,
      stallMs: 1000,
      log,
    });
    process.stdout.write(report.markdown + '\n');
    if (values.out) writeFileSync(values.out, report.markdown + '\n');
    return {
      markdown: report.markdown,
      reproduce: `npm run bench -- drivers --rates ${values.rates} --duration ${values.duration}`,
    };
  },
});
