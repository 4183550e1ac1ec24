import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { type DynamicModule, type INestApplication, type INestMicroservice, Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { commonShape, env, loadConfig } from '#libs/config';
import {
  createHttpMetrics,
  createLogger,
  createMetricsRegistry,
  type FinishedRequest,
  type HttpRequestTracker,
  instrumentHttp,
  type Logger,
  requestFacts,
  tracingHandle,
} from '#libs/observability';
import { refuseUnroutedRequests, RouteTable } from './allowed-methods';
import { registerBodyParsers } from './body-parsers';
import { registerCompression } from './compression';
import { clientErrorHandler, frameworkErrorHandler } from './framework-errors';
import { REQUEST_ID_PATTERN } from './headers';
import { PlatformModule } from './platform.module';
import { ProblemError } from './problem';
import { ProblemFilter } from './problem.filter';
import { Readiness } from './readiness';
import type { ServiceContext } from './service-context';

type Shape = Record<string, z.ZodType>;
type CommonShape = typeof commonShape & { PORT: ReturnType<typeof env.port> };
export type ServiceConfig<S extends Shape> = Readonly<z.infer<z.ZodObject<S & CommonShape>>>;
/** The variables every service has, whatever its own shape. */
export type CommonConfig = Readonly<z.infer<z.ZodObject<CommonShape>>>;

/** Largest accepted request body; larger ones get 413. */
export const DEFAULT_BODY_LIMIT_BYTES = 16 * 1024;

export interface ServiceDefinition<S extends Shape> {
  name: string;
  defaultPort: number;
  /** The app's own environment variables, beyond the common ones. */
  configShape: S;
  bodyLimitBytes?: number;
  /**
   * Compress responses (br/gzip) for clients that accept it (registerCompression). For apps whose
   * answers reach clients over a network: the gateway. Off by default.
   */
  compressResponses?: boolean;
  /** Builds the app's root feature module once the context exists. */
  module(context: ServiceContext<ServiceConfig<S>>): DynamicModule | Type | Promise<DynamicModule | Type>;
  /**
   * Attaches the app's microservice transports (a consuming app's Kafka consumer) with
   * `app.connectMicroservice`; they start before the HTTP server listens.
   */
  connectMicroservices?(
    app: NestFastifyApplication,
    context: ServiceContext<ServiceConfig<S>>,
  ): INestMicroservice | readonly INestMicroservice[];
  /** Extra Fastify set-up (content-type parsers, hooks) before routes are registered. */
  configureHttp?(instance: FastifyInstance, context: ServiceContext<ServiceConfig<S>>): void;
}

export interface BuiltService<C> {
  app: NestFastifyApplication;
  context: ServiceContext<C>;
}

/** Builds the Nest application without listening: `app.inject()` drives it in tests. */
export async function buildService<S extends Shape>(
  definition: ServiceDefinition<S>,
  environment: NodeJS.ProcessEnv = process.env,
  overrides: { logger?: Logger } = {},
): Promise<BuiltService<ServiceConfig<S>>> {
  const config = loadConfig(
    { ...commonShape, PORT: env.port(definition.defaultPort), ...definition.configShape },
    environment,
  ) as ServiceConfig<S>;
  const common = config as unknown as CommonConfig;
  const instanceId = common.INSTANCE_ID || `${definition.name}-${process.pid}`;
  const logger =
    overrides.logger ?? createLogger({ service: definition.name, instance: instanceId, level: common.LOG_LEVEL });
  const registry = createMetricsRegistry({ service: definition.name });
  const context: ServiceContext<ServiceConfig<S>> = {
    name: definition.name,
    instanceId,
    config,
    logger,
    registry,
    readiness: new Readiness(),
  };

  // Every answer Fastify could give on its own goes through our problem+json and request tracking:
  // frameworkErrors (bad URL encoding, over-long path parameters), clientErrorHandler (bytes that
  // are not HTTP), and shutdown (our own 503 below instead of Fastify's return503OnClosing).
  // Fastify takes these handlers at construction; the tracker needs the instance, so it comes after.
  const late: { tracker?: HttpRequestTracker } = {};
  const bodyLimitBytes = definition.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const adapter = new FastifyAdapter({
    bodyLimit: bodyLimitBytes,
    logger: false,
    return503OnClosing: false,
    routerOptions: { maxParamLength: 256 },
    genReqId: requestId,
    frameworkErrors: frameworkErrorHandler({
      logger,
      track: (request, reply) => late.tracker?.track(request.raw, reply.raw),
    }),
    clientErrorHandler: clientErrorHandler({ logger, countUnparsed: (status) => late.tracker?.countUnparsed(status) }),
  });
  const instance = adapter.getInstance() as unknown as FastifyInstance;
  // JEEVES_HTTP_METRICS=off: the overhead benchmark's baseline (libs/config commonShape).
  late.tracker = instrumentHttp(instance, {
    metrics: common.JEEVES_HTTP_METRICS === 'off' ? undefined : createHttpMetrics(registry),
    onFinished: requestLogger(logger),
  });
  refuseWhileClosing(instance);
  registerBodyParsers(instance, bodyLimitBytes);
  const routes = new RouteTable();
  instance.addHook('onRoute', (route) => routes.add(route.url, route.method));
  refuseUnroutedRequests(instance, routes);
  definition.configureHttp?.(instance, context);

  const feature = await definition.module(context);

  @Module({ imports: [PlatformModule.forRoot(context), feature] })
  class RootModule {}

  const app = await NestFactory.create<NestFastifyApplication>(RootModule, adapter, {
    logger: nestLogger(logger),
    abortOnError: false,
    // registerBodyParsers above is the only body parsing (strict UTF-8); Nest's would replace it.
    bodyParser: false,
  });
  app.useGlobalFilters(new ProblemFilter(logger, routes));
  if (definition.compressResponses) await registerCompression(app);
  // No app.enableShutdownHooks(): runService handles SIGTERM/SIGINT itself (app.close() runs the
  // same lifecycle hooks). Nest's handler re-raises the signal once the app is closed, which would
  // end the process before buffered spans are flushed.
  return { app, context };
}

/** Starts the service: builds it, listens on PORT, and shuts down cleanly on SIGTERM/SIGINT. */
export async function runService<S extends Shape>(definition: ServiceDefinition<S>): Promise<INestApplication> {
  let built: BuiltService<ServiceConfig<S>>;
  try {
    built = await buildService(definition);
  } catch (error) {
    process.stderr.write(
      `${definition.name} failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  }
  const { app, context } = built;
  const config = context.config as unknown as CommonConfig;
  definition.connectMicroservices?.(app, context);
  try {
    await app.startAllMicroservices();
  } catch (error) {
    context.logger.fatal({ err: error }, `${definition.name} failed to start its consumer`);
    context.logger.flush();
    process.exit(1);
  }
  await app.listen({ port: config.PORT, host: config.HOST });
  context.logger.info({ port: config.PORT, tracing: tracingHandle().enabled }, `${definition.name} listening`);

  const shutdown = async (signal: string) => {
    context.logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => process.exit(1), config.SHUTDOWN_TIMEOUT_MS);
    deadline.unref();
    try {
      await app.close();
      await tracingHandle().shutdown();
    } finally {
      context.logger.flush();
      process.exit(0);
    }
  };
  process.once('SIGTERM', (signal) => void shutdown(signal));
  process.once('SIGINT', (signal) => void shutdown(signal));
  process.on('unhandledRejection', (reason) => context.logger.error({ err: reason }, 'unhandled rejection'));
  return app;
}

const QUIET_ROUTES = /^\/(metrics|health\/)/;

/**
 * One line per request, however it ended: method, route, status (499 when the client hung up
 * first), duration, request id, and the problem code when it failed.
 */
function requestLogger(logger: Logger) {
  return (finished: FinishedRequest): void => {
    const line = {
      method: finished.method,
      route: finished.route,
      status: finished.statusCode,
      durationMs: Math.round(finished.durationSeconds * 10_000) / 10,
      requestId: finished.requestId,
      problem: finished.problem,
    };
    if (QUIET_ROUTES.test(finished.path)) logger.debug(line, 'request');
    else logger.info(line, 'request');
  };
}

/**
 * Fastify's `genReqId`: the caller's `X-Request-Id` when it is sane (REQUEST_ID_PATTERN), else a
 * fresh UUID. Kept on the raw request too, for the log line of a request no hook saw.
 */
function requestId(request: IncomingMessage): string {
  const facts = requestFacts(request);
  const incoming = request.headers['x-request-id'];
  facts.requestId ??= typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID();
  return facts.requestId;
}

/**
 * While the app shuts down, requests still arriving on open keep-alive connections get a
 * problem+json 503 and `Connection: close` (Fastify's own `return503OnClosing` answers plain JSON).
 */
function refuseWhileClosing(instance: FastifyInstance): void {
  let closing = false;
  instance.addHook('preClose', async () => {
    closing = true;
  });
  instance.addHook('onRequest', async () => {
    if (!closing) return;
    throw new ProblemError(503, 'not-ready', {
      detail: 'shutting down; retry on another connection',
      retryAfterSeconds: 1,
      headers: { connection: 'close' },
    });
  });
}

function nestLogger(logger: Logger) {
  return {
    log: (message: unknown, context?: string) => logger.debug({ context }, String(message)),
    error: (message: unknown, trace?: string, context?: string) => logger.error({ context, trace }, String(message)),
    warn: (message: unknown, context?: string) => logger.warn({ context }, String(message)),
    debug: (message: unknown, context?: string) => logger.debug({ context }, String(message)),
    verbose: (message: unknown, context?: string) => logger.trace({ context }, String(message)),
  };
}
