/**
 * Fakes of the lab side's external things, for unit specs: each keeps its state in memory, records
 * what it was asked, and answers as the real service does (same errors for the same mistakes).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ChaosApiError,
  type ChaosAnswer,
  type ChaosApi,
  type ChaosFault,
  type ChaosRequest,
} from './clients/chaos-api';
import type { ActiveAlert, InstantSample, PrometheusApi, RangeSeries } from './clients/prometheus-api';
import type { AccessTokens } from './clients/token-dealer';
import {
  ToxiproxyError,
  type Proxy,
  type ProxySpec,
  type Toxic,
  type ToxicSpec,
  type ToxicType,
  type ToxiproxyApi,
} from './clients/toxiproxy-api';

/** Hands out `token-1`, then `token-2` after a refresh, …; `fetches` counts the tokens made. */
export class FakeTokenSource implements AccessTokens {
  fetches = 0;
  private current: string | undefined;

  async get(): Promise<string> {
    this.current ??= `token-${++this.fetches}`;
    return this.current;
  }

  async refresh(): Promise<string> {
    this.current = undefined;
    return this.get();
  }
}

/**
 * The chaos API of a few services in memory. `calls` lists `inject <service> <type>`, `list
 * <service>`, `clear <service> <id|all>`; a service in `refusing` answers `status` 503 to everything.
 */
export class FakeChaosApi implements ChaosApi {
  readonly calls: string[] = [];
  readonly faults = new Map<string, ChaosFault[]>();
  readonly refusing = new Set<string>();
  private nextId = 1;

  async send(service: string, request: ChaosRequest): Promise<ChaosAnswer> {
    this.calls.push(`send ${service} ${request.method} ${request.path ?? ''}`);
    if (this.refusing.has(service)) return { status: 503, body: undefined, text: '' };
    if (request.method === 'GET') {
      const body = this.faults.get(service) ?? [];
      return { status: 200, body, text: JSON.stringify(body) };
    }
    if (request.method === 'POST') {
      const fault = this.add(service, request.body as Record<string, unknown>);
      return { status: 201, body: fault, text: JSON.stringify(fault) };
    }
    const id = request.path ? decodeURIComponent(request.path.slice(1)) : undefined;
    return { status: this.remove(service, id) ? 204 : 404, body: undefined, text: '' };
  }

  async inject(service: string, fault: Readonly<Record<string, unknown>>): Promise<ChaosFault> {
    this.calls.push(`inject ${service} ${String(fault.type)}`);
    this.refuse(service, 'refused the fault (503)');
    return this.add(service, fault);
  }

  async list(service: string): Promise<ChaosFault[]> {
    this.calls.push(`list ${service}`);
    this.refuse(service, 'answered 503 listing its faults');
    return [...(this.faults.get(service) ?? [])];
  }

  async clear(service: string, id?: string): Promise<void> {
    this.calls.push(`clear ${service} ${id ?? 'all'}`);
    this.refuse(service, 'did not clear its faults: 503');
    this.remove(service, id);
  }

  private refuse(service: string, what: string): void {
    if (this.refusing.has(service)) throw new ChaosApiError(`${service} ${what}`, 503);
  }

  private add(service: string, spec: Readonly<Record<string, unknown>>): ChaosFault {
    const { type, target, durationMs, ...params } = spec;
    const fault: ChaosFault = {
      id: `f${this.nextId++}`,
      type: String(type),
      target: typeof target === 'string' ? target : null,
      params,
      expiresAt: new Date(Date.now() + (typeof durationMs === 'number' ? durationMs : 60_000)).toISOString(),
    };
    this.faults.set(service, [...(this.faults.get(service) ?? []), fault]);
    return fault;
  }

  /** True when something was removed (all: always). */
  private remove(service: string, id: string | undefined): boolean {
    const faults = this.faults.get(service) ?? [];
    const kept = id === undefined ? [] : faults.filter((f) => f.id !== id);
    this.faults.set(service, kept);
    return id === undefined || kept.length < faults.length;
  }
}

/** Canned Prometheus: `answers` per instant query, `ranges` per range query, `firing` alerts. */
export class FakePrometheus implements PrometheusApi {
  readonly instants: Array<{ query: string; timeS?: number }> = [];
  reloads = 0;
  constructor(
    private readonly answers: (query: string) => number | undefined = () => 0,
    private readonly ranges: (query: string, startS: number, endS: number) => RangeSeries[] = () => [],
    readonly firing: () => ActiveAlert[] = () => [],
  ) {}
  async instant(query: string, timeS?: number): Promise<number | undefined> {
    this.instants.push({ query, timeS });
    return this.answers(query);
  }
  async vector(query: string, timeS?: number): Promise<InstantSample[]> {
    const value = await this.instant(query, timeS);
    return value === undefined ? [] : [{ labels: {}, value }];
  }
  async range(query: string, startS: number, endS: number): Promise<RangeSeries[]> {
    return this.ranges(query, startS, endS);
  }
  async alerts(): Promise<ActiveAlert[]> {
    return this.firing();
  }
  async reload(): Promise<void> {
    this.reloads++;
  }
}

/** toxiproxy-server in memory: proxies and their toxics, with its 404 for an unknown proxy or toxic. */
export class FakeToxiproxy implements ToxiproxyApi {
  readonly proxyTable = new Map<string, Proxy>();

  async version(): Promise<string> {
    return 'fake';
  }

  async proxies(): Promise<Record<string, Proxy>> {
    return Object.fromEntries(this.proxyTable);
  }

  async ensureProxy(spec: ProxySpec): Promise<Proxy> {
    const proxy: Proxy = { enabled: true, ...spec, toxics: this.proxyTable.get(spec.name)?.toxics ?? [] };
    this.proxyTable.set(spec.name, proxy);
    return proxy;
  }

  async deleteProxy(name: string): Promise<void> {
    this.proxy(name);
    this.proxyTable.delete(name);
  }

  async setEnabled(name: string, enabled: boolean): Promise<Proxy> {
    const proxy = { ...this.proxy(name), enabled };
    this.proxyTable.set(name, proxy);
    return proxy;
  }

  async addToxic<T extends ToxicType>(proxyName: string, spec: ToxicSpec<T>): Promise<Toxic> {
    const proxy = this.proxy(proxyName);
    const toxic: Toxic = {
      name: spec.name ?? `${spec.type}_${spec.stream ?? 'downstream'}`,
      type: spec.type,
      stream: spec.stream ?? 'downstream',
      toxicity: spec.toxicity ?? 1,
      attributes: { ...(spec.attributes as unknown as Record<string, number>) },
    };
    if (proxy.toxics.some((t) => t.name === toxic.name))
      throw new ToxiproxyError(409, `toxiproxy POST /proxies/${proxyName}/toxics: 409 toxic already exists`);
    this.proxyTable.set(proxyName, { ...proxy, toxics: [...proxy.toxics, toxic] });
    return toxic;
  }

  async removeToxic(proxyName: string, name: string): Promise<void> {
    const proxy = this.proxy(proxyName);
    if (!proxy.toxics.some((t) => t.name === name))
      throw new ToxiproxyError(404, `toxiproxy DELETE /proxies/${proxyName}/toxics/${name}: 404 toxic not found`);
    this.proxyTable.set(proxyName, { ...proxy, toxics: proxy.toxics.filter((t) => t.name !== name) });
  }

  async reset(): Promise<void> {
    for (const [name, proxy] of this.proxyTable) this.proxyTable.set(name, { ...proxy, enabled: true, toxics: [] });
  }

  private proxy(name: string): Proxy {
    const proxy = this.proxyTable.get(name);
    if (!proxy) throw new ToxiproxyError(404, `toxiproxy /proxies/${name}: 404 proxy not found`);
    return proxy;
  }
}

/** One request a StubHttpServer received. */
export interface StubRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

/** What a StubHttpServer answers: status, body (objects as JSON), headers. */
export interface StubAnswer {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A node:http server on 127.0.0.1 (port 0) that records requests and answers from `handle`. */
export interface StubHttpServer {
  readonly url: string;
  readonly requests: StubRequest[];
  close(): Promise<void>;
}

/** Starts a StubHttpServer; for clients' unit specs against real HTTP. */
export async function startStubHttpServer(handle: (request: StubRequest) => StubAnswer): Promise<StubHttpServer> {
  const requests: StubRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(request);
      const answer = handle(request);
      const text =
        answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      res.writeHead(answer.status, {
        ...(typeof answer.body === 'object' ? { 'content-type': 'application/json' } : {}),
        ...answer.headers,
      });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
