import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDashboards, panelQueries, type PanelQuery } from '../../tools/observability-checks/dashboard-queries';
import { HttpPrometheus } from '../../tools/common';
import { REPO_ROOT } from '../../tools/lab';
import { acceptedEnvelope, connectedProducer, kafka, postMessage, produceRaw, uniqueUser } from './pipeline-helpers';
import { chaosRequest } from './resilience-helpers';
import { CLIENTS, getToken, lab, TOPICS, waitFor } from './support/lab';
import { type OtherModeGateway, startOtherReadModeGateway } from './support/other-read-mode-gateway';
import { TEST_STATE_DIR } from './support/settings';

/**
 * Every panel of every shipped dashboard, with its template variables expanded, returns at least one
 * series from the lab's real Prometheus while a load runs. A panel that shows "No data" during a load
 * test is a broken panel (a renamed metric, a wrong label), so this fails and names it.
 */
/** Series an instant query returns now (throws PrometheusError when Prometheus refuses it). */
async function instantQuery(prometheusUrl: string, expr: string): Promise<number> {
  return (await new HttpPrometheus(prometheusUrl).vector(expr)).length;
}

describe('dashboards: every panel query returns data during a load run', () => {
  let load: ChildProcess | undefined;
  let otherMode: OtherModeGateway | undefined;

  afterAll(async () => {
    await otherMode?.stop();
    if (load && load.exitCode === null) {
      load.kill('SIGINT');
      await new Promise((resolve) => load!.once('exit', resolve));
    }
    await chaosRequest('provider', 'DELETE');
  });

  it('fills every panel of the overview, Kafka, resilience and load-test dashboards', async () => {
    const prometheusUrl = lab().prometheusUrl;
    if (!prometheusUrl) throw new Error(`the test lab has no Prometheus: ${lab().prometheusProblem ?? 'see its log'}`);

    // A smoke load for long enough that several 5 s scrapes see the driver's k6_* series.
    load = spawn(
      process.execPath,
      [join(REPO_ROOT, 'dist', 'tools', 'lab', 'main.js'), 'load', 'smoke', '--duration', '60s'],
      {
        env: {
          ...process.env,
          LAB_STATE_DIR: TEST_STATE_DIR,
          LOAD_RESULTS_ROOT: mkdtempSync(join(tmpdir(), 'jeeves-panels-')),
        },
        stdio: 'ignore',
      },
    );

    // The rare events some panels exist for, made to happen for real: a dead letter, a fault,
    // rate-limited requests.
    const producer = await connectedProducer(kafka('panels-test'));
    await produceRaw(producer, TOPICS.messages, 'panels', '{"not":"an envelope"');
    await produceRaw(
      producer,
      TOPICS.messages,
      'panels',
      JSON.stringify(acceptedEnvelope(uniqueUser('panels'), 'help')),
    );
    await producer.disconnect();
    const slowTime = { type: 'latency', ms: 1, target: 'route:/v1/time', durationMs: 90_000 };
    const fault = await chaosRequest('provider', 'POST', '', slowTime);
    expect(fault.status).toBe(201);
    const token = await getToken(CLIENTS.demo.id, CLIENTS.demo.secret);
    // Bursts of 400 reads until the client's bucket (burst 100, 50/s) runs dry: a 429 whose code is
    // rate-limited. A loaded machine spreads a burst's arrivals out; 160 at once once came in slowly
    // enough for the refill to keep up, and got only the in-flight limit's 429s
    // (too-many-concurrent-requests, which the rate-limited panels do not count). At most 5.
    const codes: string[] = [];
    for (let wave = 0; wave < 5 && !codes.includes('rate-limited'); wave++) {
      const burst = await Promise.all(
        Array.from({ length: 400 }, () =>
          fetch(`${lab().urls.gateway}/v1/users/panels-burst/messages`, {
            headers: { authorization: `Bearer ${token}` },
          }).then(async (r) => {
            if (r.status === 429) return ((await r.json()) as { code: string }).code;
            await r.body?.cancel();
            return String(r.status);
          }),
        ),
      );
      codes.push(...burst);
    }
    expect(codes).toContain('rate-limited');
    await postMessage(uniqueUser('panels'), 'time in Tokyo');
    // The Kafka read panels need a gateway reading over Kafka request-reply (ADR 0042): the lab's
    // own when it runs in that mode, else one started beside it, read through for a while.
    otherMode = await startOtherReadModeGateway();
    const kafkaReads = setInterval(() => {
      void fetch(`${otherMode!.urls.kafka}/v1/users/panels-kafka/messages`, {
        headers: { authorization: `Bearer ${token}` },
      }).then(
        (r) => r.body?.cancel(),
        () => undefined,
      );
    }, 500);

    const queries: PanelQuery[] = loadDashboards(join(REPO_ROOT, 'grafana', 'dashboards')).flatMap((dashboard) =>
      panelQueries(dashboard),
    );
    expect(queries.length).toBeGreaterThan(40);
    let empty: PanelQuery[] = queries;
    await waitFor(
      async () => {
        const counts = await Promise.all(empty.map((q) => instantQuery(prometheusUrl, q.expr)));
        empty = empty.filter((_q, i) => counts[i] === 0);
        return empty.length === 0;
      },
      { timeoutMs: 55_000, intervalMs: 5000, what: 'every dashboard panel to return data' },
    ).catch(() => undefined);
    clearInterval(kafkaReads);
    expect(empty.map((q) => `${q.dashboard} / ${q.panel}: ${q.expr}`)).toEqual([]);
  });
});
