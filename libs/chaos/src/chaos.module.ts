import { type DynamicModule, Inject, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost, ModuleRef } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { AuthModule, type TokenVerifierOptions } from '#libs/auth';
import { KafkaConnection } from '#libs/kafka';
import type { ServiceContext } from '#libs/platform';
import { Chaos, chaosFor } from './chaos';
import { ChaosController } from './chaos.controller';
import type { ChaosKafkaTarget } from './effects/kafka-faults';
import { chaosRequestHook } from './request-hook';

export interface ChaosModuleOptions {
  /**
   * Where `pause-consumer` and `produce-failure` act: `true` for the app's own KafkaConnection (from
   * KafkaModule, looked up once the app is built), or a connection given directly.
   */
  kafka?: ChaosKafkaTarget | boolean;
  /**
   * How the chaos API verifies its `lab:chaos` tokens: usually `authOptions(context.config)` from
   * `#libs/auth`, the app's validated TOKEN_DEALER_URL / TOKEN_ISSUER / TOKEN_AUDIENCE.
   */
  auth: TokenVerifierOptions;
}

const CHAOS_KAFKA = Symbol('CHAOS_KAFKA');

/**
 * Fault injection for any app, in one line: `ChaosModule.register(context, { kafka: true, auth })`.
 * Serves `/admin/chaos/faults` (scope `lab:chaos`) and hooks route and whole-service faults into
 * every incoming request except /health, /metrics and /admin/chaos.
 */
@Module({})
export class ChaosModule implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(Chaos) private readonly chaos: Chaos,
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
    @Inject(CHAOS_KAFKA) private readonly kafka: ChaosKafkaTarget | boolean,
    @Inject(ModuleRef) private readonly moduleRef: ModuleRef,
  ) {}

  static register(context: ServiceContext, options: ChaosModuleOptions): DynamicModule {
    return {
      module: ChaosModule,
      imports: [AuthModule.register(options.auth)],
      controllers: [ChaosController],
      providers: [
        { provide: Chaos, useValue: chaosFor(context) },
        { provide: CHAOS_KAFKA, useValue: options.kafka ?? false },
      ],
      exports: [Chaos],
    };
  }

  onModuleInit(): void {
    // Routes are registered by now, but Fastify applies hooks to every route until it is ready.
    const instance = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    instance.addHook('onRequest', chaosRequestHook(this.chaos.injector));
    if (this.kafka === true) this.chaos.attachKafka(this.moduleRef.get(KafkaConnection, { strict: false }));
    else if (this.kafka) this.chaos.attachKafka(this.kafka);
  }

  onApplicationShutdown(): void {
    this.chaos.close();
  }
}
