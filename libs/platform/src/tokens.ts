/** Injection tokens for what every service has: its logger, metrics registry, readiness and context. */
export const LOGGER = Symbol('LOGGER');
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');
export const READINESS = Symbol('READINESS');
export const SERVICE_CONTEXT = Symbol('SERVICE_CONTEXT');
