import { labVariable, LabConfigError, loadLabConfig } from './config';
import { appEnv, appMain, describeInstance } from './instances';
import { serverProperties } from './kafka/config';
import { exportEnv, traceSinkPort } from './traces';
import { traceUiSettings } from './trace-ui';

/** The lab's variables read where the apps start, the broker is configured and spans go: each validated once. */
describe('lab settings beyond ports and modes', () => {
  const worker = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv => {
    const config = loadLabConfig(env);
    return appEnv(config, describeInstance(config, 'worker'), { brokers: '127.0.0.1:9092' });
  };

  it('LAB_OTLP_SINK_PORT: the sink port when set, else 4318 + offset; a bad port names the variable', () => {
    expect(traceSinkPort(loadLabConfig({}))).toBe(4318);
    expect(traceSinkPort(loadLabConfig({ LAB_PORT_OFFSET: '100' }))).toBe(4418);
    expect(traceSinkPort(loadLabConfig({ LAB_PORT_OFFSET: '100', LAB_OTLP_SINK_PORT: '14318' }))).toBe(14318);
    expect(traceSinkPort(loadLabConfig({ LAB_OTLP_SINK_PORT: '' }))).toBe(4318);
    for (const bad of ['4318x', '0', '65536', '43.18'])
      expect(() => loadLabConfig({ LAB_OTLP_SINK_PORT: bad })).toThrow(
        new RegExp(
          `Bad lab settings:\\n {2}- LAB_OTLP_SINK_PORT=${bad.replace('.', '\\.')} is not an integer in \\[1, 65535\\]`,
        ),
      );
  });

  it('LAB_TRACING: on unless off (any case); another value names the variable wherever it is read', () => {
    expect(loadLabConfig({}).tracing).toBe('on');
    expect(loadLabConfig({ LAB_TRACING: 'OFF' }).tracing).toBe('off');
    expect(() => loadLabConfig({ LAB_TRACING: 'no' })).toThrow(/LAB_TRACING=no is not one of on, off/);
    expect(() => exportEnv({ sinkPort: 4318 }, { LAB_TRACING: 'false' })).toThrow(LabConfigError);
    expect(() => exportEnv({ sinkPort: 4318 }, { LAB_TRACING: 'false' })).toThrow(/LAB_TRACING=false/);
    expect(() => traceUiSettings({ portOffset: 0 }, { LAB_TRACING: 'false' })).toThrow(/LAB_TRACING=false/);
  });

  it('LAB_APP_MAIN: the template the apps start from, blank is unset', () => {
    const config = loadLabConfig({ LAB_APP_MAIN: '/stubs/{app}.js' });
    expect(config.appMainTemplate).toBe('/stubs/{app}.js');
    expect(appMain('bot', undefined, config.appMainTemplate)).toBe('/stubs/bot.js');
    expect(loadLabConfig({ LAB_APP_MAIN: ' ' }).appMainTemplate).toBeUndefined();
    expect(labVariable('LAB_APP_MAIN', { LAB_APP_MAIN: '/x/{app}.js' })).toBe('/x/{app}.js');
  });

  it('LAB_APP_KAFKA_BROKERS: the apps’ brokers when set; what is not host:port names the variable', () => {
    expect(worker({}).KAFKA_BROKERS).toBe('127.0.0.1:9092');
    expect(worker({ LAB_APP_KAFKA_BROKERS: '127.0.0.1:19092' }).KAFKA_BROKERS).toBe('127.0.0.1:19092');
    expect(worker({ LAB_APP_KAFKA_BROKERS: 'a:1,[::1]:19092' }).KAFKA_BROKERS).toBe('a:1,[::1]:19092');
    for (const bad of ['127.0.0.1', '127.0.0.1:99999', 'a:1,,b:2', 'http://a:1'])
      expect(() => loadLabConfig({ LAB_APP_KAFKA_BROKERS: bad })).toThrow(
        `LAB_APP_KAFKA_BROKERS=${bad} is not a comma list of host:port`,
      );
  });

  it('LAB_PROVIDER_URL: the apps’ PROVIDER_URL when set; what is not an http(s) URL names the variable', () => {
    expect(worker({}).PROVIDER_URL).toBe('http://127.0.0.1:3003');
    expect(worker({ LAB_PROVIDER_URL: 'http://127.0.0.1:23003' }).PROVIDER_URL).toBe('http://127.0.0.1:23003');
    expect(worker({ LAB_PROVIDER_URL: '' }).PROVIDER_URL).toBe('http://127.0.0.1:3003');
    for (const bad of ['127.0.0.1:23003', 'ftp://127.0.0.1:23003'])
      expect(() => loadLabConfig({ LAB_PROVIDER_URL: bad })).toThrow(`LAB_PROVIDER_URL=${bad} is not an http(s) URL`);
  });

  it('LAB_KAFKA_PROXY_LISTENER: 1 adds the PROXIED listener, 0 or unset does not, another value names it', () => {
    const listeners = (env: NodeJS.ProcessEnv): string | undefined => {
      const config = loadLabConfig({ LAB_STATE_DIR: '/tmp/some-lab', KAFKA_PORT: '19092', ...env });
      return /^listeners=(.*)$/m.exec(serverProperties(config))?.[1];
    };
    expect(listeners({})).toBe('PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:9093');
    expect(listeners({ LAB_KAFKA_PROXY_LISTENER: '0' })).toBe(listeners({}));
    expect(listeners({ LAB_KAFKA_PROXY_LISTENER: '1' })).toBe(
      'PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:9093,PROXIED://127.0.0.1:19094',
    );
    expect(() => loadLabConfig({ LAB_KAFKA_PROXY_LISTENER: 'yes' })).toThrow(
      /LAB_KAFKA_PROXY_LISTENER=yes is not one of 0, 1/,
    );
  });

  it('LAB_ADMIN_CLIENT_ID / _SECRET: the chaos client when set, each blank one left to the default', () => {
    expect(loadLabConfig({}).adminClient).toEqual({});
    expect(loadLabConfig({ LAB_ADMIN_CLIENT_ID: 'ops', LAB_ADMIN_CLIENT_SECRET: ' ' }).adminClient).toEqual({
      id: 'ops',
    });
  });

  it('reports every bad one of them at once', () => {
    expect(() =>
      loadLabConfig({ LAB_OTLP_SINK_PORT: 'x', LAB_PROVIDER_URL: 'nope', LAB_KAFKA_PROXY_LISTENER: '2' }),
    ).toThrow(/LAB_OTLP_SINK_PORT=x[\s\S]*LAB_PROVIDER_URL=nope[\s\S]*LAB_KAFKA_PROXY_LISTENER=2/);
  });
});
