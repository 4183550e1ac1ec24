/*
 * Runs the OTLP/JSON sink as its own process: `node dist/tools/otlp-sink/main.js --port 4318 --file spans.jsonl`.
 * The lab starts it when no collector is configured, so traces are always there to look at.
 */
import { parseArgs } from 'node:util';
import { startOtlpSink } from './sink';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { port: { type: 'string', default: '4318' }, file: { type: 'string', default: 'spans.jsonl' } },
  });
  const sink = await startOtlpSink({ port: Number(values.port), file: values.file });
  process.stdout.write(`otlp sink listening on ${sink.endpoint}, writing ${values.file}\n`);
  const stop = () => void sink.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

void main();
