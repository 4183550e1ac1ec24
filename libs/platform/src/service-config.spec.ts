import { Controller, Get, Module } from '@nestjs/common';
import { ConfigError } from '#libs/config';
import { createLogger } from '#libs/observability';
import { buildService, type BuiltService } from './service';

@Controller()
class PingController {
  @Get('ping')
  ping(): { ok: true } {
    return { ok: true };
  }
}

@Module({ controllers: [PingController] })
class PingModule {}

const definition = { name: 'config-probe', defaultPort: 3998, configShape: {}, module: () => PingModule };
const silent = { logger: createLogger({ service: 'config-probe', level: 'silent' }) };

async function build(environment: NodeJS.ProcessEnv): Promise<BuiltService<unknown>> {
  const built = await buildService(definition, environment, silent);
  await built.app.init();
  await built.app.getHttpAdapter().getInstance().ready();
  return built;
}

/** HOST and JEEVES_HTTP_METRICS go through the validated config like every other setting. */
describe('the platform settings every service reads', () => {
  it('counts requests unless JEEVES_HTTP_METRICS=off, which leaves out only the HTTP metrics', async () => {
    for (const [setting, counted] of [
      [undefined, true],
      ['on', true],
      ['off', false],
    ] as const) {
      const built = await build(setting === undefined ? {} : { JEEVES_HTTP_METRICS: setting });
      try {
        expect((await built.app.inject({ method: 'GET', url: '/ping' })).statusCode).toBe(200);
        const metrics = (await built.app.inject({ method: 'GET', url: '/metrics' })).body;
        expect(metrics.includes('http_server_request_duration_seconds_count{')).toBe(counted);
        expect(metrics).toContain('process_cpu_seconds_total');
      } finally {
        await built.app.close();
      }
    }
  });

  it('takes HOST as an IP address or a host name, default loopback', async () => {
    for (const [HOST, expected] of [
      [undefined, '127.0.0.1'],
      ['0.0.0.0', '0.0.0.0'],
      ['::', '::'],
      ['localhost', 'localhost'],
    ] as const) {
      const built = await buildService(definition, HOST === undefined ? {} : { HOST }, silent);
      expect((built.context.config as { HOST: string }).HOST).toBe(expected);
      await built.app.close();
    }
  });

  it('stops the boot naming a bad HOST or JEEVES_HTTP_METRICS and its value', async () => {
    const attempt = buildService(definition, { HOST: 'not a host', JEEVES_HTTP_METRICS: 'maybe' }, silent);
    await expect(attempt).rejects.toThrow(ConfigError);
    await expect(attempt).rejects.toThrow(
      /HOST="not a host": expected an IP address[\s\S]*JEEVES_HTTP_METRICS="maybe"/,
    );
  });
});
