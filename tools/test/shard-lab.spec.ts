import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BenchLab } from '../bench/bench-lab';
import { labLinks } from '../toxiproxy/server';
import {
  APP_NAMES,
  appPort,
  consolePaths,
  kafkaNodes,
  loadLabConfig,
  type LabConfig,
  REPO_ROOT,
  traceSinkPort,
  traceUiSettings,
} from '../lab';
import {
  DEFAULT_TEST_PORT_OFFSET,
  SPEC_BROKER_PORT_RANGE,
  SPEC_LAB_PORT_OFFSETS,
  type SpecLab,
  specBrokerPortRange,
  specLabPortOffset,
  testLabSettings,
  testShard,
  type TestShard,
} from './shard-lab';
import { MAX_SHARDS } from './sharding';

const ROOT = '/repo';
/** App instances per app a lab may run at once: scale-out goes to 4 workers; one more for margin. */
const INSTANCES = 5;
/** Linux's default ephemeral ports start here: a lab port at or above it may be taken by any outgoing connection. */
const EPHEMERAL_MIN = 32_768;

describe('LAB_TEST_SHARD', () => {
  it('is 1/1 when unset or blank', () => {
    expect(testShard({})).toEqual({ index: 1, count: 1 });
    expect(testShard({ LAB_TEST_SHARD: '' })).toEqual({ index: 1, count: 1 });
  });

  it('reads k/n', () => {
    expect(testShard({ LAB_TEST_SHARD: '2/3' })).toEqual({ index: 2, count: 3 });
  });

  it.each(['0/2', '3/2', '2', 'a/b', '1/0', '1/2/3'])('refuses %j, naming the variable', (raw) => {
    expect(() => testShard({ LAB_TEST_SHARD: raw })).toThrow(`LAB_TEST_SHARD=${raw} is not k/n with 1 ≤ k ≤ n`);
  });
});

describe("a shard's test lab", () => {
  it('alone: .lab/test, ports +100, KAFKA_PORT as set (the machine broker shared), the plain prefix', () => {
    expect(testLabSettings({}, ROOT)).toEqual({
      stateDir: join(ROOT, '.lab', 'test'),
      portOffset: DEFAULT_TEST_PORT_OFFSET,
      ownBroker: undefined,
      topicPrefixSuffix: '',
    });
  });

  it('in shard 2 of 2: its own state dir, ports and broker 50 above shard 1, prefix suffix s2', () => {
    expect(testLabSettings({ LAB_TEST_SHARD: '2/2' }, ROOT)).toEqual({
      stateDir: join(ROOT, '.lab', 'test-shard-2'),
      portOffset: 150,
      ownBroker: { kafkaPort: 9242, kafkaControllerPort: 9243 },
      topicPrefixSuffix: 's2',
    });
  });

  it('follows LAB_TEST_STATE_DIR and LAB_TEST_PORT_OFFSET', () => {
    const settings = testLabSettings(
      { LAB_TEST_SHARD: '1/2', LAB_TEST_STATE_DIR: '/tmp/t', LAB_TEST_PORT_OFFSET: '1000' },
      ROOT,
    );
    expect(settings).toMatchObject({ stateDir: '/tmp/t-shard-1', portOffset: 1000, ownBroker: { kafkaPort: 10_092 } });
  });
});

/**
 * Every port a lab with `config` may bind itself: each app's instances, the console, Prometheus, the
 * trace sink and Zipkin, and its broker(s) with their PROXIED listener when `withBrokers`.
 */
function labPorts(config: LabConfig, withBrokers: boolean): number[] {
  const apps = APP_NAMES.flatMap((app) =>
    Array.from({ length: INSTANCES }, (_, i) => appPort(app, i + 1, config.portOffset)),
  );
  const parts = [
    consolePaths(config).port,
    config.prometheusPort,
    traceSinkPort(config),
    traceUiSettings(config, {}).port,
  ];
  const brokers = withBrokers
    ? kafkaNodes(config).flatMap((node) => [node.port, node.controllerPort, node.port + 2])
    : [];
  return [...apps, ...parts, ...brokers];
}

/** A spec lab's config in `shard`, as the spec builds it (no other variable set). */
function specLabConfig(lab: SpecLab, shard: TestShard): { config: LabConfig; withBrokers: boolean } {
  const offset = specLabPortOffset(lab, shard);
  if (lab === 'bench') {
    // The bench derives its broker's ports from its offset.
    return { config: new BenchLab(() => undefined, { BENCH_PORT_OFFSET: String(offset) }).config, withBrokers: true };
  }
  // Their brokers are on free ports (freePort, or freeBrokerPorts in the shard's range, checked below).
  return { config: loadLabConfig({ LAB_PORT_OFFSET: String(offset) }), withBrokers: false };
}

interface Owner {
  readonly shard: number;
  readonly lab: string;
  /** A Toxiproxy proxy: it has one API port per machine, so two labs' proxies never run at once. */
  readonly toxiproxy: boolean;
}

/** Each port any lab of `count` shards may bind, with its owner; the developer's default lab as shard 0. */
function portOwners(count: number): Map<number, Owner[]> {
  const owners = new Map<number, Owner[]>();
  const claim = (port: number, shard: number, lab: string, toxiproxy = false): void => {
    const list = owners.get(port) ?? [];
    list.push({ shard, lab, toxiproxy });
    owners.set(port, list);
  };
  // Toxiproxy's proxies for a lab (a test lab's, or the developer's, may run it; specs' labs do not).
  const proxies = (config: LabConfig, shard: number, lab: string): void =>
    labLinks(config).forEach((link) => claim(Number(link.listen.split(':').pop()), shard, `${lab}'s Toxiproxy`, true));
  // The developer's own lab (ADR 0011 runs the tests beside it): offset 0, broker 9092/9093.
  const defaultLab = loadLabConfig({});
  for (const port of labPorts(defaultLab, true)) claim(port, 0, 'default lab');
  proxies(defaultLab, 0, 'default lab');
  for (let index = 1; index <= count; index++) {
    const shard = { index, count };
    const test = testLabSettings({ LAB_TEST_SHARD: `${index}/${count}` }, ROOT);
    const brokerEnv = test.ownBroker
      ? {
          KAFKA_PORT: String(test.ownBroker.kafkaPort),
          KAFKA_CONTROLLER_PORT: String(test.ownBroker.kafkaControllerPort),
        }
      : {};
    const testConfig = loadLabConfig(brokerEnv, { portOffset: test.portOffset });
    for (const port of labPorts(testConfig, test.ownBroker !== undefined)) claim(port, index, 'test lab');
    proxies(testConfig, index, 'test lab');
    for (const lab of Object.keys(SPEC_LAB_PORT_OFFSETS) as SpecLab[]) {
      const { config, withBrokers } = specLabConfig(lab, shard);
      for (const port of labPorts(config, withBrokers)) claim(port, index, lab);
    }
  }
  return owners;
}

describe.each(Array.from({ length: MAX_SHARDS }, (_, i) => i + 1))('%i shard(s) at once', (count) => {
  const owners = portOwners(count);

  it("no port is two shards' (nor a shard's and the default lab's); two Toxiproxies never run at once", () => {
    const shared = [...owners]
      .filter(([, list]) => new Set(list.map((o) => o.shard)).size > 1 && !list.every((o) => o.toxiproxy))
      .map(([port, list]) => `${port}: ${list.map((o) => `${o.lab} (shard ${o.shard})`).join(', ')}`);
    expect(shared).toEqual([]);
  });

  it('every lab port is below the ephemeral range and outside the brokers range', () => {
    const bad = [...owners.keys()].filter(
      (port) => port >= EPHEMERAL_MIN || (port >= SPEC_BROKER_PORT_RANGE.min && port < SPEC_BROKER_PORT_RANGE.max),
    );
    expect(bad).toEqual([]);
  });

  it('gives each shard its own slice of the brokers range, wide enough for a three-broker block (22 ports)', () => {
    const slices = Array.from({ length: count }, (_, i) => specBrokerPortRange({ index: i + 1, count }));
    slices.forEach((slice, i) => {
      expect(slice.max - slice.min).toBeGreaterThan(100);
      expect(slice.min).toBeGreaterThanOrEqual(SPEC_BROKER_PORT_RANGE.min);
      expect(slice.max).toBeLessThanOrEqual(SPEC_BROKER_PORT_RANGE.max);
      if (i > 0) expect(slice.min).toBeGreaterThanOrEqual(slices[i - 1].max);
    });
  });
});

describe('Toxiproxy', () => {
  it('is started by one integration spec at most: its API has one port per machine (8474), so two shards could not both run it', () => {
    const dir = join(REPO_ROOT, 'test', 'integration');
    const starters = readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.spec.ts'))
      .filter((file) => readFileSync(join(dir, file), 'utf8').includes('startToxiproxy('));
    expect(starters.length).toBeLessThanOrEqual(1);
  });
});
