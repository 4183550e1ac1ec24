export { Chaos, chaosFor } from './chaos';
export type { ChaosOptions } from './chaos';
export { ChaosModule } from './chaos.module';
export type { ChaosModuleOptions } from './chaos.module';
export { ChaosController, CHAOS_SCOPE } from './chaos.controller';
export { FaultRegistry } from './fault-registry';
export type { Fault, FaultListener, FaultRegistryOptions } from './fault-registry';
export {
  faultSpecSchema,
  FAULT_TYPES,
  ALLOWED_TARGETS,
  DEFAULT_FAULT_DURATION_MS,
  MAX_FAULT_DURATION_MS,
} from './fault-spec';
export type { FaultSpec, FaultType, FaultParams, TargetKind } from './fault-spec';
export { ChaosInjector, EXEMPT_PATHS, isExempt } from './injector';
export type { RequestVerdict } from './injector';
export { ChaosInjectedError, isChaosInjected } from './errors';
export { sampleLatencyMs } from './latency';
export type { LatencyDistribution, LatencyParams } from './latency';
export { chaosRequestHook } from './request-hook';
export { CpuBurner } from './effects/cpu-burn';
export { MemoryHog } from './effects/memory-hog';
export { KafkaFaults } from './effects/kafka-faults';
export type { ChaosKafkaTarget } from './effects/kafka-faults';
