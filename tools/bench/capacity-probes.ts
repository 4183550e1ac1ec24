/**
 * What the capacity benchmark reads from the running system, each read once at a step's edges,
 * never in a loop beside the load: CPU ticks from /proc, one /metrics scrape, consumer lag from
 * the broker (committed offsets against end offsets).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Admin } from 'kafkajs';
import { cpuTicksOfStat } from './capacity-math';

/** sysconf(_SC_CLK_TCK) from `getconf CLK_TCK`; Linux's 100 when getconf is missing. */
export function clockTicksPerSecond(): number {
  const out = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(out.stdout?.trim());
  return out.status === 0 && n > 0 ? n : 100;
}

/** utime + stime of each named process, in clock ticks; NaN for a process that is gone. */
export function readCpuTicks(pids: Readonly<Record<string, number>>): Record<string, number> {
  const ticks: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids)) {
    try {
      ticks[name] = cpuTicksOfStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      ticks[name] = NaN;
    }
  }
  return ticks;
}

/** One GET of a /metrics page in the classic text format (5 s timeout). */
export async function scrapeText(url: string): Promise<string> {
  const response = await fetch(url, {
    headers: { accept: 'text/plain;version=0.0.4' },
    signal: AbortSignal.timeout(5000),
  });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return response.text();
}

/**
 * Records not yet committed by `groupId` on `topics`, summed over partitions: the end offset minus
 * the committed one (a partition with no commit yet counts from its earliest offset).
 */
export async function consumerLag(admin: Admin, groupId: string, topics: readonly string[]): Promise<number> {
  const [committed, ends] = await Promise.all([
    admin.fetchOffsets({ groupId, topics: [...topics] }),
    Promise.all(topics.map(async (topic) => ({ topic, partitions: await admin.fetchTopicOffsets(topic) }))),
  ]);
  let lag = 0;
  for (const { topic, partitions } of ends) {
    const done = committed.find((c) => c.topic === topic)?.partitions ?? [];
    for (const p of partitions) {
      const c = Number(done.find((d) => d.partition === p.partition)?.offset ?? -1);
      lag += Number(p.high) - (c >= 0 ? c : Number(p.low));
    }
  }
  return lag;
}
