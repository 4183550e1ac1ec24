import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { z } from 'zod';
import { parseOrProblem, ProblemError } from '#libs/platform';
import type { NetworkView, ProxyView, ToxicForms, ToxicView } from '../api-types';
import { TOXIPROXY_NAME, toxicForms, toxicSpecSchema } from './toxic-spec';
import { ToxiproxyClient, ToxiproxyError } from './toxiproxy-client';

export type { NetworkView } from '../api-types';

const enabledSchema = z.object({ enabled: z.boolean() }).strict();

/** A proxy or toxic name from the path: 404 unless it has Toxiproxy's name shape (never reaches Toxiproxy). */
function nameParam(value: string, what: 'proxy' | 'toxic'): string {
  if (!TOXIPROXY_NAME.test(value)) throw new ProblemError(404, 'not-found', { detail: `no such ${what}` });
  return value;
}

/** Toxiproxy's refusals keep their 4xx (404 no such proxy, 409 toxic exists, 400); no answer is 503; else 502. */
function toProblem(error: unknown): unknown {
  if (!(error instanceof ToxiproxyError)) return error;
  if (error.status === 0)
    return new ProblemError(503, 'dependency-unavailable', { detail: error.message, cause: error });
  if (error.status === 404) return new ProblemError(404, 'not-found', { detail: error.message });
  if (error.status === 409) return new ProblemError(409, 'conflict', { detail: error.message });
  if (error.status === 400) return new ProblemError(400, 'validation-failed', { detail: error.message });
  return new ProblemError(502, 'dependency-unavailable', { detail: error.message, cause: error });
}

async function mapped<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toProblem(error);
  }
}

/**
 * The Chaos page's network faults: Toxiproxy's proxies and their toxics, add or remove a toxic,
 * remove every toxic, turn a proxy off or on. Bodies are checked here against the toxic types'
 * schema (400 problem+json) before any call reaches Toxiproxy.
 */
@Controller('api/chaos/network')
export class ToxiproxyController {
  private readonly forms = toxicForms();

  constructor(@Inject(ToxiproxyClient) private readonly toxiproxy: ToxiproxyClient) {}

  /** The toxic types and their attributes (units, bounds). */
  @Get('forms')
  toxicForms(): ToxicForms {
    return { forms: this.forms };
  }

  /** Every proxy with its toxics; `running: false` and why when Toxiproxy is not there. */
  @Get()
  async network(): Promise<NetworkView> {
    try {
      const [version, proxies] = await Promise.all([this.toxiproxy.version(), this.toxiproxy.proxies()]);
      return { running: true, url: this.toxiproxy.url ?? '', version, proxies };
    } catch (error) {
      if (error instanceof ToxiproxyError) return { running: false, problem: error.message };
      throw error;
    }
  }

  @Post('proxies/:proxy/toxics')
  @HttpCode(201)
  async addToxic(@Param('proxy') proxy: string, @Body() body: unknown): Promise<ToxicView> {
    const name = nameParam(proxy, 'proxy');
    const toxic = parseOrProblem(toxicSpecSchema, body ?? {}, 'toxic');
    return mapped(() => this.toxiproxy.addToxic(name, toxic));
  }

  @Delete('proxies/:proxy/toxics/:toxic')
  @HttpCode(204)
  async removeToxic(@Param('proxy') proxy: string, @Param('toxic') toxic: string): Promise<void> {
    const names = [nameParam(proxy, 'proxy'), nameParam(toxic, 'toxic')] as const;
    await mapped(() => this.toxiproxy.removeToxic(...names));
  }

  /** Removes every toxic of every proxy; proxies stay as they are (on or off). */
  @Delete('toxics')
  @HttpCode(204)
  async removeAllToxics(): Promise<void> {
    await mapped(async () => {
      const proxies = await this.toxiproxy.proxies();
      await Promise.all(proxies.flatMap((p) => p.toxics.map((t) => this.toxiproxy.removeToxic(p.name, t.name))));
    });
  }

  /** `{enabled: false}` cuts every connection through the proxy; `{enabled: true}` lets them through again. */
  @Post('proxies/:proxy')
  @HttpCode(200)
  async setEnabled(@Param('proxy') proxy: string, @Body() body: unknown): Promise<ProxyView> {
    const name = nameParam(proxy, 'proxy');
    const { enabled } = parseOrProblem(enabledSchema, body ?? {}, 'proxy state');
    return mapped(() => this.toxiproxy.setEnabled(name, enabled));
  }
}
