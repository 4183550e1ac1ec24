import { APPS, isAppName, openLab, scale, requireRunning } from '..';
import { UsageError, type LabCommand } from '../command';

export const command: LabCommand = {
  name: 'scale',
  usage: '<app> <n>',
  summary: `run n instances of a consumer app (${APPS.filter((a) => a.scalable)
    .map((a) => a.name)
    .join(', ')}); updates Prometheus targets`,
  async run({ positional }, io) {
    const [app, n, ...extra] = positional;
    if (!app || !n || !isAppName(app) || extra.length > 0) throw new UsageError('e.g. `npm run lab -- scale worker 3`');
    const config = openLab(io.env);
    // New instances join the app's consumer group: without the broker they never get ready.
    await requireRunning(config, ['kafka']);
    const instances = await scale(config, app, Number(n), io.log);
    io.out(instances.map((i) => `${i.id.padEnd(16)} ${i.url}`).join('\n'));
  },
};
