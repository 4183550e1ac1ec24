import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadLabConfig, describeInstance, startInstance, stopInstance, waitInstancesReady } from '../../tools/lab';
import { lab } from './support/lab';
import { specLabOffset } from './support/settings';

/**
 * LAB_HOST is the address the apps listen on. A real app (the provider: HTTP only) started with
 * LAB_HOST=127.0.0.2 answers there, refuses on 127.0.0.1, and the lab's URL for it names 127.0.0.2:
 * the bind is the one asked for, not loopback-plus-something. (127.0.0.2 stands in for a Docker
 * bridge address: the whole 127/8 block is this machine's loopback, so no traffic leaves it.)
 */
describe('LAB_HOST', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'jeeves-lab-host-'));
  // Its own ports (offset 700 + the shard's shift) and state: the shared test lab is not touched.
  const config = loadLabConfig(
    { ...process.env, LAB_HOST: '127.0.0.2' },
    { stateDir, portOffset: specLabOffset('labHost') },
  );
  const provider = describeInstance(config, 'provider');

  afterAll(async () => {
    await stopInstance(config, provider.id);
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('makes the apps listen on that address and the lab reach them there', async () => {
    expect(provider.url).toBe(`http://127.0.0.2:${provider.port}`);
    await startInstance(config, provider, { brokers: lab().brokers });
    await waitInstancesReady(config, [provider], { timeoutMs: 60_000 });

    const there = await fetch(`http://127.0.0.2:${provider.port}/health/ready`);
    expect(there.status).toBe(200);
    const loopback = await fetch(`http://127.0.0.1:${provider.port}/health/ready`).then(
      (response) => `HTTP ${response.status}`,
      (error: Error & { cause?: { code?: string } }) => error.cause?.code ?? error.message,
    );
    expect(loopback).toBe('ECONNREFUSED');
  });
});
