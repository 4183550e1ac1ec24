import { answerBody, HttpAnswerError } from './answer-error';
import type { AccessTokens } from './token-dealer';

/**
 * The chaos admin API every service serves (`/admin/chaos/faults`, scope `lab:chaos`; see
 * docs/resilience.md): inject, list and clear faults. One client for the CLI, the experiments, the
 * load driver and the integration specs.
 */

/** A fault as the chaos API shows it (`POST` answer, `GET` list items). */
export interface ChaosFault {
  readonly id: string;
  readonly type: string;
  /** `route:<path>`, `topic:<name>`, `dependency:<name>`, or null for the whole service. */
  readonly target: string | null;
  readonly params: Record<string, unknown>;
  /** ISO 8601 instant the fault ends by itself. */
  readonly expiresAt: string;
}

/** One answer of the chaos API: status, body (parsed JSON, else the text, undefined when empty). */
export interface ChaosAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly text: string;
}

/** One raw request; `token`: undefined for the client's admin token, null for none, else this one. */
export interface ChaosRequest {
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** After `/admin/chaos/faults`, e.g. `/<id>`; '' for the collection. */
  readonly path?: string;
  readonly body?: unknown;
  readonly token?: string | null;
  readonly timeoutMs?: number;
}

export interface ChaosApi {
  /** Sends one request as given and returns whatever answers. Throws ChaosApiError (status 0) when nothing does. */
  send(service: string, request: ChaosRequest): Promise<ChaosAnswer>;
  /** `POST` a fault (`{type, target?, durationMs?, ...params}`); the created fault. Throws ChaosApiError unless 201. */
  inject(service: string, fault: Readonly<Record<string, unknown>>): Promise<ChaosFault>;
  /** The service's active faults. Throws ChaosApiError unless 200 with a list. */
  list(service: string): Promise<ChaosFault[]>;
  /**
   * Clears one fault (`id`; 404, already expired, counts as cleared) or all of them. Throws
   * ChaosApiError unless 204.
   */
  clear(service: string, id?: string, options?: { timeoutMs?: number }): Promise<void>;
}

/** The chaos API refused, or did not answer (`status` 0); `body` is its answer (or the reason). */
export class ChaosApiError extends HttpAnswerError {
  readonly code = 'ECHAOSAPI';
  override readonly name = 'ChaosApiError';
}

export interface HttpChaosApiOptions {
  /** Base URL of a service (`http://127.0.0.1:3003`), undefined when it has none. */
  readonly urlOf: (service: string) => string | undefined;
  /** Where the `lab:chaos` bearer token comes from. */
  readonly tokens: AccessTokens;
  /** Per request, unless the request says otherwise. */
  readonly timeoutMs?: number;
}

/** The chaos API over HTTP with a `lab:chaos` token. */
export class HttpChaosApi implements ChaosApi {
  private readonly timeoutMs: number;

  constructor(private readonly options: HttpChaosApiOptions) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async send(service: string, request: ChaosRequest): Promise<ChaosAnswer> {
    const base = this.options.urlOf(service);
    if (!base) throw new ChaosApiError(`no URL for service ${service}`, 0);
    const bearer = request.token === undefined ? await this.options.tokens.get() : request.token;
    const url = `${base}/admin/chaos/faults${request.path ?? ''}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: request.method,
        headers: {
          accept: 'application/json',
          ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
          ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal: AbortSignal.timeout(request.timeoutMs ?? this.timeoutMs),
      });
    } catch (error) {
      const message = `${url} does not answer (${error instanceof Error ? error.message : String(error)})`;
      throw new ChaosApiError(message, 0, '', message, { cause: error });
    }
    const text = await response.text();
    return { status: response.status, body: answerBody(text), text };
  }

  async inject(service: string, fault: Readonly<Record<string, unknown>>): Promise<ChaosFault> {
    const answer = await this.send(service, { method: 'POST', body: fault });
    if (answer.status !== 201)
      throw new ChaosApiError(
        `${service} refused the fault (${answer.status}): ${answer.text.slice(0, 300)}`,
        answer.status,
        answer.text,
        answer.body,
      );
    const id = (answer.body as { id?: unknown } | undefined)?.id;
    if (typeof id !== 'string')
      throw new ChaosApiError(`${service} answered 201 without a fault id`, answer.status, answer.text, answer.body);
    return answer.body as ChaosFault;
  }

  async list(service: string): Promise<ChaosFault[]> {
    const answer = await this.send(service, { method: 'GET' });
    if (answer.status !== 200 || !Array.isArray(answer.body))
      throw new ChaosApiError(
        `${service} answered ${answer.status} listing its faults`,
        answer.status,
        answer.text,
        answer.body,
      );
    return answer.body as ChaosFault[];
  }

  async clear(service: string, id?: string, options: { timeoutMs?: number } = {}): Promise<void> {
    const answer = await this.send(service, {
      method: 'DELETE',
      path: id === undefined ? '' : `/${encodeURIComponent(id)}`,
      timeoutMs: options.timeoutMs,
    });
    if (answer.status === 204 || (id !== undefined && answer.status === 404)) return;
    throw new ChaosApiError(
      id === undefined
        ? `${service} did not clear its faults: ${answer.status}`
        : `${service} answered ${answer.status} to clearing fault ${id}`,
      answer.status,
      answer.text,
      answer.body,
    );
  }
}
