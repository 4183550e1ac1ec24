import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOtlpSink } from './sink';
import { renderTree, spanTree, type StoredSpan } from './spans';

const request = {
  resourceSpans: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'gateway' } }] },
      scopeSpans: [
        {
          spans: [
            {
              traceId: 'a'.repeat(32),
              spanId: '1'.repeat(16),
              name: 'POST /v1/messages',
              kind: 2,
              startTimeUnixNano: '1000000',
              endTimeUnixNano: '5000000',
            },
            {
              traceId: 'a'.repeat(32),
              spanId: '2'.repeat(16),
              parentSpanId: '1'.repeat(16),
              name: 'send jeeves.messages.v1',
              kind: 4,
              startTimeUnixNano: '2000000',
              endTimeUnixNano: '3000000',
              attributes: [
                { key: 'messaging.system', value: { stringValue: 'kafka' } },
                { key: 'messaging.kafka.offset', value: { intValue: '7' } },
              ],
            },
          ],
        },
      ],
    },
  ],
};

describe('OTLP sink', () => {
  it('stores received spans as JSON lines and refuses protobuf', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sink-')), 'spans.jsonl');
    const sink = await startOtlpSink({ file });
    try {
      const ok = await fetch(`${sink.endpoint}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(request),
      });
      expect(ok.status).toBe(200);
      const proto = await fetch(`${sink.endpoint}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body: 'x',
      });
      expect(proto.status).toBe(415);
      expect(sink.spansReceived()).toBe(2);
    } finally {
      await sink.close();
    }
    const spans = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as StoredSpan);
    expect(spans[1]).toMatchObject({
      service: 'gateway',
      parentSpanId: '1'.repeat(16),
      attributes: { 'messaging.system': 'kafka', 'messaging.kafka.offset': 7 },
    });
    const tree = spanTree(spans);
    expect(tree).toHaveLength(1);
    expect(renderTree(tree)).toBe('gateway · POST /v1/messages  4.0 ms\n  gateway · send jeeves.messages.v1  1.0 ms');
  });
});
