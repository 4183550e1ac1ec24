import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '#libs/observability';
import { PROBLEM_CONTENT_TYPE, ProblemError, problemBody } from './problem';
import { sendProblem } from './problem.filter';

/**
 * What Fastify answers on its own, before any route or hook runs, as problems: a path that is not
 * valid percent-encoding (RFC 3986 §2.1), a path parameter over `maxParamLength`, a failing async
 * route constraint. Without Fastify's `frameworkErrors` these were plain `{"error", "statusCode"}`.
 */
export function frameworkProblem(error: FastifyError): ProblemError {
  switch (error.code) {
    case 'FST_ERR_BAD_URL':
      return new ProblemError(400, 'malformed-url', {
        detail: 'the path is not valid percent-encoded UTF-8 (RFC 3986 §2.1)',
        cause: error,
      });
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new ProblemError(414, 'uri-too-long', {
        detail: 'a path segment is longer than this server accepts',
        cause: error,
      });
    default:
      return new ProblemError(500, 'internal', { cause: error });
  }
}

export interface FrameworkErrorsOptions {
  logger: Logger;
  /** Starts the request's metrics and log line: Fastify's hooks do not run for these requests. */
  track(request: FastifyRequest, reply: FastifyReply): void;
}

/** Fastify's `frameworkErrors` option: every such answer is problem+json, counted and logged like any other. */
export function frameworkErrorHandler(options: FrameworkErrorsOptions) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    options.track(request, reply);
    const problem = frameworkProblem(error);
    if (problem.code === 'internal') options.logger.error({ err: error, method: request.method }, 'framework error');
    sendProblem(reply, problem, request.url);
  };
}

/** A Node `clientError`: the bytes were not an HTTP request we could parse, so no route ever saw them. */
export function clientErrorProblem(error: Error & { code?: string }): ProblemError {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new ProblemError(408, 'request-timeout', { detail: 'the request did not arrive in time' });
    case 'HPE_HEADER_OVERFLOW':
      return new ProblemError(431, 'header-fields-too-large', {
        detail: 'the request line and headers are larger than this server accepts',
      });
    default:
      return new ProblemError(400, 'malformed-request', { detail: 'the request is not valid HTTP/1.1 (RFC 9112)' });
  }
}

export interface ClientErrorOptions {
  logger: Logger;
  /** Counts the answer (status) in the HTTP metrics: it is a request that got an answer, too. */
  countUnparsed?(statusCode: number): void;
}

/**
 * Fastify's `clientErrorHandler`: answers a request Node's parser refused with a problem+json body
 * and closes the connection (as Node and Fastify do), logging one line. A reset connection gets
 * nothing: there is nobody to answer.
 */
export function clientErrorHandler(options: ClientErrorOptions) {
  return (error: Error & { code?: string }, socket: Socket): void => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const problem = clientErrorProblem(error);
    options.countUnparsed?.(problem.status);
    options.logger.info(
      { method: null, route: 'unmatched', status: problem.status, problem: problem.code, reason: error.code },
      'request',
    );
    if (socket.writable) {
      const body = JSON.stringify(problemBody(problem));
      socket.write(
        `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? 'Error'}\r\n` +
          `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy(error);
  };
}
