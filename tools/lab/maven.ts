import { spawn, spawnSync } from 'node:child_process';
import type { Log } from './log';

/** True when `mvn -v` runs: the lab fetches its jars (Kafka, Zipkin) with Maven. */
export function mavenAvailable(): boolean {
  const check = spawnSync('mvn', ['-v'], { encoding: 'utf8' });
  return !check.error && check.status === 0;
}

/**
 * Runs `mvn -B <args>` and relays one progress line per artifact or build step to `log`, each
 * prefixed `  mvn: ` (Maven's banners are noise). Resolves with Maven's exit code; rejects only
 * when `mvn` cannot be spawned.
 */
export function runMaven(args: readonly string[], log: Log): Promise<number> {
  return new Promise<number>((resolveExit, reject) => {
    const mvn = spawn('mvn', ['-B', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let buffered = '';
    const relay = (chunk: Buffer): void => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines)
        if (/Download(ed|ing)|ERROR|BUILD/.test(line)) log(`  mvn: ${line.replace(/^\[\w+\]\s*/, '')}`);
    };
    mvn.stdout.on('data', relay);
    mvn.stderr.on('data', relay);
    mvn.on('error', reject);
    mvn.on('close', (code) => resolveExit(code ?? 1));
  });
}
