import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writePidFile } from '../lab/processes';
import { bootstrapSeconds, labProcesses } from './first-run';

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

  it('finds every live process of a lab by its pid files, in any folder, and skips dead ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'first-run-spec-'));
    try {
      mkdirSync(join(dir, 'pids'));
      mkdirSync(join(dir, 'traces'));
      const at = new Date().toISOString();
      writePidFile(join(dir, 'pids', 'gateway.pid'), { pid: process.pid, marker: '', startedAt: at });
      writePidFile(join(dir, 'traces', 'sink.pid'), { pid: process.pid, marker: '', startedAt: at });
      writePidFile(join(dir, 'pids', 'worker.pid'), { pid: 2 ** 22 + 1, marker: '', startedAt: at });
      expect(labProcesses(dir)).toEqual({ gateway: process.pid, sink: process.pid });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
