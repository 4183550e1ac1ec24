import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { componentPaths, liveProcess, processFiles, startRecorded, stopRecorded } from './processes';

describe('the files of a process the lab runs', () => {
  it('keeps its pid in pids/ and its output in logs/', () => {
    expect(processFiles('/lab', 'worker-2')).toEqual({
      pidFile: '/lab/pids/worker-2.pid',
      log: '/lab/logs/worker-2.log',
    });
  });

  it("puts a part's own files in its directory, its pid and log beside the others'", () => {
    expect(componentPaths('/lab', 'prometheus', { config: 'prometheus.yml', dataDir: 'data' })).toEqual({
      pidFile: '/lab/pids/prometheus.pid',
      log: '/lab/logs/prometheus.log',
      dir: '/lab/prometheus',
      config: '/lab/prometheus/prometheus.yml',
      dataDir: '/lab/prometheus/data',
    });
  });
});

describe('startRecorded and stopRecorded', () => {
  let stateDir: string;
  beforeEach(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'jeeves-processes-'));
  });
  afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

  it('records the process it starts, and stops it and forgets it', async () => {
    const files = processFiles(stateDir, 'sleeper');
    const marker = `sleeper-${process.pid}`;
    const pid = startRecorded(files, {
      command: process.execPath,
      args: ['-e', 'setTimeout(() => {}, 60_000)', marker],
      cwd: stateDir,
      env: process.env,
      marker,
      port: 1234,
    });
    expect(JSON.parse(readFileSync(files.pidFile, 'utf8'))).toMatchObject({ pid, marker, port: 1234 });
    expect(liveProcess(files.pidFile)?.pid).toBe(pid);
    const stopping: number[] = [];
    await expect(stopRecorded(files.pidFile, 5000, (p) => stopping.push(p))).resolves.toBe('terminated');
    expect(stopping).toEqual([pid]);
    expect(existsSync(files.pidFile)).toBe(false);
    expect(existsSync(files.log)).toBe(true);
    await expect(stopRecorded(files.pidFile, 5000)).resolves.toBeUndefined();
  });
});
