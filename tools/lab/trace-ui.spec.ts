import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadLabConfig, REPO_ROOT } from './config';
import {
  traceUiSettings,
  TraceUiError,
  ZIPKIN_JVM_FLAGS,
  ZIPKIN_MAX_SPANS,
  zipkinArgs,
  zipkinEnv,
  zipkinJar,
  zipkinPaths,
  zipkinTraceUrl,
  zipkinVersion,
} from './trace-ui';

describe('trace UI (Zipkin) settings', () => {
  it('is on by default, on 9411 plus the lab port offset', () => {
    expect(traceUiSettings({ portOffset: 0 }, {})).toEqual({ enabled: true, port: 9411 });
    expect(traceUiSettings({ portOffset: 100 }, { LAB_TRACE_UI: 'on' })).toEqual({ enabled: true, port: 9511 });
  });

  it('takes ZIPKIN_PORT as meant, without the offset', () => {
    expect(traceUiSettings({ portOffset: 100 }, { ZIPKIN_PORT: '19411' }).port).toBe(19411);
  });

  it('is off with --no-trace-ui, LAB_TRACE_UI=off or LAB_TRACING=off, and says which', () => {
    expect(traceUiSettings({ portOffset: 0 }, {}, true)).toMatchObject({ enabled: false, off: 'off (--no-trace-ui)' });
    expect(traceUiSettings({ portOffset: 0 }, { LAB_TRACE_UI: 'OFF' })).toMatchObject({
      enabled: false,
      off: 'off (LAB_TRACE_UI=off)',
    });
    expect(traceUiSettings({ portOffset: 0 }, { LAB_TRACING: 'off' })).toMatchObject({
      enabled: false,
      off: expect.stringContaining('LAB_TRACING=off'),
    });
  });

  it('names every bad variable and its accepted values at once', () => {
    const attempt = () => traceUiSettings({ portOffset: 0 }, { LAB_TRACE_UI: 'maybe', ZIPKIN_PORT: '70000' });
    expect(attempt).toThrow(TraceUiError);
    expect(attempt).toThrow(/LAB_TRACE_UI=maybe is not one of on, off[\s\S]*ZIPKIN_PORT=70000 is not an integer/);
  });
});

describe('Zipkin process', () => {
  const config = loadLabConfig({ LAB_STATE_DIR: '/tmp/some-lab', LAB_CACHE_DIR: '/tmp/some-cache' });

  it('pins its version in tools/zipkin/pom.xml and caches the exec jar under it', () => {
    const pom = readFileSync(join(REPO_ROOT, 'tools', 'zipkin', 'pom.xml'), 'utf8');
    expect(pom).toContain('<classifier>exec</classifier>');
    expect(zipkinVersion()).toBe('3.6.1');
    expect(zipkinJar(config)).toBe('/tmp/some-cache/zipkin-3.6.1/zipkin-server-3.6.1-exec.jar');
    expect(() => zipkinVersion('<project/>')).toThrow(TraceUiError);
  });

  it('keeps its pid and log with the lab under one name', () => {
    expect(zipkinPaths(config)).toEqual({
      pidFile: '/tmp/some-lab/pids/zipkin.pid',
      log: '/tmp/some-lab/logs/zipkin.log',
    });
  });

  it('runs the jar with a bounded heap, bound to loopback on its one port', () => {
    const args = zipkinArgs('/c/zipkin.jar', 9611);
    expect(args.slice(0, ZIPKIN_JVM_FLAGS.length)).toEqual(ZIPKIN_JVM_FLAGS);
    expect(args).toEqual(expect.arrayContaining(['-Xmx128m', '-XX:+UseSerialGC']));
    expect(args.slice(ZIPKIN_JVM_FLAGS.length)).toEqual([
      '-jar',
      '/c/zipkin.jar',
      '--armeria.ports[0].port=9611',
      '--armeria.ports[0].ip=127.0.0.1',
      '--armeria.ports[0].protocols[0]=http',
    ]);
  });

  it("stores spans in memory, bounded, and lets none of the caller's Zipkin variables through", () => {
    const env = zipkinEnv(
      { PATH: '/bin', HOME: '/root', KAFKA_BOOTSTRAP_SERVERS: 'k:9092', STORAGE_TYPE: 'elasticsearch' },
      9611,
    );
    expect(env).toEqual({
      PATH: '/bin',
      HOME: '/root',
      STORAGE_TYPE: 'mem',
      MEM_MAX_SPANS: String(ZIPKIN_MAX_SPANS),
      QUERY_PORT: '9611',
      SELF_TRACING_ENABLED: 'false',
    });
  });

  it('links a trace to its page in the UI', () => {
    expect(zipkinTraceUrl('http://127.0.0.1:9411', '51d4181b62e29c250eda747bd123737a')).toBe(
      'http://127.0.0.1:9411/zipkin/traces/51d4181b62e29c250eda747bd123737a',
    );
  });
});
