import type { ServiceName } from '#libs/contracts';
import { ProblemError, type FieldError } from '#libs/platform';
import type { BearerTokens } from './client-credentials';
import { TokenUnavailableError } from './client-credentials';

/** What one upstream call answered: status and parsed JSON body (undefined when empty or not JSON). */
export interface UpstreamAnswer {
  readonly status: number;
  readonly body: unknown;
}

export interface LabServicesOptions {
  readonly urls: Readonly<Record<ServiceName, string>>;
  /** Operator token (scope lab:chaos): chaos API calls. */
  readonly admin: BearerTokens;
  /** Demo user token (messages:write messages:read): chat through the gateway. */
  readonly demo: BearerTokens;
  readonly timeoutMs: number;
}

const JWT = /eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]+/g;

/** Cuts anything shaped like a JWT out of text that goes to the page: no token leaves the server. */
export function redactTokens(text: string): string {
  return text.replace(JWT, '[token]');
}

/**
 * The console's one door to the services: chaos API, gateway, health and /metrics, with the right
 * bearer token added here (and refreshed once after a 401). Upstream failures become problem+json
 * answers for the page: 502 when a service answered badly, 503 when it did not answer.
 */
export class LabServices {
  constructor(private readonly options: LabServicesOptions) {}

  /** Base URL of a service. */
  urlOf(service: ServiceName): string {
    return this.options.urls[service];
  }

  /** A call with the operator's token. */
  asAdmin(service: ServiceName, method: string, path: string, body?: unknown): Promise<UpstreamAnswer> {
    return this.call(service, method, path, this.options.admin, body);
  }

  /** A call with the demo user's token. */
  asDemo(service: ServiceName, method: string, path: string, body?: unknown): Promise<UpstreamAnswer> {
    return this.call(service, method, path, this.options.demo, body);
  }

  /** An unauthenticated GET (health, /metrics): its text, or undefined when the service does not answer. */
  async getText(service: ServiceName, path: string): Promise<{ status: number; text: string } | undefined> {
    try {
      const response = await fetch(`${this.urlOf(service)}${path}`, {
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      return { status: response.status, text: await response.text() };
    } catch {
      return undefined;
    }
  }

  private async call(
    service: ServiceName,
    method: string,
    path: string,
    tokens: BearerTokens,
    body: unknown,
  ): Promise<UpstreamAnswer> {
    let answer = await this.send(service, method, path, await this.token(tokens), body);
    if (answer.status === 401) answer = await this.send(service, method, path, await this.token(tokens, true), body);
    return answer;
  }

  private async token(tokens: BearerTokens, fresh = false): Promise<string> {
    try {
      return await (fresh ? tokens.refresh() : tokens.get());
    } catch (error) {
      if (error instanceof TokenUnavailableError)
        throw new ProblemError(503, 'dependency-unavailable', { detail: error.message, cause: error });
      throw error;
    }
  }

  private async send(
    service: ServiceName,
    method: string,
    path: string,
    token: string,
    body: unknown,
  ): Promise<UpstreamAnswer> {
    let response: Response;
    try {
      response = await fetch(`${this.urlOf(service)}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      throw new ProblemError(503, 'dependency-unavailable', {
        detail: `${service} does not answer (${(error as Error).name})`,
        cause: error,
      });
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, body: parsed };
  }
}

/**
 * Turns an upstream 4xx/5xx into the page's problem: the upstream status for 4xx (the page sent
 * something the service refused, e.g. a fault spec), 502 otherwise, with the upstream's detail and
 * field errors only (redacted), never its whole body.
 */
export function upstreamProblem(service: ServiceName, answer: UpstreamAnswer): ProblemError {
  const problem = (answer.body ?? {}) as { detail?: unknown; errors?: unknown };
  const detail = typeof problem.detail === 'string' ? redactTokens(problem.detail).slice(0, 500) : undefined;
  const errors = Array.isArray(problem.errors)
    ? (problem.errors as unknown[])
        .filter((e): e is FieldError => typeof e === 'object' && e !== null && 'field' in e && 'message' in e)
        .slice(0, 20)
        .map((e) => ({ field: String(e.field), message: redactTokens(String(e.message)) }))
    : undefined;
  const what = `${service} answered ${answer.status}${detail ? `: ${detail}` : ''}`;
  if (answer.status === 400 || answer.status === 422)
    return new ProblemError(answer.status, 'validation-failed', { detail: what, ...(errors ? { errors } : {}) });
  if (answer.status === 404) return new ProblemError(404, 'not-found', { detail: what });
  return new ProblemError(502, 'dependency-unavailable', { detail: what });
}
