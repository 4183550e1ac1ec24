import { Writable } from 'node:stream';
import { Body, Controller, Get, Module, Param, Post } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Gauge, Histogram } from 'prom-client';
import { createLogger, type MetricsRegistry } from '#libs/observability';
import { buildService } from '../service';

/** Lets a test decide when `GET /slow` answers. */
export class Gate {
  private waiting: (() => void)[] = [];
  /** Resolves when the test calls `open()`. */
  wait(): Promise<void> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }
  /** Requests currently held at the gate. */
  get held(): number {
    return this.waiting.length;
  }
  open(): void {
    for (const release of this.waiting.splice(0)) release();
  }
}

const gate = new Gate();

@Controller()
class ProbeController {
  @Get('slow')
  async slow(): Promise<{ ok: true }> {
    await gate.wait();
    return { ok: true };
  }

  @Get('boom')
  boom(): never {
    throw new Error('a bug of ours');
  }

  @Get('items/:id')
  item(@Param('id') id: string): { id: string } {
    return { id };
  }

  @Post('items')
  echo(@Body() body: unknown): { body: unknown } {
    return { body };
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

export interface ProbeService {
  app: NestFastifyApplication;
  baseUrl: string;
  gate: Gate;
  registry: MetricsRegistry;
  /** The JSON log lines written so far. */
  logLines(): Record<string, unknown>[];
  /** The current value of `http_server_requests_in_flight`. */
  inFlight(): Promise<number>;
  /** The `_count` of `http_server_request_duration_seconds` for these labels (summed over the rest). */
  requestCount(labels: Record<string, string>): Promise<number>;
  close(): Promise<void>;
}

/**
 * A tiny service built by `buildService`, listening on a loopback port, with routes that wait for
 * the test, throw, take a path parameter and echo a body: the platform's HTTP edge on its own.
 */
export async function startProbeService(): Promise<ProbeService> {
  const lines: string[] = [];
  const logger = createLogger({
    service: 'probe',
    level: 'debug',
    destination: new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    }),
  });
  const { app, context } = await buildService(
    { name: 'probe', defaultPort: 0, configShape: {}, module: () => ProbeModule },
    { LOG_LEVEL: 'debug' },
    { logger },
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address() as { port: number };
  const registry = context.registry;
  return {
    app,
    baseUrl: `http://127.0.0.1:${address.port}`,
    gate,
    registry,
    logLines: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    inFlight: async () => {
      const gauge = registry.getSingleMetric('http_server_requests_in_flight') as Gauge;
      return (await gauge.get()).values[0]?.value ?? 0;
    },
    requestCount: async (labels) => {
      const histogram = registry.getSingleMetric('http_server_request_duration_seconds') as Histogram;
      const values = (await histogram.get()).values.filter(
        (v) =>
          v.metricName === 'http_server_request_duration_seconds_count' &&
          Object.entries(labels).every(([name, value]) => String(v.labels[name]) === value),
      );
      return values.reduce((sum, v) => sum + v.value, 0);
    },
    close: async () => {
      gate.open();
      await app.close();
    },
  };
}
