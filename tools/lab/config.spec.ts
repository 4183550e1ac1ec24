import { brokersOf, LabConfigError, loadLabConfig } from './config';

describe('loadLabConfig', () => {
  it('defaults to the default lab on the standard ports', () => {
    const config = loadLabConfig({ HOME: '/home/x' });
    expect(config.stateDir.endsWith('/.lab/default')).toBe(true);
    expect([config.portOffset, config.kafkaPort, config.kafkaControllerPort, config.prometheusPort]).toEqual([
      0, 9092, 9093, 9090,
    ]);
    expect(brokersOf(config)).toBe('127.0.0.1:9092');
  });

  it('shifts the Prometheus default with the port offset, not an explicit port', () => {
    expect(loadLabConfig({ LAB_PORT_OFFSET: '100' }).prometheusPort).toBe(9190);
    expect(loadLabConfig({ LAB_PORT_OFFSET: '100', PROMETHEUS_PORT: '9999' }).prometheusPort).toBe(9999);
  });

  it('uses KAFKA_BROKERS as an external cluster', () => {
    expect(brokersOf(loadLabConfig({ KAFKA_BROKERS: '10.0.0.1:9092' }))).toBe('10.0.0.1:9092');
  });

  it('reports every bad variable at once', () => {
    expect(() => loadLabConfig({ LAB_PORT_OFFSET: 'x', KAFKA_PORT: '70000' })).toThrow(LabConfigError);
    expect(() => loadLabConfig({ LAB_PORT_OFFSET: 'x', KAFKA_PORT: '70000' })).toThrow(
      /LAB_PORT_OFFSET=x[\s\S]*KAFKA_PORT=70000/,
    );
  });
});
