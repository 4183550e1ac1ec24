/** What the preload leaves behind for the app: whether tracing runs, and how to flush it. */
export interface TracingHandle {
  /** True when the OpenTelemetry SDK was started (an OTLP endpoint is set and nothing turned it off). */
  readonly enabled: boolean;
  /** Flushes buffered spans and stops the SDK; call on shutdown. */
  shutdown(): Promise<void>;
}

/** The handle of an app that runs untraced. */
export const TRACING_OFF: TracingHandle = { enabled: false, shutdown: async () => undefined };

const KEY = '__jeevesTracing';

/** Stores the handle for `tracingHandle()`; the preload calls it once. */
export function registerTracingHandle(handle: TracingHandle): void {
  (globalThis as { [KEY]?: TracingHandle })[KEY] = handle;
}

/** The tracing handle the preload registered, or a no-op one when the app runs without it. */
export function tracingHandle(): TracingHandle {
  return (globalThis as { [KEY]?: TracingHandle })[KEY] ?? TRACING_OFF;
}
