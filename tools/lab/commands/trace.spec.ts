import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoredSpan } from '../../otlp-sink';
import type { CommandIo } from '../command';
import { writePidFile } from '..';
import { command } from './trace';

const TRACE_ID = '51d4181b62e29c250eda747bd123737a';

function span(spanId: string, parentSpanId: string | null, service: string, name: string): StoredSpan {
  return {
    traceId: TRACE_ID,
    spanId,
    parentSpanId,
    name,
    kind: 2,
    service,
    startTimeUnixNano: '1000000000',
    endTimeUnixNano: '1005000000',
    attributes: {},
    statusCode: 0,
    links: [],
  };
}

describe('lab trace', () => {
  let stateDir: string;
  let out: string[];
  let logged: string[];
  const io = (): CommandIo => ({
    out: (text) => out.push(text),
    log: (line) => logged.push(line),
    env: { LAB_STATE_DIR: stateDir },
  });
  const run = (...args: string[]) =>
    command.run(
      {
        positional: args.filter((a) => !a.startsWith('--')),
        flags: new Map(args.includes('--json') ? [['json', true]] : []),
      },
      io(),
    );

  beforeEach(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'lab-trace-'));
    out = [];
    logged = [];
    mkdirSync(join(stateDir, 'traces'));
    const lab = { stateDir, portOffset: 0, topicPrefix: '', kafkaTransport: 'hardened', brokers: '127.0.0.1:9092' };
    writeFileSync(
      join(stateDir, 'lab.json'),
      JSON.stringify({ ...lab, kafkaMode: 'started', kafkaPort: 9092, prometheusPort: 9090, apps: {}, startedAt: '' }),
    );
    const spans = [
      span('00000000000000a1', null, 'gateway', 'POST /v1/messages'),
      span('00000000000000b2', '00000000000000a1', 'bot', 'process jeeves.messages.v1'),
    ];
    writeFileSync(join(stateDir, 'traces', 'spans.jsonl'), spans.map((s) => JSON.stringify(s)).join('\n') + '\n');
  });

  afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

  it("prints the tree alone when the lab's Zipkin does not run", async () => {
    await run(TRACE_ID);
    expect(out.join('\n')).toContain(`trace ${TRACE_ID} (2 spans)`);
    expect(out.join('\n')).not.toContain('zipkin');
  });

  it("prints the trace's Zipkin page after the tree when Zipkin runs", async () => {
    // This very process stands in for Zipkin: alive, and its command line holds the marker.
    writePidFile(join(stateDir, 'pids', 'zipkin.pid'), { pid: process.pid, marker: 'node', startedAt: '', port: 9611 });
    await run(TRACE_ID);
    const lines = out.join('\n').split('\n');
    expect(lines[0]).toBe(`trace ${TRACE_ID} (2 spans)`);
    expect(lines.at(-1)).toBe(`zipkin: http://127.0.0.1:9611/zipkin/traces/${TRACE_ID}`);
  });

  it('keeps stdout pure JSON with --json: the link goes to stderr', async () => {
    writePidFile(join(stateDir, 'pids', 'zipkin.pid'), { pid: process.pid, marker: 'node', startedAt: '', port: 9611 });
    await run(TRACE_ID, '--json');
    expect(JSON.parse(out.join('\n'))).toHaveLength(2);
    expect(logged).toEqual([`zipkin: http://127.0.0.1:9611/zipkin/traces/${TRACE_ID}`]);
  });
});
