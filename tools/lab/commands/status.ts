import { booleanFlag, type LabCommand, UsageError } from '../command';
import { openLab, readLabDescription, status } from '..';

export const command: LabCommand = {
  name: 'status',
  usage: '[--json]',
  summary:
    "each part with pid, port and readiness, and in a cluster each broker's partition leaders (--json: [{name, pid, port, ready, leads?}])",
  flags: {
    json: booleanFlag('print [{name, pid, port, ready, leads?}] as JSON (leads: {topic: [partition, …]} per broker)'),
  },
  async run({ positional, flags }, io) {
    if (positional.length > 0) throw new UsageError(`status takes no arguments (got ${positional.join(' ')})`);
    const config = openLab(io.env);
    const rows = await status(config);
    if (flags.has('json')) {
      io.out(
        JSON.stringify(
          rows.map(({ name, pid, port, ready, leads }) => ({ name, pid, port, ready, ...(leads ? { leads } : {}) })),
        ),
      );
      return;
    }
    const table = [
      ['NAME', 'PID', 'PORT', 'READY', 'URL'],
      ...rows.map((r) => [
        r.name,
        r.pid === null ? '-' : String(r.pid),
        r.port === null ? '-' : String(r.port),
        r.ready ? 'yes' : 'no',
        `${r.url ?? ''}${r.note ? `  (${r.note})` : ''}`,
      ]),
    ];
    const widths = table[0].map((_, col) => Math.max(...table.map((row) => row[col].length)));
    io.out(
      table
        .map((row) =>
          row
            .map((cell, col) => cell.padEnd(widths[col]))
            .join('  ')
            .trimEnd(),
        )
        .join('\n'),
    );
    const leaders = rows.filter((r) => r.leads !== undefined);
    if (leaders.length > 0)
      io.out(
        [
          '',
          'Partition leaders:',
          ...leaders.map(
            (r) =>
              `  ${r.name}: ${
                Object.entries(r.leads ?? {})
                  .map(([topic, partitions]) => `${topic} [${partitions.join(',')}]`)
                  .join('  ') || 'none'
              }`,
          ),
        ].join('\n'),
      );
    const saved = readLabDescription(config.stateDir);
    io.out(
      `\nstate: ${config.stateDir}${saved ? `  topic prefix: "${saved.topicPrefix}"  kafka transport: ${saved.kafkaTransport}  gateway reads: ${saved.gatewayReads ?? 'http'}` : '  (not up)'}`,
    );
  },
};
