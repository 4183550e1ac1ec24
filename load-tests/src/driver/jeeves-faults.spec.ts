import { FakeChaosApi } from '../../../tools/common/testing';
import type { FaultStep } from '../scenario';
import { clearFaults, injectFault, type JeevesTarget } from './jeeves';

const target: JeevesTarget = {
  gatewayUrl: 'http://127.0.0.1:3000',
  tokenDealerUrl: 'http://127.0.0.1:3001',
  serviceUrls: { provider: 'http://127.0.0.1:3003', worker: 'http://127.0.0.1:3005' },
  client: { id: 'c', secret: 's' },
  admin: { id: 'a', secret: 's' },
};

const step = (service: FaultStep['service']): FaultStep => ({
  atSeconds: 5,
  service,
  fault: { type: 'error', rate: 1, status: 503, target: 'route:/v1/weather', durationMs: 10_000 },
});

describe('load driver: chaos steps through the chaos API client', () => {
  it('reports the id of an injected fault', async () => {
    const chaos = new FakeChaosApi();
    const injected = await injectFault(step('provider'), 0, target, chaos);
    expect(injected).toEqual({
      index: 0,
      service: 'provider',
      atSeconds: 5,
      fault: step('provider').fault,
      status: 201,
      id: 'f1',
    });
    expect(chaos.calls).toEqual(['inject provider error']);
  });

  it('reports a refusal with its status instead of throwing', async () => {
    const chaos = new FakeChaosApi();
    chaos.refusing.add('worker');
    const injected = await injectFault(step('worker'), 1, target, chaos);
    expect(injected).toMatchObject({ index: 1, status: 503 });
    expect(injected.id).toBeUndefined();
  });

  it('refuses a service URL that is not this machine, without calling it', async () => {
    const chaos = new FakeChaosApi();
    const far = { ...target, serviceUrls: { provider: 'http://192.0.2.1:3003' } };
    const injected = await injectFault(step('provider'), 0, far, chaos);
    expect(injected.status).toBe(0);
    expect(injected.error).toMatch(/neither a loopback address nor one of this machine's/);
    expect(chaos.calls).toEqual([]);
  });

  it('clears only the faults it injected, and a failed clean-up does not throw', async () => {
    const chaos = new FakeChaosApi();
    const first = await injectFault(step('provider'), 0, target, chaos);
    chaos.refusing.add('worker');
    const refused = await injectFault(step('worker'), 1, target, chaos);
    await chaos.inject('provider', { type: 'hang' }); // someone else's fault
    // worker still refuses: its clean-up fails, quietly.
    await clearFaults([first, refused, { ...first, service: 'worker', id: 'f9' }], chaos);
    expect((await chaos.list('provider')).map((f) => f.type)).toEqual(['hang']);
    expect(chaos.calls.filter((c) => c.startsWith('clear'))).toEqual(['clear provider f1', 'clear worker f9']);
  });
});
