/*
 * Loaded with `node --require ./dist/libs/observability/src/preload.js` before the app's main module:
 * OpenTelemetry patches modules as they are required, so it must be in place before Nest, Fastify,
 * kafkajs, pg or pino load. When tracing is off, nothing is registered and nothing is patched.
 */
import { basename, dirname } from 'node:path';
import type { Span } from '@opentelemetry/api';
import { ENVELOPE_ID_HEADER, lastHeaderText, type RecordHeaders } from '#libs/contracts';
import { restoreKeptPropagationHeaders } from './kafka-trace-headers';
import { startNodeSdk } from './tracing';
import { registerTracingHandle } from './tracing-handle';

/** The app's folder name, the service name when OTEL_SERVICE_NAME is unset. */
function appNameFromEntry(): string {
  const entry = process.argv[1] ?? 'jeeves';
  // dist/apps/<app>/src/main.js → <app>
  return basename(dirname(dirname(entry)));
}

registerTracingHandle(
  startNodeSdk(appNameFromEntry(), () => {
    // Required lazily so that a lab with tracing off never loads them.
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { HttpInstrumentation } =
      require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
    const { UndiciInstrumentation } =
      require('@opentelemetry/instrumentation-undici') as typeof import('@opentelemetry/instrumentation-undici');
    const { KafkaJsInstrumentation } =
      require('@opentelemetry/instrumentation-kafkajs') as typeof import('@opentelemetry/instrumentation-kafkajs');
    const { PinoInstrumentation } =
      require('@opentelemetry/instrumentation-pino') as typeof import('@opentelemetry/instrumentation-pino');
    const { PgInstrumentation } =
      require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
    /* eslint-enable @typescript-eslint/no-require-imports */
    return [
      new HttpInstrumentation({
        // Scrapes and health probes would drown the traces that matter.
        ignoreIncomingRequestHook: (request) => /^\/(metrics|health\/)/.test(request.url ?? ''),
      }),
      new UndiciInstrumentation(),
      new KafkaJsInstrumentation({
        // messaging.message.id from the envelope id header our publisher sets.
        // Runs after the instrumentation injected its trace headers: a dead-letter copy gets the
        // original's back (kafka-trace-headers.ts).
        producerHook: (span, { message }) => {
          restoreKeptPropagationHeaders(message.headers);
          setMessageId(span, message.headers);
        },
        consumerHook: (span, { message }) => setMessageId(span, message.headers),
      }),
      // Logs go to stdout; the instrumentation only adds trace_id/span_id to them.
      new PinoInstrumentation({ disableLogSending: true }),
      new PgInstrumentation(),
    ];
  }),
);

/** Values may be null, Buffers or repeated (see record-headers.ts in libs/contracts): read, never assume. */
function setMessageId(span: Span, headers: RecordHeaders | undefined): void {
  const id = lastHeaderText(headers, ENVELOPE_ID_HEADER);
  if (id !== undefined) span.setAttribute('messaging.message.id', id);
}
