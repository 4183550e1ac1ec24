import { exportEnv } from './traces';

describe('traceEnv: where the apps export spans', () => {
  const zipkinUrl = 'http://127.0.0.1:9411';

  it("exports OTLP/JSON to the lab's sink alone when no Zipkin runs", () => {
    expect(exportEnv({ sinkPort: 4318 }, {})).toEqual({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    });
  });

  it('exports to both the sink and Zipkin when both run', () => {
    expect(exportEnv({ sinkPort: 4318, zipkinUrl }, {})).toEqual({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_TRACES_EXPORTER: 'otlp,zipkin',
      OTEL_EXPORTER_ZIPKIN_ENDPOINT: 'http://127.0.0.1:9411/api/v2/spans',
    });
  });

  it("keeps the user's own OTLP collector beside Zipkin (no sink then)", () => {
    expect(exportEnv({ zipkinUrl }, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toEqual({
      OTEL_TRACES_EXPORTER: 'otlp,zipkin',
      OTEL_EXPORTER_ZIPKIN_ENDPOINT: 'http://127.0.0.1:9411/api/v2/spans',
    });
    expect(exportEnv({ zipkinUrl }, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' })).toMatchObject({
      OTEL_TRACES_EXPORTER: 'otlp,zipkin',
    });
  });

  it('exports to Zipkin alone when no OTLP endpoint is set anywhere', () => {
    expect(exportEnv({ zipkinUrl }, {})).toEqual({
      OTEL_TRACES_EXPORTER: 'zipkin',
      OTEL_EXPORTER_ZIPKIN_ENDPOINT: 'http://127.0.0.1:9411/api/v2/spans',
    });
  });

  it('gives nothing with LAB_TRACING=off or with no receiver', () => {
    expect(exportEnv({ sinkPort: 4318, zipkinUrl }, { LAB_TRACING: 'off' })).toEqual({});
    expect(exportEnv({}, {})).toEqual({});
  });
});
