import { z } from 'zod';
import { defaultUrlOf, LAB_CLIENTS, SERVICE_NAMES } from '#libs/contracts';
import { env } from '#libs/config';
import type { ServiceConfig } from '#libs/platform';

/** `name=url` pairs, comma-separated: where the console finds each service (instance 1). */
const serviceUrls = z
  .string()
  .default(SERVICE_NAMES.map((name) => `${name}=${defaultUrlOf(name)}`).join(','))
  .transform((value, ctx) => {
    const urls: Record<string, string> = {};
    for (const pair of value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean)) {
      const at = pair.indexOf('=');
      const name = pair.slice(0, at);
      const url = pair.slice(at + 1);
      if (at < 1 || !(SERVICE_NAMES as readonly string[]).includes(name) || !z.url().safeParse(url).success) {
        ctx.addIssue({
          code: 'custom',
          message: `"${pair}": expected <service>=<http url>, service one of ${SERVICE_NAMES.join(', ')}`,
        });
        return z.NEVER;
      }
      urls[name] = url.replace(/\/+$/, '');
    }
    for (const name of SERVICE_NAMES)
      if (!urls[name]) {
        ctx.addIssue({ code: 'custom', message: `no URL for ${name}; list every service` });
        return z.NEVER;
      }
    return Object.freeze(urls) as Readonly<Record<(typeof SERVICE_NAMES)[number], string>>;
  });

/** A base URL, `defaultValue` when unset; blank means "there is none" (not running, not wanted). */
const urlOrNone = (defaultValue: string) =>
  z
    .string()
    .default(defaultValue)
    .refine((value) => value === '' || z.url().safeParse(value).success, { message: 'expected an http URL or nothing' })
    .transform((value) => (value === '' ? undefined : value.replace(/\/+$/, '')));

/**
 * The console's own variables beyond the common ones (libs/config `commonShape`, and PORT). HOST
 * stays loopback unless set: the console acts with the lab operator's client, so whoever reaches it
 * can inject faults (ADR 0100).
 */
export const consoleConfigShape = {
  /** Every service's base URL, `gateway=http://127.0.0.1:3000,...` (the lab passes its own). */
  CONSOLE_SERVICE_URLS: serviceUrls,
  /** The client whose token the console uses for the chaos API (scope `lab:chaos`). */
  CONSOLE_ADMIN_CLIENT_ID: env.string(LAB_CLIENTS.admin.id),
  CONSOLE_ADMIN_CLIENT_SECRET: env.string(LAB_CLIENTS.admin.secret),
  /** The client whose token the console posts and reads chat messages with. */
  CONSOLE_DEMO_CLIENT_ID: env.string(LAB_CLIENTS.demo.id),
  CONSOLE_DEMO_CLIENT_SECRET: env.string(LAB_CLIENTS.demo.secret),
  /** Zipkin's base URL (`http://127.0.0.1:9411`) when the lab runs its trace UI: chat replies link to their trace. */
  CONSOLE_TRACE_UI_URL: urlOrNone(''),
  /**
   * Extra `host[:port]` values the Host header may carry, beyond 127.0.0.1, localhost and [::1] on
   * PORT. Anything else is refused (a DNS-rebinding page would send its own host name).
   */
  CONSOLE_ALLOWED_HOSTS: env.list(''),
  /**
   * Prometheus' base URL: the Overview's edge rates and charts (instant and range queries made here;
   * the page never talks to Prometheus). Blank: none; the rates then come from the apps' /metrics.
   */
  CONSOLE_PROMETHEUS_URL: urlOrNone('http://127.0.0.1:9090'),
  /** Toxiproxy's API (`toxiproxy-server`, default port 8474): the Chaos page's network faults. Blank: none. */
  CONSOLE_TOXIPROXY_URL: urlOrNone('http://127.0.0.1:8474'),
  /** Per upstream call (token-dealer, chaos API, gateway, /metrics, Prometheus, Toxiproxy). */
  CONSOLE_UPSTREAM_TIMEOUT_MS: env.int(5000, 100, 60_000),
  /** The built page (Vite's output). Default: dist/apps/console/public beside the compiled server. */
  CONSOLE_WEB_DIR: env.string(''),
  /** The lab the Experiments page runs against: the `LAB_STATE_DIR` of the CLI it starts (blank: the CLI's default). */
  CONSOLE_LAB_STATE_DIR: env.string(''),
  /** The built lab CLI experiments run through. Default: dist/tools/lab/main.js of this checkout. */
  CONSOLE_LAB_CLI: env.string(''),
  /** The folder holding `results/` (the CLI's `--results`): where runs write reports and the page lists them. Default: this checkout. */
  CONSOLE_RESULTS_ROOT: env.string(''),
  /** After a cancel, how long a run may take to roll back before it is killed. */
  CONSOLE_EXPERIMENT_CANCEL_GRACE_MS: env.int(60_000, 1000, 600_000),
};

/** The console's validated configuration, as its modules receive it. */
export type ConsoleConfig = ServiceConfig<typeof consoleConfigShape>;
