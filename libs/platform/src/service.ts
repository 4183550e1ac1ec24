import 'reflect-metadata';
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
  instrumentHttp,
  type Logger,
  tracingHandle,
} from '#libs/observability';
import { PlatformModule } from './platform.module';
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

  const adapter = new FastifyAdapter({
    bodyLimit: definition.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    logger: false,
    return503OnClosing: true,
    routerOptions: { maxParamLength: 256 },
  });
  const instance = adapter.getInstance() as unknown as FastifyInstance;
  // JEEVES_HTTP_METRICS=off exists for the overhead benchmark (tools/bench/overhead.ts): its
  // "instrumentation off" baseline. The lab never sets it.
  if (process.env.JEEVES_HTTP_METRICS !== 'off') instrumentHttp(instance, createHttpMetrics(registry));
  logRequests(instance, logger);
  definition.configureHttp?.(instance, context);

  const feature = await definition.module(context);

  @Module({ imports: [PlatformModule.forRoot(context), feature] })
  class RootModule {}

  const app = await NestFactory.create<NestFastifyApplication>(RootModule, adapter, {
    logger: nestLogger(logger),
    abortOnError: false,
  });
  app.useGlobalFilters(new ProblemFilter(logger));
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
  await app.listen({ port: config.PORT, host: process.env.HOST ?? '127.0.0.1' });
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

/** One line per request: method, route, status, duration, and the problem code when it failed. */
function logRequests(instance: FastifyInstance, logger: Logger): void {
  instance.addHook('onResponse', async (request, reply) => {
    const line = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 10) / 10,
      problem: (reply as { jeevesProblem?: string }).jeevesProblem,
    };
    if (QUIET_ROUTES.test(request.url)) logger.debug(line, 'request');
    else logger.info(line, 'request');
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
