import { CHAOS_SCOPE, LAB_CLIENTS } from '#libs/contracts';
import {
  ChaosApiError,
  HttpChaosApi,
  HttpToxiproxy,
  TokenDealerError,
  TokenSource,
  type ChaosFault,
  type ToxicSpec,
  parseDuration,
} from '../../common';
import { APP_NAMES, isAppName, describeInstance, openLab, resolveInstance, requireRunning, type LabConfig } from '..';
import { type CommandIo, type FlagSpec, type LabCommand, type ParsedArgs, stringFlag, UsageError } from '../command';
import { labLinks, proxiedEnv, startToxiproxy, stopToxiproxy } from '../../toxiproxy/server';

const TYPES = ['latency', 'error', 'hang', 'cpu', 'memory', 'pause-consumer', 'produce-failure', 'crash'] as const;

/** A flag's duration (`30s`, `500ms`, `2m`, a bare number of seconds) → whole milliseconds; a UsageError when it is none. */
export function parseDurationMs(text: string): number {
  try {
    return Math.round(parseDuration(text).ms);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

type Flags = ParsedArgs['flags'];

function numberFlag(flags: Flags, name: string): number | undefined {
  const raw = flags.get(name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw === true || raw.trim() === '' || !Number.isFinite(value))
    throw new UsageError(`--${name} needs a number, e.g. --${name} 0.5`);
  return value;
}

/**
 * Builds the chaos API body from CLI words: `error route:/v1/weather --rate 1 --status 503 --for 20s`.
 * The service validates it (400 with the bad fields); this only maps flags to fields.
 */
export function faultBody(type: string, target: string | undefined, flags: Flags): Record<string, unknown> {
  if (!(TYPES as readonly string[]).includes(type))
    throw new UsageError(`Unknown fault type "${type}". Types: ${TYPES.join(', ')}.`);
  const body: Record<string, unknown> = { type };
  if (target) body.target = target;
  const forFlag = flags.get('for');
  if (forFlag !== undefined) {
    if (forFlag === true) throw new UsageError('--for needs a duration, e.g. --for 30s');
    body.durationMs = parseDurationMs(forFlag);
  }
  const numeric: Record<string, string> = {
    rate: 'rate',
    status: 'status',
    ms: 'ms',
    jitter: 'jitterMs',
    'jitter-ms': 'jitterMs',
    percent: 'percent',
    mb: 'mb',
  };
  for (const [flag, field] of Object.entries(numeric)) {
    const value = numberFlag(flags, flag);
    if (value !== undefined) body[field] = value;
  }
  const distribution = flags.get('distribution');
  if (typeof distribution === 'string') body.distribution = distribution;
  return body;
}

/**
 * The lab-admin token (scope lab:chaos) from token-dealer; credentials from the lab's config
 * (`adminClient`: LAB_ADMIN_CLIENT_ID/SECRET), each unset one the lab-admin client's.
 */
export async function adminToken(tokenDealerUrl: string, adminClient: LabConfig['adminClient']): Promise<string> {
  const client = {
    id: adminClient.id ?? LAB_CLIENTS.admin.id,
    secret: adminClient.secret ?? LAB_CLIENTS.admin.secret,
  };
  try {
    return await new TokenSource(tokenDealerUrl, client, CHAOS_SCOPE).get();
  } catch (error) {
    if (!(error instanceof TokenDealerError)) throw error;
    if (error.status === 0)
      throw new Error(`${error.message}; is the lab up? (npm run lab -- status)`, { cause: error });
    if (error.status >= 300)
      throw new Error(`token-dealer refused the lab-admin token (${error.status}): ${error.text.slice(0, 300)}`, {
        cause: error,
      });
    throw error;
  }
}

function describeFault(service: string, fault: ChaosFault): string {
  const params = Object.entries(fault.params)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
  const left = Math.max(0, Math.round((Date.parse(fault.expiresAt) - Date.now()) / 1000));
  return `${service.padEnd(13)} ${fault.id}  ${fault.type.padEnd(15)} ${(fault.target ?? '(whole service)').padEnd(28)} ${params.padEnd(36)} ${left}s left`;
}

function problemText(status: number, body: unknown): string {
  if (typeof body === 'object' && body !== null) {
    const problem = body as { detail?: string; errors?: { field: string; message: string }[] };
    const fields = problem.errors?.map((e) => `  ${e.field}: ${e.message}`).join('\n');
    return `${status} ${problem.detail ?? ''}${fields ? `\n${fields}` : ''}`;
  }
  return `${status} ${String(body)}`;
}

const TOXICS = ['latency', 'bandwidth', 'timeout', 'reset_peer', 'down'] as const;

/** Maps `network <toxic>` flags to a Toxiproxy toxic (`down` is not a toxic: it disables the proxy). */
export function toxicSpec(type: string, flags: Flags): ToxicSpec {
  const stream = flags.get('stream');
  if (stream !== undefined && stream !== 'upstream' && stream !== 'downstream')
    throw new UsageError('--stream is upstream or downstream');
  const common = {
    stream: (stream as 'upstream' | 'downstream' | undefined) ?? 'downstream',
    toxicity: numberFlag(flags, 'toxicity') ?? 1,
  };
  switch (type) {
    case 'latency':
      return {
        ...common,
        type: 'latency',
        attributes: { latency: numberFlag(flags, 'ms') ?? 500, jitter: numberFlag(flags, 'jitter') ?? 0 },
      };
    case 'bandwidth':
      return { ...common, type: 'bandwidth', attributes: { rate: numberFlag(flags, 'rate') ?? 10 } };
    case 'timeout':
      return { ...common, type: 'timeout', attributes: { timeout: numberFlag(flags, 'ms') ?? 0 } };
    case 'reset_peer':
      return { ...common, type: 'reset_peer', attributes: { timeout: numberFlag(flags, 'ms') ?? 0 } };
    default:
      throw new UsageError(`Unknown network fault "${type}". Network faults: ${TOXICS.join(', ')}.`);
  }
}

/** `chaos network up|down|list|clear|<toxic> --link=provider|kafka`: Toxiproxy between the processes. */
async function network(positional: readonly string[], flags: Flags, io: CommandIo): Promise<number> {
  const [verb] = positional;
  const config = openLab(io.env);
  const client = new HttpToxiproxy();
  if (verb !== 'up' && verb !== 'down') await requireRunning(config, ['toxiproxy']);
  switch (verb) {
    case 'up': {
      await startToxiproxy(config, io.log);
      const env = Object.entries(proxiedEnv(config))
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
      io.out(
        [
          'Toxiproxy up. Route traffic through it:',
          `  provider link: ${env} npm run lab -- restart worker`,
          '  kafka link:    LAB_KAFKA_PROXY_LISTENER=1 npm run lab -- restart kafka   (adds the broker listener the proxy forwards to)',
          `                 then ${env} npm run lab -- restart <app>   for each app to degrade`,
        ].join('\n'),
      );
      return 0;
    }
    case 'down':
      await stopToxiproxy(config, io.log);
      return 0;
    case 'clear':
      await client.reset();
      io.out('Toxiproxy: every toxic removed, every link enabled.');
      return 0;
    case 'list':
    case undefined: {
      const proxies = await client.proxies();
      for (const proxy of Object.values(proxies)) {
        const toxics = proxy.toxics
          .map(
            (t) =>
              `${t.name}(${Object.entries(t.attributes)
                .map(([k, v]) => `${k}=${v}`)
                .join(',')})`,
          )
          .join(' ');
        io.out(
          `${proxy.name.padEnd(10)} ${proxy.listen} → ${proxy.upstream}  ${proxy.enabled ? 'enabled' : 'DOWN'}  ${toxics || '(no toxics)'}`,
        );
      }
      return 0;
    }
    default: {
      const link = flags.get('link');
      const links = labLinks(config).map((l) => l.name);
      if (typeof link !== 'string' || !links.includes(link))
        throw new UsageError(`Which link? --link ${links.join('|')}`);
      const forFlag = flags.get('for');
      const holdMs = typeof forFlag === 'string' ? parseDurationMs(forFlag) : undefined;
      let undo: () => Promise<unknown>;
      if (verb === 'down') {
        await client.setEnabled(link, false);
        undo = () => client.setEnabled(link, true);
        io.out(`${link}: link cut`);
      } else {
        const toxic = await client.addToxic(link, toxicSpec(verb, flags));
        undo = () => client.removeToxic(link, toxic.name);
        io.out(
          `${link}: toxic ${toxic.name} ${JSON.stringify(toxic.attributes)} (${toxic.stream}, toxicity ${toxic.toxicity})`,
        );
      }
      if (holdMs !== undefined) {
        io.log(`holding for ${holdMs} ms, then undoing (Ctrl-C leaves it in place: \`chaos network clear\`)`);
        await new Promise((resolve) => setTimeout(resolve, holdMs));
        await undo();
        io.out(`${link}: back to normal`);
      }
      return 0;
    }
  }
}

async function run({ positional, flags }: ParsedArgs, io: CommandIo): Promise<number> {
  if (positional[0] === 'network') return network(positional.slice(1), flags, io);
  const [verb, maybeTarget] = positional;
  if (!verb)
    throw new UsageError(
      'Which fault? e.g. `npm run lab -- chaos error route:/v1/weather --rate 1 --status 503 --for 20s --service provider`',
    );
  const config = openLab(io.env);
  const service = flags.get('service');
  if (service === true) throw new UsageError('--service needs an app, e.g. --service worker');
  // The admin token comes from token-dealer; the fault goes to the named service's chaos API.
  await requireRunning(config, ['token-dealer', ...(service && isAppName(service) ? [service] : [])]);
  const token = await adminToken(describeInstance(config, 'token-dealer').url, config.adminClient);
  const services = service ? [service] : [...APP_NAMES];
  const chaos = new HttpChaosApi({
    urlOf: (id) => resolveInstance(config, id).url,
    tokens: { get: async () => token, refresh: async () => token },
  });

  if (verb === 'list' || verb === 'clear') {
    let failures = 0;
    for (const id of services) {
      try {
        if (verb === 'list') for (const fault of await chaos.list(id)) io.out(describeFault(id, fault));
        else {
          await chaos.clear(id);
          io.log(`${id}: cleared`);
        }
      } catch (error) {
        if (!(error instanceof ChaosApiError)) throw error;
        failures++;
        io.log(`${id}: ${problemText(error.status, error.body)}`);
      }
    }
    return failures === services.length ? 1 : 0;
  }

  if (!service) throw new UsageError(`Which service gets the fault? Add --service <app> (${APP_NAMES.join(', ')}).`);
  const body = faultBody(verb, maybeTarget, flags);
  let fault: ChaosFault;
  try {
    fault = await chaos.inject(service, body);
  } catch (error) {
    // No answer at all is the lab's problem, not a refusal: it propagates as before.
    if (!(error instanceof ChaosApiError) || error.status === 0) throw error;
    io.log(`${service} refused the fault: ${problemText(error.status, error.body)}`);
    return 1;
  }
  io.out(describeFault(service, fault));
  return 0;
}

/** Every flag of `chaos` and `chaos network`; the fault type or toxic decides which apply. */
const FLAGS: Record<string, FlagSpec> = {
  service: stringFlag('<app>', `the app that gets the fault, or whose faults to list/clear (${APP_NAMES.join(', ')})`),
  for: stringFlag('30s', 'how long the fault (or a network toxic) lasts: 500ms, 30s, 2m'),
  rate: stringFlag('0.5', 'error / produce-failure: share of calls that fail (0…1); network bandwidth: KB/s'),
  status: stringFlag('503', 'error: the HTTP status answered'),
  ms: stringFlag('200', 'latency: added milliseconds; network timeout/reset_peer: milliseconds before it acts'),
  jitter: stringFlag('50', 'latency: ± milliseconds of jitter'),
  'jitter-ms': stringFlag('50', 'the same as --jitter'),
  distribution: stringFlag('normal', 'latency: how the jitter is spread (uniform, normal or exponential)'),
  percent: stringFlag('50', 'cpu: share of one core to burn'),
  mb: stringFlag('100', 'memory: MiB to hold'),
  link: stringFlag('provider|kafka', 'network: the Toxiproxy link to degrade'),
  stream: stringFlag('downstream|upstream', 'network: answers (downstream, the default) or requests (upstream)'),
  toxicity: stringFlag('1', 'network: share of connections affected (0…1)'),
};

export const command: LabCommand = {
  name: 'chaos',
  usage:
    '<type> [target] --service <app> [--for 30s] [--rate 0.5] [--status 503] [--ms 200] [--jitter 50] [--distribution normal] [--percent 50] [--mb 100] | list | clear [--service <app>] | network up|down|list|clear | network <latency|bandwidth|timeout|reset_peer|down> --link provider|kafka [--ms] [--rate] [--for]',
  summary:
    'inject a fault into an app (latency, error, hang, cpu, memory, pause-consumer, produce-failure, crash), list or clear faults; network faults through Toxiproxy',
  flags: FLAGS,
  run,
};
