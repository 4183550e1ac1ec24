import { type DeadLetter, deadLetterTable, replayHeaders } from './dlq';

describe('lab dlq', () => {
  it('replays with the original headers, without the x-dlq-* provenance', () => {
    expect({
      ...replayHeaders({
        traceparent: '00-abc-def-01',
        'x-dlq-source-topic': 'jeeves.actions.v1',
        'X-DLQ-Reason': 'retries-exhausted',
        'x-custom': Buffer.from('kept'),
      }),
    }).toEqual({ traceparent: Buffer.from('00-abc-def-01'), 'x-custom': Buffer.from('kept') });
  });

  it('replays null and repeated header values as they are', () => {
    const binary = Buffer.from([0xff, 0x80]);
    expect({ ...replayHeaders({ traceparent: null, dup: [binary, null] }) }).toEqual({
      traceparent: null,
      dup: [binary, null],
    });
  });

  it('shows what a producer wrote (content-type, envelope id, errors quoting them) as one bounded, printable line', () => {
    const escape = '\u001b[2J\u001b]0;owned\u0007';
    const contentType = `text/x${escape}\r\nDLQ ID  forged row${'x'.repeat(10_000)}`;
    const letter: DeadLetter = {
      id: '0:7',
      partition: 0,
      offset: '7',
      sourceTopic: 'jeeves.messages.v1',
      sourcePartition: '0',
      sourceOffset: '41',
      reason: 'unknown-content-type',
      error: `content-type "${contentType.slice(0, 100)}" names no payload format`,
      attempts: '1',
      consumerGroup: 'jeeves.bot',
      deadLetteredAt: '2026-12-01T01:00:00.000Z',
      truncated: '',
      messageId: `id\n${escape}`,
      contentType,
      key: null,
      keyBytes: null,
      value: Buffer.from('x'),
      headers: {},
    };
    const lines = deadLetterTable([letter]).split('\n');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(lines[1]!.length).toBeLessThan(400);
    expect(lines[1]).toContain('text/x\\u001b[2J');
  });
});
