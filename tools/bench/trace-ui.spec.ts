import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadLabConfig } from '../lab';
import { labPidFiles, spread } from './trace-ui';

describe('bench trace-ui', () => {
  it('shows the median and the range of the rounds', () => {
    expect(spread([3, 1, 2], String)).toBe('2 (1–3)');
    expect(spread([4, 1, 2, 3], String)).toBe('2.5 (1–4)');
  });

  it("counts every pid file of the lab, the trace sink's included", () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'lab-'));
    try {
      mkdirSync(join(stateDir, 'pids'));
      mkdirSync(join(stateDir, 'traces'));
      for (const file of ['pids/kafka.pid', 'pids/zipkin.pid', 'pids/worker-2.pid', 'traces/sink.pid', 'pids/x.tmp'])
        writeFileSync(join(stateDir, file), '{}');
      const files = labPidFiles(loadLabConfig({ LAB_STATE_DIR: stateDir }));
      expect([...files.keys()].sort()).toEqual(['kafka', 'otlp-sink', 'worker-2', 'zipkin']);
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
