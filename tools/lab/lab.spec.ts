import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { leadersByNode, openLab, type LabDescription } from './lab';

describe('openLab', () => {
  let stateDir: string;
  beforeEach(() => (stateDir = mkdtempSync(join(tmpdir(), 'lab-open-'))));
  afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

  it("acts on the cluster as `up` started it: ports, broker count and min.insync.replicas from lab.json, not this shell's", () => {
    const saved: Partial<LabDescription> = {
      stateDir,
      portOffset: 700,
      topicPrefix: 'c3',
      kafkaTransport: 'hardened',
      brokers: '127.0.0.1:9792,127.0.0.1:9802,127.0.0.1:9812',
      kafkaMode: 'started',
      kafkaPort: 9792,
      kafkaControllerPort: 9793,
      brokerCount: 3,
      minInsyncReplicas: 2,
      prometheusPort: 9790,
    };
    writeFileSync(join(stateDir, 'lab.json'), JSON.stringify(saved));
    // A later command run with nothing but the state dir set (a restart of broker-2, say).
    const config = openLab({ LAB_STATE_DIR: stateDir });
    expect([config.kafkaPort, config.kafkaControllerPort, config.brokerCount, config.minInsyncReplicas]).toEqual([
      9792, 9793, 3, 2,
    ]);
  });

  it("takes the broker count and min.insync.replicas from lab.json, whatever this shell's LAB_BROKERS and LAB_MIN_INSYNC_REPLICAS say", () => {
    const saved = {
      stateDir,
      portOffset: 0,
      topicPrefix: '',
      kafkaMode: 'started',
      kafkaPort: 9092,
      prometheusPort: 9090,
    };
    writeFileSync(join(stateDir, 'lab.json'), JSON.stringify({ ...saved, brokerCount: 3, minInsyncReplicas: 2 }));
    // 3 would be refused on one broker, and is no reason to refuse `status` on three.
    const cluster = openLab({ LAB_STATE_DIR: stateDir, LAB_BROKERS: '1', LAB_MIN_INSYNC_REPLICAS: '3' });
    expect([cluster.brokerCount, cluster.minInsyncReplicas]).toEqual([3, 2]);
    writeFileSync(join(stateDir, 'lab.json'), JSON.stringify(saved));
    const single = openLab({ LAB_STATE_DIR: stateDir, LAB_BROKERS: '3', LAB_MIN_INSYNC_REPLICAS: '2' });
    expect([single.brokerCount, single.minInsyncReplicas]).toEqual([1, 1]);
  });

  it('reads a lab.json from before clusters as one broker with the controller port of the environment', () => {
    writeFileSync(
      join(stateDir, 'lab.json'),
      JSON.stringify({
        stateDir,
        portOffset: 0,
        topicPrefix: '',
        kafkaMode: 'started',
        kafkaPort: 9092,
        prometheusPort: 9090,
      }),
    );
    const config = openLab({ LAB_STATE_DIR: stateDir, KAFKA_CONTROLLER_PORT: '19093' });
    expect([config.brokerCount, config.minInsyncReplicas, config.kafkaControllerPort]).toEqual([1, 1, 19093]);
  });
});

describe('leadersByNode', () => {
  it('groups the partitions each node leads per topic, leaderless ones under −1', () => {
    const p = (topic: string, partition: number, leader: number) => ({
      topic,
      partition,
      leader,
      replicas: [1, 2, 3],
      isr: [1, 2, 3],
    });
    const byNode = leadersByNode([p('m', 0, 1), p('m', 1, 2), p('m', 2, 1), p('a', 0, 1), p('a', 1, -1)]);
    expect(byNode.get(1)).toEqual({ m: [0, 2], a: [0] });
    expect(byNode.get(2)).toEqual({ m: [1] });
    expect(byNode.get(-1)).toEqual({ a: [1] });
    expect(byNode.get(3)).toBeUndefined();
  });
});
