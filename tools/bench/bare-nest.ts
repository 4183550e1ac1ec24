/**
 * The "bare HTTP handler on the same framework" of the capacity benchmark: NestJS 11 on the Fastify
 * adapter with two routes (GET /, POST /) and nothing else (no auth, no Kafka, no metrics). Its own process; prints
 * `LISTENING <port>`.
 */
import 'reflect-metadata';
import { Body, Controller, Get, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';

@Controller()
class BareController {
  @Get()
  hello(): { ok: true } {
    return { ok: true };
  }

  /** The gateway's POST measured the same way: a JSON body parsed, 202 with an id. */
  @Post()
  @HttpCode(202)
  accept(@Body() body: { user?: unknown }): { id: string } {
    return { id: String(body?.user ?? '') };
  }
}

@Module({ controllers: [BareController] })
class BareModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(BareModule, new FastifyAdapter(), { logger: false });
  await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
  const address = app.getHttpServer().address() as { port: number };
  process.stdout.write(`LISTENING ${address.port}\n`);
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
