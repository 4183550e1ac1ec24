/**
 * `npm run bench -- <name> [options]`: benchmarks that measure this machine, run by hand (never in
 * CI: speed belongs in benchmarks, as ratios, not in tests).
 *   drivers   load-driver comparison behind ADR 0060 (undici open model vs autocannon vs vegeta)
 *   overhead  pipeline throughput and p99 with instrumentation off / metrics / metrics + traces
 *   capacity  what the lab sustains (e2e from data-service's histogram, no polling) beside a bare kafkajs
 *             pipeline; the gateway alone beside a bare Nest+Fastify handler; CPU per message (ADR 0061)
 *   consumers bot, worker and data-service (or --apps) of two builds side by side on a running lab (--variant NAME=<root>)
 *   footprint start-up to ready and idle RSS per service, this build beside another revision's
 *             (--against <rev>), rounds alternating; also an HTML chart in .lab/bench/footprint.html
 *   token-guessing  wrong-secret requests/s the token-dealer survives, failed-attempt limits on and off
 *   first-run the README's first command on a fresh clone, every cache empty and then warm; idle memory
 *   gateway-accept  the gateway's POST path, consumers stopped: builds side by side (--variant name=<root>),
 *             CPU ms per POST at a fixed rate and the accept rate, beside the bare handler (prints only)
 *   polling   GET /v1/messages/:id polled with and without If-None-Match and br: bytes received and
 *             gateway CPU per poll (ADR 0043)
 *   trace-ui  Zipkin's ready time and idle RSS, the whole lab's idle RSS with and without it (prints only)
 *   payloads  JSON, MessagePack and Protobuf envelopes: bytes and encode/decode CPU per record per event
 *             type, and the pipeline's capacity, e2e p99 and CPU per message with every producer on each
 * Each writes its section of docs/performance.md (--no-doc to skip).
 */
import { bench as capacity } from './capacity';
import { bench as consumers } from './consumers-ab';
import { bench as drivers } from './drivers-command';
import { bench as firstRun } from './first-run';
import { bench as footprint } from './footprint';
import { bench as gatewayAccept } from './gateway-accept';
import { bench as overhead } from './overhead';
import { bench as payloads } from './payloads';
import { bench as polling } from './polling';
import { bench as tokenGuessing } from './token-guessing';
import { bench as traceUi } from './trace-ui';
import { progress, type Bench } from './support';

const BENCHES: Record<string, Bench> = {
  drivers,
  overhead,
  capacity,
  consumers,
  footprint,
  'gateway-accept': gatewayAccept,
  'token-guessing': tokenGuessing,
  'first-run': firstRun,
  'trace-ui': traceUi,
  payloads,
  polling,
};

// kafkajs 2.2.4 computes negative timer delays on Node 24; the warning is noise, not a fault.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name !== 'TimeoutNegativeWarning') process.stderr.write(`${warning.name}: ${warning.message}\n`);
});

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  const bench = name ? BENCHES[name] : undefined;
  if (!bench) {
    process.stderr.write(`Usage: npm run bench -- <${Object.keys(BENCHES).join('|')}> [options]\n`);
    return 2;
  }
  return bench.run(rest, progress(Date.now()));
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
