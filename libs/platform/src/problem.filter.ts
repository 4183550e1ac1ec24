import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, NotFoundException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Logger, requestFacts } from '#libs/observability';
import { type RouteTable, unroutedProblem } from './allowed-methods';
import { PROBLEM_CONTENT_TYPE, ProblemError, problemBody } from './problem';

/**
 * The one place where errors become HTTP answers. Nest's own HttpExceptions (and Fastify's parser
 * errors, which Nest wraps) are mapped to problem codes; anything else is a 500 whose details stay
 * in the log, logged once here. Nest's "no route" 404 becomes `unroutedProblem` (400, 405 or 404).
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(
    private readonly logger: Logger,
    private readonly routes?: RouteTable,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const problem =
      this.routes && request.is404 && exception instanceof NotFoundException
        ? unroutedProblem(this.routes, request.method, request.url)
        : toProblemError(exception);
    if (problem.status >= 500 && problem.code === 'internal') {
      this.logger.error({ err: exception, method: request.method, url: request.url }, 'unhandled error');
    }
    sendProblem(reply, problem, request.url);
  }
}

function pathOf(url: string): string {
  return url.split('?')[0] ?? url;
}

/**
 * Writes `problem` as an RFC 9457 `application/problem+json` answer with its headers (Retry-After
 * in seconds), and tags the reply with its code for the request log line.
 */
export function sendProblem(reply: FastifyReply, problem: ProblemError, url: string): void {
  for (const [name, value] of Object.entries(problem.headers)) void reply.header(name, value);
  if (problem.retryAfterSeconds !== undefined)
    void reply.header('retry-after', String(Math.ceil(problem.retryAfterSeconds)));
  // Tagged for the request log line: one line per request says what went wrong.
  requestFacts(reply.request.raw).problem = problem.code;
  (reply as FastifyReply & { jeevesProblem?: string }).jeevesProblem = problem.code;
  void reply
    .status(problem.status)
    .header('content-type', PROBLEM_CONTENT_TYPE)
    .send(problemBody(problem, pathOf(url)));
}

export function toProblemError(exception: unknown): ProblemError {
  if (exception instanceof ProblemError) return exception;
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const message = exception.message;
    switch (status) {
      case 400:
        return new ProblemError(400, /json|body/i.test(message) ? 'malformed-json' : 'validation-failed', {
          detail: message,
        });
      case 401:
        return new ProblemError(401, 'unauthorized', { detail: message });
      case 403:
        return new ProblemError(403, 'forbidden', { detail: message });
      case 404:
        return new ProblemError(404, 'not-found', { detail: message });
      case 413:
        return new ProblemError(413, 'payload-too-large', { detail: message });
      case 415:
        return new ProblemError(415, 'unsupported-media-type', { detail: message });
      case 429:
        return new ProblemError(429, 'rate-limited', { detail: message });
      default:
        if (status < 500) return new ProblemError(status, 'validation-failed', { detail: message });
    }
  }
  return new ProblemError(500, 'internal', { cause: exception });
}
