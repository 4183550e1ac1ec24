import { replayHeaders } from './dlq';

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
});
