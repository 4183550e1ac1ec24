import { READ_TOPIC_PARTITIONS } from '#libs/contracts';
import { MAX_INSTANCES } from './apps';
import { appUrlHost, brokersOf, LabConfigError, loadLabConfig } from './config';
import { appEnv, describeInstance } from './instances';
import { targetGroups } from './prometheus';

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

  it('passes LOG_LEVEL to the apps only when it is a level they know, and takes blank numbers as unset', () => {
    expect(loadLabConfig({ LOG_LEVEL: 'debug' }).logLevel).toBe('debug');
    expect(loadLabConfig({ LOG_LEVEL: '' }).logLevel).toBe('info');
    expect(() => loadLabConfig({ LOG_LEVEL: 'loud' })).toThrow(
      /LOG_LEVEL=loud is not one of fatal, error, warn, info, debug, trace, silent/,
    );
    expect(loadLabConfig({ KAFKA_PORT: ' ', LAB_PORT_OFFSET: '' }).kafkaPort).toBe(9092);
  });

  it('takes an override for the variable it stands in for, and validates a mode given as one', () => {
    expect(loadLabConfig({ LAB_PORT_OFFSET: 'x' }, { portOffset: 100 }).prometheusPort).toBe(9190);
    expect(() => loadLabConfig({}, { kafkaTransport: 'grpc' })).toThrow(
      /Bad lab settings:\n {2}- KAFKA_TRANSPORT=grpc is not one of hardened, stock/,
    );
  });

  it('binds the apps to LAB_HOST (default loopback) and refuses what is not an IP address', () => {
    expect(loadLabConfig({}).bindHost).toBe('127.0.0.1');
    expect(loadLabConfig({ LAB_HOST: '0.0.0.0' }).bindHost).toBe('0.0.0.0');
    expect(() => loadLabConfig({ LAB_HOST: 'example.org' })).toThrow(/LAB_HOST=example.org is not an IP address/);
  });
});

describe('GATEWAY_READS', () => {
  it('is http unless set, reaches the apps as GATEWAY_READS, and refuses another mode', () => {
    expect(loadLabConfig({}).gatewayReads).toBe('http');
    const kafka = loadLabConfig({}, { gatewayReads: 'kafka' });
    expect(appEnv(kafka, describeInstance(kafka, 'gateway'), { brokers: 'b:9092' }).GATEWAY_READS).toBe('kafka');
    expect(loadLabConfig({ GATEWAY_READS: 'kafka' }).gatewayReads).toBe('kafka');
    expect(() => loadLabConfig({ GATEWAY_READS: 'grpc' })).toThrow(/GATEWAY_READS=grpc is not one of http, kafka/);
  });

  it('has a reply partition for every gateway instance the lab can run (ADR 0042)', () => {
    expect(READ_TOPIC_PARTITIONS).toBeGreaterThanOrEqual(MAX_INSTANCES);
  });
});

describe('LAB_HOST', () => {
  it('reaches wildcard-bound apps on loopback and others on their own address', () => {
    expect(appUrlHost('0.0.0.0')).toBe('127.0.0.1');
    expect(appUrlHost('::')).toBe('127.0.0.1');
    expect(appUrlHost('127.0.0.1')).toBe('127.0.0.1');
    expect(appUrlHost('172.17.0.1')).toBe('172.17.0.1');
    expect(appUrlHost('::1')).toBe('[::1]');
  });

  it('is every app instance HOST, and the lab reaches, scrapes and links them where they listen', () => {
    const config = loadLabConfig({ LAB_HOST: '172.17.0.1' });
    const gateway = describeInstance(config, 'gateway');
    expect(gateway.url).toBe('http://172.17.0.1:3000');
    const env = appEnv(config, describeInstance(config, 'worker'), { brokers: '127.0.0.1:9092' });
    expect(env.HOST).toBe('172.17.0.1');
    expect(env.TOKEN_DEALER_URL).toBe('http://172.17.0.1:3001');
    expect(targetGroups([gateway])[0].targets).toEqual(['172.17.0.1:3000']);
    const wildcard = loadLabConfig({ LAB_HOST: '0.0.0.0' });
    expect(appEnv(wildcard, describeInstance(wildcard, 'bot'), { brokers: 'b:9092' }).HOST).toBe('0.0.0.0');
    expect(describeInstance(wildcard, 'gateway').url).toBe('http://127.0.0.1:3000');
  });
});
