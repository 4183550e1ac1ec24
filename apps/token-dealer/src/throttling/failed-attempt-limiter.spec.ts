import { type Admission, FailedAttemptLimiter, type FailedAttemptLimiterOptions } from './failed-attempt-limiter';
import { FailureBuckets } from './failure-buckets';
import { sourceKey } from './source-address';

function limiter(overrides: Partial<FailedAttemptLimiterOptions> = {}) {
  let nowMs = 1_000_000;
  const subject = new FailedAttemptLimiter({
    clientSource: { burst: 3, perMinute: 6 },
    source: { burst: 5, perMinute: 6 },
    client: { burst: 4, perMinute: 6 },
    untrusted: { burst: 100, perMinute: 60 },
    trustTtlMs: 3_600_000,
    maxKeys: 1000,
    now: () => nowMs,
    ...overrides,
  });
  return { subject, advance: (ms: number) => (nowMs += ms) };
}

/** Admits and fails one attempt; returns the admission (refused ones are not settled). */
function fail(subject: FailedAttemptLimiter, clientId: string, address: string): Admission {
  const admission = subject.admit(clientId, address);
  if (admission.kind === 'admitted') admission.permit.failed();
  return admission;
}

function succeed(subject: FailedAttemptLimiter, clientId: string, address: string): void {
  const admission = subject.admit(clientId, address);
  if (admission.kind !== 'admitted') throw new Error(`refused by ${admission.limit}`);
  admission.permit.succeeded();
}

describe('FailedAttemptLimiter', () => {
  it('refuses one source guessing one client once its pair budget is spent, until a failure refills', () => {
    const { subject, advance } = limiter();
    for (let i = 0; i < 3; i++) expect(fail(subject, 'demo', '10.0.0.9').kind).toBe('admitted');
    expect(subject.admit('demo', '10.0.0.9')).toEqual({
      kind: 'refused',
      limit: 'client_source',
      retryAfterSeconds: 10,
    });
    advance(9_000);
    expect(subject.admit('demo', '10.0.0.9')).toMatchObject({ kind: 'refused', retryAfterSeconds: 1 });
    advance(1_000);
    expect(fail(subject, 'demo', '10.0.0.9').kind).toBe('admitted');
  });

  it('refuses one source spraying many client ids by its source budget', () => {
    const { subject } = limiter();
    for (let i = 0; i < 5; i++) expect(fail(subject, `id-${i}`, '10.0.0.9').kind).toBe('admitted');
    expect(subject.admit('id-99', '10.0.0.9')).toMatchObject({ kind: 'refused', limit: 'source' });
    // Another source is not affected.
    expect(subject.admit('id-99', '10.0.0.10').kind).toBe('admitted');
  });

  it('refuses many sources guessing one client by the client budget, but not a source the client succeeded from', () => {
    const { subject } = limiter();
    succeed(subject, 'demo', '192.0.2.1');
    for (let i = 0; i < 4; i++) expect(fail(subject, 'demo', `10.0.1.${i}`).kind).toBe('admitted');
    expect(subject.admit('demo', '10.0.1.200')).toMatchObject({ kind: 'refused', limit: 'client' });
    // The good client's own source is trusted: the guessers cannot lock it out.
    succeed(subject, 'demo', '192.0.2.1');
    expect(subject.admit('demo', '192.0.2.1').kind).toBe('admitted');
  });

  it('refuses guessers spread over many sources and made-up ids by the untrusted budget, not a trusted pair', () => {
    const { subject } = limiter({ untrusted: { burst: 6, perMinute: 60 } });
    succeed(subject, 'demo', '192.0.2.1');
    for (let i = 0; i < 6; i++) expect(fail(subject, `made-up-${i}`, `10.0.3.${i}`).kind).toBe('admitted');
    expect(subject.admit('made-up-9', '10.0.3.99')).toEqual({
      kind: 'refused',
      limit: 'untrusted',
      retryAfterSeconds: 1,
    });
    // A new source of a real client waits too (the documented price) ...
    expect(subject.admit('demo', '198.51.100.7')).toMatchObject({ limit: 'untrusted' });
    // ... but where the client authenticated from, it does not.
    expect(subject.admit('demo', '192.0.2.1').kind).toBe('admitted');
  });

  it('a trusted source still spends its own pair budget (a guesser behind the same address)', () => {
    const { subject } = limiter();
    succeed(subject, 'demo', '192.0.2.1');
    for (let i = 0; i < 3; i++) expect(fail(subject, 'demo', '192.0.2.1').kind).toBe('admitted');
    expect(subject.admit('demo', '192.0.2.1')).toMatchObject({ kind: 'refused', limit: 'client_source' });
  });

  it('trust expires', () => {
    const { subject, advance } = limiter({ trustTtlMs: 60_000 });
    succeed(subject, 'demo', '192.0.2.1');
    for (let i = 0; i < 4; i++) fail(subject, 'demo', `10.0.1.${i}`);
    advance(60_001);
    // Past the TTL the client budget applies to it again; it has refilled by 6 in that minute.
    for (let i = 0; i < 4; i++) fail(subject, 'demo', `10.0.2.${i}`);
    expect(subject.admit('demo', '192.0.2.1')).toMatchObject({ kind: 'refused', limit: 'client' });
  });

  it('reserves before the check: concurrent attempts cannot all slip through before the first fails', () => {
    const { subject } = limiter();
    const admissions = Array.from({ length: 10 }, () => subject.admit('demo', '10.0.0.9'));
    expect(admissions.filter((a) => a.kind === 'admitted')).toHaveLength(3);
  });

  it('gives the budget back when the secret was right', () => {
    const { subject } = limiter();
    fail(subject, 'demo', '10.0.0.9');
    fail(subject, 'demo', '10.0.0.9');
    succeed(subject, 'demo', '10.0.0.9');
    // Two failures spent, the success refunded: one left.
    expect(fail(subject, 'demo', '10.0.0.9').kind).toBe('admitted');
    expect(subject.admit('demo', '10.0.0.9').kind).toBe('refused');
  });

  it('counts an IPv6 /64 as one source and an IPv4-mapped address as its IPv4 address', () => {
    const { subject } = limiter();
    for (let i = 1; i <= 5; i++) fail(subject, `id-${i}`, `2001:db8:1:2::${i.toString(16)}`);
    expect(subject.admit('id-9', '2001:db8:1:2:ffff:ffff:ffff:ffff')).toMatchObject({ limit: 'source' });
    expect(subject.admit('id-9', '2001:db8:1:3::1').kind).toBe('admitted');
    for (let i = 1; i <= 5; i++) fail(subject, `other-${i}`, '::ffff:10.9.9.9');
    expect(subject.admit('other-9', '10.9.9.9')).toMatchObject({ limit: 'source' });
  });
});

describe('sourceKey', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['::ffff:127.0.0.2', '127.0.0.2'],
    ['::1', '0:0:0:0::/64'],
    ['2001:DB8:0:1:aaaa::1', '2001:db8:0:1::/64'],
    ['2001:db8::', '2001:db8:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    [undefined, 'unknown'],
  ])('%s → %s', (address, key) => {
    expect(sourceKey(address)).toBe(key);
  });
});

describe('FailureBuckets', () => {
  it('stays within maxKeys, forgetting the least recently touched key', () => {
    const buckets = new FailureBuckets({ burst: 2, perMinute: 1 }, 3);
    for (const key of ['a', 'b', 'c', 'd']) buckets.take(key, 0);
    expect(buckets.size()).toBe(3);
    // 'a' was forgotten: it is full again.
    expect(buckets.available('a', 0)).toBe(2);
    expect(buckets.available('d', 0)).toBe(1);
  });
});
