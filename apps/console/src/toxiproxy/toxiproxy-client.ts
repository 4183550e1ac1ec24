import { httpCall, jsonOrUndefined, UpstreamUnreachableError } from '../upstream/http-json';
import type { ProxyView, ToxicView } from '../api-types';
import type { ToxicSpec } from './toxic-spec';

export type { ProxyView, ToxicView } from '../api-types';

/**
 * Toxiproxy could not be asked (`status` 0: not configured or not answering) or refused
 * (`status`: its HTTP status, e.g. 404 no such proxy, 409 a toxic of that name exists).
 */
export class ToxiproxyError extends Error {
  readonly code = 'ETOXIPROXY';
  override readonly name = 'ToxiproxyError';
  constructor(
    message: string,
    readonly status: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The Toxiproxy calls of the Chaos page; also the injection token. A fake in unit specs. */
export abstract class ToxiproxyClient {
  /** Base URL, or undefined when the console has none (CONSOLE_TOXIPROXY_URL blank). */
  abstract readonly url: string | undefined;
  /** The server's version; a liveness probe. Throws ToxiproxyError. */
  abstract version(): Promise<string>;
  /** Every proxy, sorted by name. Throws ToxiproxyError. */
  abstract proxies(): Promise<ProxyView[]>;
  /** Turns a proxy off (every connection cut, new ones refused) or on. Throws ToxiproxyError. */
  abstract setEnabled(proxy: string, enabled: boolean): Promise<ProxyView>;
  /** Adds a toxic; the toxic as stored. Throws ToxiproxyError. */
  abstract addToxic(proxy: string, toxic: ToxicSpec): Promise<ToxicView>;
  /** Removes one toxic. Throws ToxiproxyError. */
  abstract removeToxic(proxy: string, toxic: string): Promise<void>;
}

function proxyView(raw: unknown): ProxyView {
  const p = (raw ?? {}) as Partial<ProxyView>;
  return {
    name: String(p.name ?? ''),
    listen: String(p.listen ?? ''),
    upstream: String(p.upstream ?? ''),
    enabled: p.enabled === true,
    toxics: Array.isArray(p.toxics) ? p.toxics.map(toxicView) : [],
  };
}

function toxicView(raw: unknown): ToxicView {
  const t = (raw ?? {}) as Partial<ToxicView>;
  const attributes: Record<string, number> = {};
  for (const [k, v] of Object.entries(t.attributes ?? {})) if (typeof v === 'number') attributes[k] = v;
  return {
    name: String(t.name ?? ''),
    type: String(t.type ?? ''),
    stream: String(t.stream ?? ''),
    toxicity: typeof t.toxicity === 'number' ? t.toxicity : 1,
    attributes,
  };
}

/**
 * Toxiproxy's HTTP API (https://github.com/Shopify/toxiproxy#http-api), the calls the page needs.
 * The lab side has its own client (tools/common); apps do not import the lab side.
 */
export class HttpToxiproxyClient extends ToxiproxyClient {
  /** `url`: base URL or undefined (none); `timeoutMs`: per call. */
  constructor(
    readonly url: string | undefined,
    private readonly timeoutMs: number,
  ) {
    super();
  }

  async version(): Promise<string> {
    const body = await this.call('GET', '/version');
    return typeof body === 'object' && body !== null && 'version' in body ? String(body.version) : 'unknown';
  }

  async proxies(): Promise<ProxyView[]> {
    const body = (await this.call('GET', '/proxies')) ?? {};
    return Object.values(body as Record<string, unknown>)
      .map(proxyView)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async setEnabled(proxy: string, enabled: boolean): Promise<ProxyView> {
    return proxyView(await this.call('POST', `/proxies/${encodeURIComponent(proxy)}`, { enabled }));
  }

  async addToxic(proxy: string, toxic: ToxicSpec): Promise<ToxicView> {
    return toxicView(await this.call('POST', `/proxies/${encodeURIComponent(proxy)}/toxics`, toxic));
  }

  async removeToxic(proxy: string, toxic: string): Promise<void> {
    await this.call('DELETE', `/proxies/${encodeURIComponent(proxy)}/toxics/${encodeURIComponent(toxic)}`);
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    if (!this.url) throw new ToxiproxyError('no Toxiproxy configured (CONSOLE_TOXIPROXY_URL is blank)', 0);
    let answer;
    try {
      answer = await httpCall(`${this.url}${path}`, { method, body, timeoutMs: this.timeoutMs });
    } catch (error) {
      if (error instanceof UpstreamUnreachableError)
        throw new ToxiproxyError(
          `Toxiproxy at ${this.url} does not answer: start it with \`npm run lab -- chaos network up\``,
          0,
          { cause: error },
        );
      throw error;
    }
    const parsed = jsonOrUndefined(answer.text);
    if (answer.status >= 400) {
      const why = (parsed as { error?: unknown } | undefined)?.error;
      throw new ToxiproxyError(
        `Toxiproxy ${method} ${path}: ${answer.status} ${typeof why === 'string' ? why : answer.text}`.slice(0, 300),
        answer.status,
      );
    }
    return parsed;
  }
}
