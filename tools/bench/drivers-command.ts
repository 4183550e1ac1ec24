import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { benchDrivers } from './drivers';
import { writePerformanceSection } from './performance-doc';

export const bench = {
  summary: 'load-driver comparison (ADR 0060)',
  async run(args: readonly string[], log: (line: string) => void): Promise<number> {
    const { values } = parseArgs({
      args: [...args],
      options: {
        rates: { type: 'string', default: '500,1000,2000,4000' },
        duration: { type: 'string', default: '5' },
        out: { type: 'string' },
        'no-doc': { type: 'boolean', default: false },
      },
    });
    const report = await benchDrivers({
      rates: values.rates.split(',').map(Number),
      durationSeconds: Number(values.duration),
      stallRate: 500,
      stallMs: 1000,
      log,
    });
    process.stdout.write(report.markdown + '\n');
    if (values.out) writeFileSync(values.out, report.markdown + '\n');
    if (!values['no-doc'])
      log(
        `wrote ${writePerformanceSection('drivers', report.markdown, `npm run bench -- drivers --rates ${values.rates} --duration ${values.duration}`)}`,
      );
    return 0;
  },
};
