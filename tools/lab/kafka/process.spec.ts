import { newClusterId, storageFormatArgs } from './process';

describe('Kafka storage format arguments', () => {
  it('never makes a cluster id that starts with "-": it draws again (one id in 64 did)', () => {
    // 0xf8: the first six bits are 62, the base64url digit '-'.
    const draws = [Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0x01)];
    const id = newClusterId(() => draws.shift()!);
    expect(Buffer.alloc(16, 0xf8).toString('base64url').startsWith('-')).toBe(true);
    expect(id).toBe(Buffer.alloc(16, 0x01).toString('base64url'));
    expect(draws).toEqual([]);
    for (let i = 0; i < 2000; i++) expect(newClusterId()).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  });

  it('passes the id in one argument, so an id an older lab wrote with a leading "-" is still a value', () => {
    const args = storageFormatArgs('-abc', '/lab/kafka/server.properties');
    expect(args).toContain('--cluster-id=-abc');
    expect(args).not.toContain('-abc');
  });
});
