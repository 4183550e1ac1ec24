import type { Logger, MetricsRegistry } from '#libs/observability';
import { CpuBurner } from './effects/cpu-burn';
import { type ChaosKafkaTarget, KafkaFaults } from './effects/kafka-faults';
import { MemoryHog } from './effects/memory-hog';
import { FaultRegistry } from './fault-registry';
import { ChaosInjector } from './injector';

export interface ChaosOptions {
  registry: MetricsRegistry;
  logger: Logger;
  /** How a `crash` fault ends the process; default SIGKILL to itself (a crash, not a shutdown). */
  crash?: () => void;
  /** Delay between answering 201 and crashing, so the caller sees its answer. */
  crashDelayMs?: number;
  random?: () => number;
}

/**
 * One process's chaos: the fault list, the injector the HTTP hook and dependency clients consult,
 * and the effects (CPU, memory, crash, Kafka) that follow the list.
 */
export class Chaos {
  readonly faults: FaultRegistry;
  readonly injector: ChaosInjector;
  readonly cpu = new CpuBurner();
  readonly memory = new MemoryHog();
  private kafka: KafkaFaults | undefined;

  constructor(private readonly options: ChaosOptions) {
    this.faults = new FaultRegistry({ registry: options.registry });
    this.injector = new ChaosInjector(this.faults, options.random);
    this.faults.subscribe((event, fault) => {
      const log = {
        faultId: fault.id,
        type: fault.type,
        target: fault.target,
        params: fault.params,
        expiresAt: fault.expiresAt,
      };
      if (event === 'added') options.logger.warn(log, 'chaos fault injected');
      else options.logger.info(log, 'chaos fault ended');
      switch (fault.type) {
        case 'cpu':
          if (event === 'added') this.cpu.start(fault.id, Number(fault.params.percent));
          else this.cpu.stop(fault.id);
          break;
        case 'memory':
          if (event === 'added') this.memory.hold(fault.id, Number(fault.params.mb));
          else this.memory.release(fault.id);
          break;
        case 'crash':
          if (event === 'added') this.scheduleCrash();
          break;
        default:
          break;
      }
    });
  }

  /** Lets `pause-consumer` and `produce-failure` act on this Kafka connection. */
  attachKafka(kafka: ChaosKafkaTarget): void {
    this.kafka = new KafkaFaults(kafka, this.faults, this.options.random);
    this.kafka.install();
  }

  /** Ends every fault (their effects stop with them). */
  close(): void {
    this.faults.clear();
    this.kafka?.uninstall();
  }

  /** Bound for use as a breaker's `beforeCall`. */
  readonly beforeDependency = (dependency: string, signal?: AbortSignal): Promise<void> =>
    this.injector.beforeDependency(dependency, signal);

  private scheduleCrash(): void {
    const crash = this.options.crash ?? (() => process.kill(process.pid, 'SIGKILL'));
    this.options.logger.flush();
    setTimeout(crash, this.options.crashDelayMs ?? 100);
  }
}

const perContext = new WeakMap<object, Chaos>();

/**
 * The process's Chaos for a service context, created on first use. Both ChaosModule and the
 * dependency clients (breakers' `beforeCall`) get the same one without sharing a Nest module.
 */
export function chaosFor(context: { registry: MetricsRegistry; logger: Logger }): Chaos {
  let chaos = perContext.get(context);
  if (!chaos) {
    chaos = new Chaos({ registry: context.registry, logger: context.logger });
    perContext.set(context, chaos);
  }
  return chaos;
}
