import { brokersOf, loadLabConfig } from '../config';
import { allKafkaPaths, isBrokerName, kafkaNodeNamed, kafkaNodes, serverProperties } from './config';

describe('KRaft server.properties', () => {
  const config = loadLabConfig({ LAB_STATE_DIR: '/tmp/some-lab', KAFKA_PORT: '19092', KAFKA_CONTROLLER_PORT: '19093' });
  const props = parse(serverProperties(config));

  it('is one combined broker+controller on loopback with a static quorum', () => {
    expect(props.get('process.roles')).toBe('broker,controller');
    expect(props.get('node.id')).toBe('1');
    expect(props.get('controller.quorum.voters')).toBe('1@127.0.0.1:19093');
    expect(props.get('listeners')).toBe('PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093');
    expect(props.get('log.dirs')).toBe('/tmp/some-lab/kafka/data');
  });

  it('creates nothing by itself and replicates nothing', () => {
    expect(props.get('auto.create.topics.enable')).toBe('false');
    expect(props.get('group.initial.rebalance.delay.ms')).toBe('0');
    expect(props.get('num.partitions')).toBe('6');
    for (const [key, value] of props) if (key.endsWith('replication.factor')) expect(value).toBe('1');
  });
});

/** server.properties as a key → value map (comments and blank lines dropped). */
function parse(text: string): Map<string, string> {
  return new Map(
    text
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

describe('a three-broker lab (LAB_BROKERS=3)', () => {
  const env = { LAB_STATE_DIR: '/tmp/some-lab', KAFKA_PORT: '19092', KAFKA_CONTROLLER_PORT: '19093', LAB_BROKERS: '3' };
  const config = loadLabConfig(env);
  const nodes = kafkaNodes(config);

  it('has three combined nodes named broker-1..3, ports ten apart, each with its own files', () => {
    expect(nodes.map((n) => [n.id, n.name, n.port, n.controllerPort])).toEqual([
      [1, 'broker-1', 19092, 19093],
      [2, 'broker-2', 19102, 19103],
      [3, 'broker-3', 19112, 19113],
    ]);
    expect(nodes.map((n) => n.paths.dataDir)).toEqual([
      '/tmp/some-lab/kafka-1/data',
      '/tmp/some-lab/kafka-2/data',
      '/tmp/some-lab/kafka-3/data',
    ]);
    expect(new Set(nodes.map((n) => n.paths.pidFile)).size).toBe(3);
    expect(brokersOf(config)).toBe('127.0.0.1:19092,127.0.0.1:19102,127.0.0.1:19112');
  });

  it('writes one static quorum of all three and each node its own id and listeners', () => {
    for (const node of nodes) {
      const props = parse(serverProperties(config, node));
      expect(props.get('process.roles')).toBe('broker,controller');
      expect(props.get('node.id')).toBe(String(node.id));
      expect(props.get('controller.quorum.voters')).toBe('1@127.0.0.1:19093,2@127.0.0.1:19103,3@127.0.0.1:19113');
      expect(props.get('listeners')).toBe(
        `PLAINTEXT://127.0.0.1:${node.port},CONTROLLER://127.0.0.1:${node.controllerPort}`,
      );
      expect(props.get('log.dirs')).toBe(node.paths.dataDir);
    }
  });

  it('replicates everything three times and wants two in sync (LAB_MIN_INSYNC_REPLICAS=1 lowers it)', () => {
    const props = parse(serverProperties(config, nodes[1]));
    for (const [key, value] of props) if (key.endsWith('replication.factor')) expect(value).toBe('3');
    for (const [key, value] of props) if (/min\.(insync\.replicas|isr)$/.test(key)) expect(value).toBe('2');
    const weak = loadLabConfig({ ...env, LAB_MIN_INSYNC_REPLICAS: '1' });
    expect(parse(serverProperties(weak, kafkaNodes(weak)[0])).get('min.insync.replicas')).toBe('1');
  });

  it('refuses two brokers, more in-sync replicas than brokers, and Toxiproxy’s listener on a cluster', () => {
    expect(() => loadLabConfig({ ...env, LAB_BROKERS: '2' })).toThrow(/LAB_BROKERS=2 is not 1 or 3/);
    expect(() => loadLabConfig({ ...env, LAB_BROKERS: '1', LAB_MIN_INSYNC_REPLICAS: '2' })).toThrow(
      /LAB_MIN_INSYNC_REPLICAS=2 is more than the 1 broker/,
    );
    expect(() => loadLabConfig({ ...env, LAB_KAFKA_PROXY_LISTENER: '1' })).toThrow(/one broker only/);
    // Broker 2's client port would be broker 1's controller port (and 19113 would appear twice).
    expect(() => loadLabConfig({ ...env, KAFKA_PORT: '19083' })).toThrow(/they must all differ/);
    expect(() => loadLabConfig({ ...env, KAFKA_PORT: '65530' })).toThrow(/at most 65535/);
    // One broker: only its own two ports, as before.
    expect(loadLabConfig({ ...env, LAB_BROKERS: '1', KAFKA_PORT: '19083' }).kafkaPort).toBe(19083);
  });

  it('names its brokers broker-N, and down/wipe know both layouts whatever LAB_BROKERS says now', () => {
    expect(kafkaNodeNamed(config, 'broker-2')?.id).toBe(2);
    expect(kafkaNodeNamed(config, 'broker-4')).toBeUndefined();
    expect(kafkaNodeNamed(loadLabConfig({ LAB_STATE_DIR: '/tmp/some-lab' }), 'kafka')?.id).toBe(1);
    expect(isBrokerName('broker-3')).toBe(true);
    expect(isBrokerName('broker-0')).toBe(false);
    const single = loadLabConfig({ LAB_STATE_DIR: '/tmp/some-lab' });
    expect(allKafkaPaths(single).map((p) => p.dir)).toEqual(allKafkaPaths(config).map((p) => p.dir));
    expect(allKafkaPaths(config).map((p) => p.dir)).toEqual(
      ['kafka', 'kafka-1', 'kafka-2', 'kafka-3'].map((d) => `/tmp/some-lab/${d}`),
    );
  });
});
