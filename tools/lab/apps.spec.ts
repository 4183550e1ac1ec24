import { APPS, APP_NAMES, appPort, instanceId, MAX_INSTANCES, parseInstanceId } from './apps';

describe('app table and port scheme', () => {
  it('lists the six services with their default ports', () => {
    expect(APPS.map((a) => [a.name, a.defaultPort])).toEqual([
      ['gateway', 3000],
      ['token-dealer', 3001],
      ['data-service', 3002],
      ['provider', 3003],
      ['bot', 3004],
      ['worker', 3005],
    ]);
  });

  it('never gives two instances of one lab the same port', () => {
    for (const offset of [0, 100]) {
      const ports = APP_NAMES.flatMap((app) =>
        Array.from({ length: MAX_INSTANCES }, (_, i) => appPort(app, i + 1, offset)),
      );
      expect(new Set(ports).size).toBe(ports.length);
    }
  });

  it("keeps the test lab's base ports clear of the default lab's instances", () => {
    const defaultLab = new Set(
      APP_NAMES.flatMap((app) => Array.from({ length: MAX_INSTANCES }, (_, i) => appPort(app, i + 1, 0))),
    );
    for (const app of APP_NAMES) expect(defaultLab.has(appPort(app, 1, 100))).toBe(false);
  });

  it('round-trips instance ids', () => {
    expect(instanceId('worker', 1)).toBe('worker');
    expect(instanceId('worker', 2)).toBe('worker-2');
    expect(parseInstanceId('worker-2')).toEqual({ app: 'worker', instance: 2 });
    expect(parseInstanceId('data-service')).toEqual({ app: 'data-service', instance: 1 });
    expect(parseInstanceId('data-service-3')).toEqual({ app: 'data-service', instance: 3 });
    expect(parseInstanceId('nope-2')).toBeUndefined();
  });
});
