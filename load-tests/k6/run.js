// @ts-check
/**
 * Jeeves load test for k6. Runs any scenario of load-tests/scenarios/ with the same stages, request
 * mix and thresholds as the lab's built-in driver (both take them from load-tests/src/plan.ts and
 * k6-options.ts; lib/ holds k6's generated copy).
 *
 *   k6 run load-tests/k6/run.js -e SCENARIO=smoke
 *   k6 run load-tests/k6/run.js -e SCENARIO=soak -e DURATION=2h -e RATE=20
 *   K6_PROMETHEUS_RW_SERVER_URL=http://127.0.0.1:9090/api/v1/write K6_PROMETHEUS_RW_TREND_STATS=p(95),p(99) \
 *     k6 run -o experimental-prometheus-rw load-tests/k6/run.js -e SCENARIO=average-load
 *
 * Env: SCENARIO (default smoke), RATE, DURATION, VUS (the `lab load` --rate/--duration/--vus),
 * GATEWAY_URL, TOKEN_DEALER_URL, <SERVICE>_URL for chaos targets, CLIENT_ID/CLIENT_SECRET,
 * ADMIN_CLIENT_ID/ADMIN_CLIENT_SECRET, SUMMARY_DIR (default results).
 */
import http from 'k6/http';
import { check, fail, sleep } from 'k6';
import { Trend } from 'k6/metrics';
import { parseDuration } from './lib/duration.js';
import { applyOverrides } from './lib/plan.js';
import { toK6Options } from './lib/k6-options.js';

const SCENARIO = __ENV.SCENARIO || 'smoke';

/** @param {string | undefined} text */
function numberEnv(text) {
  if (text === undefined || text === '') return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`expected a positive number, got "${text}"`);
  return n;
}

/** @type {import('../src/scenario-types').Scenario} */
const scenario = applyOverrides(JSON.parse(open(`../scenarios/${SCENARIO}.json`)), {
  rate: numberEnv(__ENV.RATE),
  durationSeconds: __ENV.DURATION ? parseDuration(__ENV.DURATION).seconds : undefined,
  vus: numberEnv(__ENV.VUS),
});

// Typed as k6's Options, so the type-check proves the mapping's output is something k6 accepts.
/** @type {import('k6/options').Options} */
export const options = toK6Options(scenario);

const GATEWAY = __ENV.GATEWAY_URL || 'http://127.0.0.1:3000';
const TOKEN_DEALER = __ENV.TOKEN_DEALER_URL || 'http://127.0.0.1:3001';
/** @type {Record<string, string>} */
const SERVICE_URLS = {
  gateway: GATEWAY,
  'token-dealer': TOKEN_DEALER,
  'data-service': __ENV.DATA_SERVICE_URL || 'http://127.0.0.1:3002',
  provider: __ENV.PROVIDER_URL || 'http://127.0.0.1:3003',
  bot: __ENV.BOT_URL || 'http://127.0.0.1:3004',
  worker: __ENV.WORKER_URL || 'http://127.0.0.1:3005',
};
const CLIENT = { id: __ENV.CLIENT_ID || 'jeeves-demo', secret: __ENV.CLIENT_SECRET || 'jeeves-demo-secret' };
const ADMIN = { id: __ENV.ADMIN_CLIENT_ID || 'lab-admin', secret: __ENV.ADMIN_CLIENT_SECRET || 'lab-admin-secret' };

// Time values: `true` makes k6 print and export them as durations (ms), like http_req_duration.
const e2eLatency = new Trend('jeeves_e2e_latency', true);

/**
 * @param {{id: string, secret: string}} client
 * @param {string} [scope]
 * @returns {{token: string, expiresAtMs: number}}
 */
function fetchToken(client, scope) {
  /** @type {Record<string, string>} */
  const form = { grant_type: 'client_credentials', client_id: client.id, client_secret: client.secret };
  if (scope) form.scope = scope;
  const res = http.post(`${TOKEN_DEALER}/oauth/token`, form, {
    tags: { endpoint: 'token' },
    responseCallback: http.expectedStatuses(200),
  });
  const token = res.status === 200 ? res.json('access_token') : undefined;
  if (typeof token !== 'string')
    fail(`token-dealer at ${TOKEN_DEALER} answered ${res.status} for ${client.id}; is the lab up (npm run lab -- up)?`);
  const expiresIn = Number(res.json('expires_in')) || 300;
  // Refresh at 80 % of the lifetime so a soak never runs on an expired token.
  return { token: /** @type {string} */ (token), expiresAtMs: Date.now() + expiresIn * 800 };
}

/** @type {{token: string, expiresAtMs: number} | undefined} */
let vuToken;
function bearer() {
  if (!vuToken || Date.now() >= vuToken.expiresAtMs) vuToken = fetchToken(CLIENT);
  return { Authorization: `Bearer ${vuToken.token}` };
}

/** Fails fast when the target is not ready: a load test of a down system measures nothing. */
export function setup() {
  for (const [name, url] of [
    ['gateway', GATEWAY],
    ['token-dealer', TOKEN_DEALER],
  ]) {
    const res = http.get(`${url}/health/ready`, { tags: { endpoint: 'health' } });
    if (res.status !== 200)
      fail(`${name} at ${url} is not ready (status ${res.status}); start the lab first: npm run lab -- up`);
  }
  fetchToken(CLIENT);
  return { scenario: scenario.name };
}

let sequence = 0;
function nextUserAndText() {
  // Distinct per VU and iteration, so users spread over partitions like the built-in driver's.
  const n = __VU * 100000 + sequence++;
  return { user: `load-user-${n % scenario.users}`, text: scenario.texts[n % scenario.texts.length] };
}

/** @param {string} flow */
function postMessage(flow) {
  const { user, text } = nextUserAndText();
  const res = http.post(`${GATEWAY}/v1/messages`, JSON.stringify({ user, text }), {
    headers: { ...bearer(), 'Content-Type': 'application/json' },
    tags: { endpoint: 'post_message', flow },
  });
  const id = res.status === 202 ? res.json('id') : undefined;
  check(res, { 'message accepted (202)': () => typeof id === 'string' }, { flow });
  return typeof id === 'string' ? id : undefined;
}

/** POST, then poll GET /v1/messages/:id until the reply is visible or the deadline passes. */
export function e2eFlow() {
  const started = Date.now();
  const id = postMessage('e2e');
  if (!id) return;
  const deadline = started + scenario.e2e.deadlineMs;
  // Like a well-behaved client, send the last ETag back: a 304 means "unchanged".
  /** @type {{etag: string, status: unknown} | undefined} */
  let last;
  for (;;) {
    const res = http.get(`${GATEWAY}/v1/messages/${encodeURIComponent(id)}`, {
      headers: last ? { ...bearer(), 'If-None-Match': last.etag } : bearer(),
      tags: { endpoint: 'get_message', flow: 'e2e', name: 'GET /v1/messages/:id' },
    });
    const status = res.status === 304 ? last?.status : res.status === 200 ? res.json('status') : undefined;
    const etag = res.headers['Etag'];
    if (res.status === 200 && typeof etag === 'string') last = { etag, status };
    if (status === 'replied' || status === 'failed') {
      e2eLatency.add(Date.now() - started, { flow: 'e2e', outcome: String(status) });
      check(res, { 'reply visible before the deadline': () => status === 'replied' }, { flow: 'e2e' });
      return;
    }
    if (Date.now() >= deadline) {
      // A reply that never came still counts, at the time waited: leaving it out would flatter p99.
      e2eLatency.add(Date.now() - started, { flow: 'e2e', outcome: 'timeout' });
      check(res, { 'reply visible before the deadline': () => false }, { flow: 'e2e' });
      return;
    }
    sleep(scenario.e2e.pollIntervalMs / 1000);
  }
}

export function postFlow() {
  postMessage('post');
}

export function historyFlow() {
  const { user } = nextUserAndText();
  const res = http.get(`${GATEWAY}/v1/users/${encodeURIComponent(user)}/messages`, {
    headers: bearer(),
    tags: { endpoint: 'user_history', flow: 'history', name: 'GET /v1/users/:user/messages' },
  });
  check(res, { 'history is 200': (r) => r.status === 200 }, { flow: 'history' });
}

/** One chaos step (its own single-shot k6 scenario, started at the fault's offset). */
export function injectFault() {
  const step = scenario.faults[Number(__ENV.FAULT_INDEX)];
  if (!step) fail(`no fault #${__ENV.FAULT_INDEX} in scenario ${scenario.name}`);
  const admin = fetchToken(ADMIN, 'lab:chaos');
  const res = http.post(`${SERVICE_URLS[step.service]}/admin/chaos/faults`, JSON.stringify(step.fault), {
    headers: { Authorization: `Bearer ${admin.token}`, 'Content-Type': 'application/json' },
    tags: { endpoint: 'chaos', flow: 'chaos' },
  });
  check(res, { 'fault injected (201)': (r) => r.status === 201 }, { flow: 'chaos' });
}

/**
 * @param {{metrics?: Record<string, {thresholds?: Record<string, {ok: boolean}>}>}} data k6's
 *   end-of-test summary (@types/k6 has no type for it; only the parts read here are declared).
 */
export function handleSummary(data) {
  const dir = __ENV.SUMMARY_DIR || 'results';
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  /** @type {string[]} */
  const lines = [`${scenario.name}: k6 run finished`];
  for (const [name, metric] of Object.entries(data.metrics || {})) {
    for (const [threshold, result] of Object.entries(metric.thresholds || {}))
      lines.push(`  ${result.ok ? '✓' : '✗'} ${name}: ${threshold}`);
  }
  return {
    stdout: lines.join('\n') + '\n',
    [`${dir}/${stamp}-k6-${scenario.name}/summary.json`]: JSON.stringify(data, null, 2),
  };
}
