import type { TracingHandle } from './tracing';

/** The tracing handle the preload registered, or a no-op one when the app runs without it. */
export function tracingHandle(): TracingHandle {
  return (
    (globalThis as { __jeevesTracing?: TracingHandle }).__jeevesTracing ?? {
      enabled: false,
      shutdown: async () => undefined,
    }
  );
}
