import { sdkEnv, startNodeSdk, tracingOffReason } from './tracing';

const constructed: Record<string, unknown>[] = [];
const sdkCalls: string[] = [];
let failOnStart = false;

// The real SDK patches modules for the whole process; here we only check what we hand it.
jest.mock('@opentelemetry/sdk-node', () => ({
  NodeSDK: class {
    constructor(configuration: Record<string, unknown>) {
      constructed.push(configuration);
    }
    start(): void {
      sdkCalls.push('start');
      if (failOnStart) throw new Error('boom');
    }
    async shutdown(): Promise<void> {
      sdkCalls.push('shutdown');
    }
  },
}));

describe('tracingOffReason', () => {
  const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' };

  it('is on with an OTLP endpoint, general or for traces only', () => {
    expect(tracingOffReason(endpoint)).toBeUndefined();
    expect(tracingOffReason({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' })).toBeUndefined();
  });

  it('is off without an endpoint', () => {
    expect(tracingOffReason({})).toMatch(/no OTEL_EXPORTER_OTLP_ENDPOINT/);
    expect(tracingOffReason({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' })).toMatch(/no OTEL_EXPORTER_OTLP_ENDPOINT/);
  });

  it('is off when OTEL_SDK_DISABLED is true, read as the SDK reads it', () => {
    expect(tracingOffReason({ ...endpoint, OTEL_SDK_DISABLED: 'true' })).toMatch(/OTEL_SDK_DISABLED/);
    expect(tracingOffReason({ ...endpoint, OTEL_SDK_DISABLED: ' TRUE ' })).toMatch(/OTEL_SDK_DISABLED/);
    // Anything else is false for the SDK (it warns about values other than true/false).
    expect(tracingOffReason({ ...endpoint, OTEL_SDK_DISABLED: 'false' })).toBeUndefined();
    expect(tracingOffReason({ ...endpoint, OTEL_SDK_DISABLED: 'yes' })).toBeUndefined();
  });

  it('is off when OTEL_TRACES_EXPORTER starts with none, as in the SDK', () => {
    expect(tracingOffReason({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' })).toMatch(/OTEL_TRACES_EXPORTER/);
    expect(tracingOffReason({ ...endpoint, OTEL_TRACES_EXPORTER: ' none ' })).toMatch(/OTEL_TRACES_EXPORTER/);
    expect(tracingOffReason({ ...endpoint, OTEL_TRACES_EXPORTER: 'otlp' })).toBeUndefined();
    // The SDK uses otlp when none comes after another exporter.
    expect(tracingOffReason({ ...endpoint, OTEL_TRACES_EXPORTER: 'otlp,none' })).toBeUndefined();
  });

  it('is on when a named exporter has its endpoint: otlp, zipkin (the lab trace UI), console', () => {
    const zipkin = { OTEL_EXPORTER_ZIPKIN_ENDPOINT: 'http://127.0.0.1:9411/api/v2/spans' };
    expect(tracingOffReason({ ...endpoint, ...zipkin, OTEL_TRACES_EXPORTER: 'otlp,zipkin' })).toBeUndefined();
    expect(tracingOffReason({ ...zipkin, OTEL_TRACES_EXPORTER: 'zipkin' })).toBeUndefined();
    expect(tracingOffReason({ OTEL_TRACES_EXPORTER: 'console' })).toBeUndefined();
  });

  it("is off when no named exporter has an endpoint: the SDK's localhost defaults are not assumed", () => {
    expect(tracingOffReason({ OTEL_TRACES_EXPORTER: 'zipkin' })).toMatch(/no .*OTEL_EXPORTER_ZIPKIN_ENDPOINT/);
    expect(tracingOffReason({ OTEL_TRACES_EXPORTER: 'otlp,zipkin', OTEL_EXPORTER_ZIPKIN_ENDPOINT: ' ' })).toMatch(
      /tracing off/,
    );
    // A Zipkin endpoint alone does not turn on the default (otlp) exporter.
    expect(tracingOffReason({ OTEL_EXPORTER_ZIPKIN_ENDPOINT: 'http://z:9411/api/v2/spans' })).toMatch(
      /no OTEL_EXPORTER_OTLP_ENDPOINT/,
    );
  });
});

describe('sdkEnv', () => {
  it('names the service after the app, with the lab defaults', () => {
    expect(sdkEnv({}, 'gateway', 42)).toEqual({
      OTEL_RESOURCE_ATTRIBUTES:
        'service.name=gateway,service.version=0.1.0,deployment.environment.name=lab,service.instance.id=gateway-42',
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
      OTEL_BSP_SCHEDULE_DELAY: '500',
      OTEL_BSP_MAX_QUEUE_SIZE: '8192',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '512',
    });
  });

  it('turns OTel metrics and logs off even when the user asked for them', () => {
    const vars = sdkEnv({ OTEL_METRICS_EXPORTER: 'otlp', OTEL_LOGS_EXPORTER: 'console' }, 'bot', 1);
    expect(vars.OTEL_METRICS_EXPORTER).toBe('none');
    expect(vars.OTEL_LOGS_EXPORTER).toBe('none');
  });

  it('takes SERVICE_VERSION, DEPLOYMENT_ENVIRONMENT and INSTANCE_ID, percent-encoded', () => {
    const env = { SERVICE_VERSION: '1.2.3', DEPLOYMENT_ENVIRONMENT: 'ci,eu', INSTANCE_ID: 'worker-2' };
    expect(sdkEnv(env, 'worker', 1).OTEL_RESOURCE_ATTRIBUTES).toBe(
      'service.name=worker,service.version=1.2.3,deployment.environment.name=ci%2Ceu,service.instance.id=worker-2',
    );
  });

  it("puts the user's resource attributes last so they win; OTEL_SERVICE_NAME names the instance", () => {
    const env = { OTEL_RESOURCE_ATTRIBUTES: 'team=lab,service.version=9', OTEL_SERVICE_NAME: 'edge' };
    expect(sdkEnv(env, 'gateway', 7).OTEL_RESOURCE_ATTRIBUTES).toBe(
      'service.name=gateway,service.version=0.1.0,deployment.environment.name=lab,service.instance.id=edge-7,team=lab,service.version=9',
    );
  });

  it('leaves OTEL_BSP_* the user set alone', () => {
    const vars = sdkEnv({ OTEL_BSP_SCHEDULE_DELAY: '5000', OTEL_BSP_MAX_QUEUE_SIZE: ' ' }, 'bot', 1);
    expect(vars.OTEL_BSP_SCHEDULE_DELAY).toBeUndefined();
    expect(vars.OTEL_BSP_MAX_QUEUE_SIZE).toBe('8192');
  });
});

describe('startNodeSdk', () => {
  const saved = process.env;
  let stderr: jest.SpyInstance;

  beforeEach(() => {
    process.env = { PATH: saved.PATH };
    constructed.length = 0;
    sdkCalls.length = 0;
    failOnStart = false;
    stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    process.env = saved;
    stderr.mockRestore();
  });

  it('builds nothing and changes nothing when tracing is off', async () => {
    const instrumentations = jest.fn(() => []);
    const handle = startNodeSdk('gateway', instrumentations);
    expect(handle.enabled).toBe(false);
    await handle.shutdown();
    expect(instrumentations).not.toHaveBeenCalled();
    expect(constructed).toHaveLength(0);
    expect(process.env).toEqual({ PATH: saved.PATH });
  });

  it('starts NodeSDK with our instrumentations, settings in the environment', async () => {
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = 'http://127.0.0.1:4318';
    const instrumentation = { instrumentationName: 'fake' };
    const handle = startNodeSdk('gateway', () => [instrumentation as never]);
    expect(handle.enabled).toBe(true);
    expect(constructed).toEqual([{ instrumentations: [instrumentation] }]);
    expect(process.env).toMatchObject({
      OTEL_RESOURCE_ATTRIBUTES: expect.stringMatching(/^service\.name=gateway,/),
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
      OTEL_BSP_SCHEDULE_DELAY: '500',
    });
    await handle.shutdown();
    expect(sdkCalls).toEqual(['start', 'shutdown']);
  });

  it('leaves the app running untraced when the SDK fails to start', () => {
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = 'http://127.0.0.1:4318';
    failOnStart = true;
    const handle = startNodeSdk('gateway', () => []);
    expect(handle.enabled).toBe(false);
    expect(stderr).toHaveBeenCalledWith(expect.stringContaining('failed to start: Error: boom'));
  });
});
