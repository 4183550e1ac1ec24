import { type DynamicModule, Module } from '@nestjs/common';
import type { ServiceContext } from '#libs/platform';
import { ChaosController } from './chaos/chaos.controller';
import { ChatController } from './chat/chat.controller';
import type { ConsoleConfig } from './console.config';
import { experimentProviders } from './experiments/experiments.providers';
import { ExperimentsController } from './experiments/experiments.controller';
import { ReportsController } from './experiments/reports.controller';
import { OverviewController } from './overview/overview.controller';
import { HttpPrometheusQueries, PrometheusQueries } from './prometheus/prometheus-client';
import { HttpToxiproxyClient, ToxiproxyClient } from './toxiproxy/toxiproxy-client';
import { ToxiproxyController } from './toxiproxy/toxiproxy.controller';
import { ClientCredentialsTokens } from './upstream/client-credentials';
import { LabServices } from './upstream/lab-services';
import { defaultWebDir, loadWebBundle } from './web/web-bundle';
import { WebController } from './web/web.controller';
import { WEB_BUNDLE } from './web/web.tokens';

@Module({})
export class ConsoleModule {
  static register(context: ServiceContext<ConsoleConfig>): DynamicModule {
    const config = context.config;
    const urls = config.CONSOLE_SERVICE_URLS;
    const timeoutMs = config.CONSOLE_UPSTREAM_TIMEOUT_MS;
    const tokens = (id: string, secret: string) =>
      new ClientCredentialsTokens(urls['token-dealer'], { id, secret }, timeoutMs);
    const services = new LabServices({
      urls,
      admin: tokens(config.CONSOLE_ADMIN_CLIENT_ID, config.CONSOLE_ADMIN_CLIENT_SECRET),
      demo: tokens(config.CONSOLE_DEMO_CLIENT_ID, config.CONSOLE_DEMO_CLIENT_SECRET),
      timeoutMs,
    });
    const webDir = config.CONSOLE_WEB_DIR || defaultWebDir();
    const bundle = loadWebBundle(webDir);
    // Ready only with a page to serve: a console without its page is a build problem, said by /health/ready.
    context.readiness.register('web-bundle', () => bundle.has('/index.html'));
    if (!bundle.has('/index.html')) context.logger.warn({ webDir }, 'console page not built; / answers 503');
    return {
      module: ConsoleModule,
      controllers: [
        ChaosController,
        ChatController,
        OverviewController,
        ToxiproxyController,
        ExperimentsController,
        ReportsController,
        WebController,
      ],
      providers: [
        { provide: LabServices, useValue: services },
        { provide: PrometheusQueries, useValue: new HttpPrometheusQueries(config.CONSOLE_PROMETHEUS_URL, timeoutMs) },
        { provide: ToxiproxyClient, useValue: new HttpToxiproxyClient(config.CONSOLE_TOXIPROXY_URL, timeoutMs) },
        { provide: WEB_BUNDLE, useValue: bundle },
        ...experimentProviders(context),
      ],
    };
  }
}
