import { loadLabConfig } from '../config';
import { kafkaPaths, serverProperties } from './config';

describe('KRaft server.properties', () => {
  const config = loadLabConfig({ LAB_STATE_DIR: '/tmp/some-lab', KAFKA_PORT: '19092', KAFKA_CONTROLLER_PORT: '19093' });
  const props = new Map(
    serverProperties(config, kafkaPaths(config))
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );

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
