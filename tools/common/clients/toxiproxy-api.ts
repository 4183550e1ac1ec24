/**
 * A small client for Toxiproxy's HTTP API (https://github.com/Shopify/toxiproxy#http-api): proxies
 * between two processes, and toxics that degrade the traffic through them.
 */
export const DEFAULT_TOXIPROXY_URL = 'http://127.0.0.1:8474';

export interface ProxySpec {
  name: string;
  /** `127.0.0.1:<port>` the proxy listens on. */
  listen: string;
  /** `127.0.0.1:<port>` it forwards to. */
  upstream: string;
  enabled?: boolean;
}

export type ToxicType = 'latency' | 'bandwidth' | 'timeout' | 'reset_peer' | 'slow_close' | 'slicer' | 'limit_data';

/** Attributes per toxic type, in Toxiproxy's own units (milliseconds; bandwidth in KB/s). */
export interface ToxicAttributes {
  latency: { latency: number; jitter?: number };
  bandwidth: { rate: number };
  timeout: { timeout: number };
  reset_peer: { timeout: number };
  slow_close: { delay: number };
  slicer: { average_size: number; size_variation?: number; delay?: number };
  limit_data: { bytes: number };
}

export interface ToxicSpec<T extends ToxicType = ToxicType> {
  name?: string;
  type: T;
  /** `downstream`: upstream → client (answers); `upstream`: client → upstream (requests). */
  stream?: 'upstream' | 'downstream';
  /** Share of connections affected, 0…1. */
  toxicity?: number;
  attributes: ToxicAttributes[T];
}

export interface Toxic extends Required<Omit<ToxicSpec, 'attributes'>> {
  attributes: Record<string, number>;
}

export interface Proxy extends Required<ProxySpec> {
  toxics: Toxic[];
}

/** Toxiproxy refused (`status`) or did not answer (`status` 0). */
export class ToxiproxyError extends Error {
  readonly code = 'ETOXIPROXY';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ToxiproxyError';
  }
}

/** What the lab does with Toxiproxy: HttpToxiproxy talks to toxiproxy-server, FakeToxiproxy stands in for unit specs. */
export interface ToxiproxyApi {
  /** The server's version (also a liveness probe). Throws ToxiproxyError. */
  version(): Promise<string>;
  /** Every proxy, by name. Throws ToxiproxyError. */
  proxies(): Promise<Record<string, Proxy>>;
  /** Creates the proxy, or brings an existing one of that name to this spec (idempotent). */
  ensureProxy(spec: ProxySpec): Promise<Proxy>;
  deleteProxy(name: string): Promise<void>;
  /** Cuts (false) or restores (true) every connection through the proxy. */
  setEnabled(name: string, enabled: boolean): Promise<Proxy>;
  /** Adds a toxic (named `<type>_<stream>` unless named); the toxic as Toxiproxy stored it. */
  addToxic<T extends ToxicType>(proxy: string, toxic: ToxicSpec<T>): Promise<Toxic>;
  removeToxic(proxy: string, name: string): Promise<void>;
  /** Re-enables every proxy and removes every toxic. */
  reset(): Promise<void>;
}

/** ToxiproxyApi over HTTP; `baseUrl` the server (127.0.0.1:8474 by default), `timeoutMs` per request. */
export class HttpToxiproxy implements ToxiproxyApi {
  constructor(
    readonly baseUrl: string = DEFAULT_TOXIPROXY_URL,
    private readonly timeoutMs = 5000,
  ) {}

  async version(): Promise<string> {
    return (await this.request<string>('GET', '/version', undefined, 'text')).trim();
  }

  async proxies(): Promise<Record<string, Proxy>> {
    return this.request('GET', '/proxies');
  }

  /** Creates the proxy, or brings an existing one of that name to this spec (idempotent). */
  async ensureProxy(spec: ProxySpec): Promise<Proxy> {
    const existing = (await this.proxies())[spec.name];
    if (!existing) return this.request('POST', '/proxies', { enabled: true, ...spec });
    if (existing.listen !== spec.listen) {
      await this.deleteProxy(spec.name);
      return this.request('POST', '/proxies', { enabled: true, ...spec });
    }
    return this.request('POST', `/proxies/${encodeURIComponent(spec.name)}`, {
      upstream: spec.upstream,
      enabled: spec.enabled ?? true,
    });
  }

  async deleteProxy(name: string): Promise<void> {
    await this.request('DELETE', `/proxies/${encodeURIComponent(name)}`, undefined, 'none');
  }

  /** Cuts (false) or restores (true) every connection through the proxy. */
  async setEnabled(name: string, enabled: boolean): Promise<Proxy> {
    return this.request('POST', `/proxies/${encodeURIComponent(name)}`, { enabled });
  }

  async addToxic<T extends ToxicType>(proxy: string, toxic: ToxicSpec<T>): Promise<Toxic> {
    return this.request('POST', `/proxies/${encodeURIComponent(proxy)}/toxics`, {
      name: toxic.name ?? `${toxic.type}_${toxic.stream ?? 'downstream'}`,
      type: toxic.type,
      stream: toxic.stream ?? 'downstream',
      toxicity: toxic.toxicity ?? 1,
      attributes: toxic.attributes,
    });
  }

  async removeToxic(proxy: string, name: string): Promise<void> {
    await this.request(
      'DELETE',
      `/proxies/${encodeURIComponent(proxy)}/toxics/${encodeURIComponent(name)}`,
      undefined,
      'none',
    );
  }

  /** Re-enables every proxy and removes every toxic. */
  async reset(): Promise<void> {
    await this.request('POST', '/reset', undefined, 'none');
  }

  private async request<T>(
    method: string,
    path: string,
    body?: unknown,
    expect: 'json' | 'text' | 'none' = 'json',
  ): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new ToxiproxyError(
        0,
        `toxiproxy at ${this.baseUrl} does not answer (${error instanceof Error ? error.message : String(error)}); start it with \`npm run lab -- chaos network up\``,
      );
    }
    const text = await response.text();
    if (!response.ok)
      throw new ToxiproxyError(
        response.status,
        `toxiproxy ${method} ${path}: ${response.status} ${text.slice(0, 300)}`,
      );
    if (expect === 'none') return undefined as T;
    if (expect === 'text') return text as T;
    return JSON.parse(text) as T;
  }
}
