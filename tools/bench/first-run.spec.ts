import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrapSeconds, dirBytes } from './first-run';

describe('first-run bench', () => {
  it("counts the bootstrap until the first line that is the lab's own", () => {
    const lines = [
      { atSeconds: 0.2, line: 'bootstrap: installing dependencies (npm ci)' },
      { atSeconds: 61, line: 'added 812 packages in 1m' },
      { atSeconds: 62, line: 'bootstrap: compiling apps libs -> dist (swc)' },
      { atSeconds: 70.5, line: 'kafka: fetching Kafka 4.1.1 jars with Maven' },
      { atSeconds: 90, line: 'Lab up in 20.0 s' },
    ];
    expect(bootstrapSeconds(lines, 91)).toBe(70.5);
    expect(bootstrapSeconds(lines.slice(0, 3), 64)).toBe(64);
  });

  it('sums the bytes of the files under a folder, not following symlinks', () => {
    const dir = mkdtempSync(join(tmpdir(), 'first-run-spec-'));
    try {
      mkdirSync(join(dir, 'a'));
      writeFileSync(join(dir, 'a', 'one'), Buffer.alloc(1000));
      writeFileSync(join(dir, 'two'), Buffer.alloc(24));
      symlinkSync(join(dir, 'a'), join(dir, 'loop'));
      expect(dirBytes(dir)).toBe(1024);
      expect(dirBytes(join(dir, 'absent'))).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
