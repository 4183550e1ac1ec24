import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths that may hold credentials anywhere a log call could put them. Tokens, secrets and
 * authorization headers are never written, whatever the level.
 */
export const REDACTED_PATHS = [
  'authorization',
  'password',
  'secret',
  'token',
  'client_secret',
  'access_token',
  '*.authorization',
  '*.password',
  '*.secret',
  '*.token',
  '*.client_secret',
  '*.access_token',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
];

export interface LoggerOptions {
  service: string;
  instance?: string;
  level?: string;
  /** Where lines go; defaults to stdout. Tests pass a stream to read them back. */
  destination?: pino.DestinationStream;
}

/**
 * JSON lines with `service`, and `trace_id`/`span_id` when a span is active (added by the
 * OpenTelemetry pino instrumentation the preload registers).
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service, ...(options.instance ? { instance: options.instance } : {}) },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: pino.stdSerializers.errWithCause, error: pino.stdSerializers.errWithCause },
    },
    options.destination ?? pino.destination({ sync: false }),
  );
}
