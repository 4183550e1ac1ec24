import { pinnedPrometheusVersion, reportedVersion } from '../../tools/lab';
import { promtool, promtoolPath } from '../../tools/observability-checks/promtool';
import { postMessage, uniqueUser, waitForFinal } from './pipeline-helpers';
import { lab } from './support/lab';

/**
 * Every service's real /metrics, scraped after traffic went through the pipeline, passes
 * `promtool check metrics` (Prometheus' own parser and naming lint, the pinned release's), and the
 * OpenMetrics answer carries trace exemplars on the latency histograms.
 */
describe('metrics: every service serves valid Prometheus metrics', () => {
  beforeAll(async () => {
    const { id } = await postMessage(uniqueUser('metrics'), 'weather in Oslo');
    await waitForFinal(id);
  });

  it('checks with the pinned promtool (tools/prometheus/VERSION)', () => {
    expect(reportedVersion(promtoolPath())).toBe(pinnedPrometheusVersion());
  });

  it.each(['gateway', 'token-dealer', 'data-service', 'provider', 'bot', 'worker'] as const)(
    '%s /metrics passes promtool check metrics',
    async (app) => {
      const response = await fetch(`${lab().urls[app]}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/plain; version=0.0.4');
      const body = await response.text();
      expect(body).toContain(`service="${app}"`);
      expect(body).toMatch(/^http_server_request_duration_seconds_bucket\{/m);
      const check = promtool(['check', 'metrics'], undefined, body);
      expect({ app, status: check.status, problems: check.output.trim() }).toEqual({
        app,
        status: 0,
        problems: '',
      });
    },
  );

  it('answers OpenMetrics with trace_id exemplars when asked', async () => {
    const response = await fetch(`${lab().urls.gateway}/metrics`, {
      headers: { accept: 'application/openmetrics-text; version=1.0.0' },
    });
    expect(response.headers.get('content-type')).toContain('application/openmetrics-text');
    const body = await response.text();
    expect(body.trimEnd().endsWith('# EOF')).toBe(true);
    if (lab().tracesFile) {
      expect(body).toMatch(
        /^http_server_request_duration_seconds_bucket\{[^}]*route="\/v1\/messages"[^}]*\} \d+ # \{trace_id="[0-9a-f]{32}"\}/m,
      );
    }
  });
});
