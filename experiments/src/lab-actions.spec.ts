import { countPartitions, lagFromOffsets, mostLeading, partitionForKey, recordsFromOffsets } from './lab-actions';
import { buildFixture } from './fixtures';
import { decodeEnvelope } from '#libs/kafka';
import { PAYLOAD_SCHEMAS } from '#libs/contracts';

describe('partitionForKey', () => {
  it('is the Java client partitioner (murmur2 of the key, positive, modulo partitions)', () => {
    // murmur2("0") = 971027396 and murmur2("1") = -1993445489 in the Java client (Utils.murmur2);
    // toPositive keeps the low 31 bits: 971027396 % 6 = 2, 154038159 % 6 = 3.
    expect(partitionForKey('0', 6)).toBe(2);
    expect(partitionForKey('1', 6)).toBe(3);
    const spread = new Set(Array.from({ length: 50 }, (_, i) => partitionForKey(`load-user-${i}`, 6)));
    expect(spread.size).toBe(6);
    for (const p of spread) expect(p).toBeGreaterThanOrEqual(0);
  });
});

describe('recordsFromOffsets', () => {
  it("sums the partitions' end offsets: every record ever appended, whatever was deleted since", () => {
    const ends = [
      { partition: 0, offset: '7', high: '7', low: '3' },
      { partition: 1, offset: '0', high: '0', low: '0' },
      { partition: 2, offset: '12', high: '12', low: '12' },
    ];
    expect(recordsFromOffsets(ends)).toBe(19);
    expect(recordsFromOffsets([])).toBe(0);
  });
});

describe('lagFromOffsets', () => {
  const ends = [
    { partition: 0, high: '100', low: '0' },
    { partition: 1, high: '50', low: '10' },
    { partition: 2, high: '7', low: '0' },
  ];
  it('sums end minus committed over the partitions, or one partition', () => {
    const committed = [
      { partition: 0, offset: '90' },
      { partition: 1, offset: '50' },
      { partition: 2, offset: '7' },
    ];
    expect(lagFromOffsets(ends, committed)).toBe(10);
    expect(lagFromOffsets(ends, committed, 0)).toBe(10);
    expect(lagFromOffsets(ends, committed, 1)).toBe(0);
  });
  it('counts a partition the group never committed from its first offset', () => {
    expect(lagFromOffsets(ends, [{ partition: 1, offset: '-1' }], 1)).toBe(40);
    expect(lagFromOffsets(ends, [], 2)).toBe(7);
  });
  it('has no value for a partition the topic lacks', () => {
    expect(lagFromOffsets(ends, [], 9)).toBeUndefined();
  });
});

describe('fixtures', () => {
  it('reply-produced is a valid contract envelope for the key as user, with fresh ids', () => {
    const a = buildFixture('reply-produced', 'load-user-0');
    const b = buildFixture('reply-produced', 'load-user-0');
    const envelope = decodeEnvelope(Buffer.from(a), PAYLOAD_SCHEMAS);
    expect(envelope).toMatchObject({ type: 'reply.produced', data: { user: 'load-user-0', status: 'replied' } });
    expect(JSON.parse(b).id).not.toBe(envelope.id);
  });
});

describe('cluster counts from partition metadata', () => {
  const partitions = [
    { leader: 1, replicas: [1, 2, 3], isr: [1, 3] },
    { leader: 2, replicas: [2, 3, 1], isr: [2, 3, 1] },
    { leader: 2, replicas: [2, 1, 3], isr: [1, 3] },
    { leader: -1, replicas: [3, 1, 2], isr: [3] },
  ];

  it('under-replicated: an ISR smaller than the replicas', () => {
    expect(countPartitions(partitions, 'under-replicated', new Set([1, 2, 3]))).toBe(3);
  });

  it('led-by-down-broker: a leader whose process is dead, or no leader at all', () => {
    expect(countPartitions(partitions, 'led-by-down-broker', new Set([1, 3]))).toBe(3);
    expect(countPartitions(partitions, 'led-by-down-broker', new Set([1, 2, 3]))).toBe(1);
  });

  it('mostLeading: the node leading the most partitions, the lowest id on a tie, none without leaders', () => {
    expect(mostLeading(partitions)).toBe(2);
    expect(mostLeading([partitions[0], partitions[1]])).toBe(1);
    expect(mostLeading([partitions[3]])).toBeUndefined();
  });
});
