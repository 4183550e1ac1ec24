import { keepPropagationHeaders, restoreKeptPropagationHeaders } from './kafka-trace-headers';

describe('kept propagation headers', () => {
  it("puts back the original's trace headers over the ones a tracing hook injected, and removes added ones", () => {
    const original = Buffer.from('00-not-a-valid-one');
    const headers: Record<string, unknown> = { traceparent: original, other: null };
    keepPropagationHeaders(headers);
    expect(Object.keys(headers)).toEqual(['traceparent', 'other']);
    headers.traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    headers.tracestate = 'vendor=x';
    restoreKeptPropagationHeaders(headers);
    expect(headers).toEqual({ traceparent: original, other: null });
  });

  it('keeps a null traceparent null, and leaves unmarked headers alone', () => {
    const headers: Record<string, unknown> = keepPropagationHeaders({ traceparent: null });
    headers.traceparent = 'injected';
    restoreKeptPropagationHeaders(headers);
    expect(headers.traceparent).toBeNull();
    const plain: Record<string, unknown> = { traceparent: 'injected' };
    restoreKeptPropagationHeaders(plain);
    restoreKeptPropagationHeaders(undefined);
    expect(plain.traceparent).toBe('injected');
  });
});
