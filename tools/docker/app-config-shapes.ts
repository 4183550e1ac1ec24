/**
 * Each app's environment as its own boot validation reads it (libs/platform buildService: the
 * common variables, PORT with the app's default, then the app's own shape). For the specs that
 * check files written outside the apps (the image, compose, Kubernetes manifests) against the code.
 */
import type { z } from 'zod';
import { botConfigShape } from '../../apps/bot/src/bot.config';
import { dataServiceConfigShape } from '../../apps/data-service/src/data-service.config';
import { gatewayConfigShape } from '../../apps/gateway/src/gateway.config';
import { providerConfigShape } from '../../apps/provider/src/provider.config';
import { tokenDealerConfigShape } from '../../apps/token-dealer/src/token-dealer.config';
import { workerConfigShape } from '../../apps/worker/src/worker.config';
import { commonShape, env } from '#libs/config';
import { defaultPortOf, type ServiceName } from '#libs/contracts';

/** Variable name → the zod schema that validates it. */
export type ConfigShape = Record<string, z.ZodType>;

const OWN_SHAPES: Record<ServiceName, ConfigShape> = {
  gateway: gatewayConfigShape,
  'token-dealer': tokenDealerConfigShape,
  'data-service': dataServiceConfigShape,
  provider: providerConfigShape,
  bot: botConfigShape,
  worker: workerConfigShape,
};

/** The apps, in the order of the table above. */
export const CONFIGURED_APPS = Object.keys(OWN_SHAPES) as ServiceName[];

/** Every variable `app` validates at boot, with its schema. */
export function appConfigShape(app: ServiceName): ConfigShape {
  return { ...commonShape, PORT: env.port(defaultPortOf(app)), ...OWN_SHAPES[app] };
}
