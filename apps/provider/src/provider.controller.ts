import { Controller, Get, Inject, Query } from '@nestjs/common';
import { z } from 'zod';
import { parseOrProblem, ProblemError } from '#libs/platform';
import { resolveZone, timeIn, type TimeReport } from './clock/clock';
import { SimulatedLatency } from './simulated-latency';
import { weatherFor, type WeatherReport } from './weather/weather';

const cityQuery = z.object({ city: z.string().trim().min(1).max(100) });
const zoneQuery = z.object({ zone: z.string().trim().min(1).max(100) });

/** The third-party API the worker depends on; slow and breakable on purpose. */
@Controller('v1')
export class ProviderController {
  constructor(@Inject(SimulatedLatency) private readonly latency: SimulatedLatency) {}

  @Get('weather')
  async weather(@Query() query: unknown): Promise<WeatherReport & { observedAt: string }> {
    const { city } = parseOrProblem(cityQuery, query, 'query');
    await this.latency.wait();
    return { ...weatherFor(city), observedAt: new Date().toISOString() };
  }

  @Get('time')
  async time(@Query() query: unknown): Promise<TimeReport> {
    const { zone } = parseOrProblem(zoneQuery, query, 'query');
    const resolved = resolveZone(zone);
    if (!resolved) throw new ProblemError(404, 'not-found', { detail: `unknown time zone "${zone}"` });
    await this.latency.wait();
    return timeIn(resolved, new Date());
  }
}
