import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { RequireScopes } from '#libs/auth';
import { parseOrProblem, ProblemError } from '#libs/platform';
import { Chaos } from './chaos';
import type { Fault } from './fault-registry';
import { faultSpecSchema } from './fault-spec';

export const CHAOS_SCOPE = 'lab:chaos';

/** The chaos API (docs/resilience.md): add, list and remove faults on this process. */
@Controller('admin/chaos/faults')
@RequireScopes(CHAOS_SCOPE)
export class ChaosController {
  constructor(@Inject(Chaos) private readonly chaos: Chaos) {}

  @Post()
  @HttpCode(201)
  add(@Body() body: unknown): Fault {
    return this.chaos.faults.add(parseOrProblem(faultSpecSchema, body ?? {}, 'fault spec'));
  }

  @Get()
  list(): Fault[] {
    return this.chaos.faults.list();
  }

  @Delete()
  @HttpCode(204)
  clear(): void {
    this.chaos.faults.clear();
  }

  @Delete(':id')
  @HttpCode(204)
  remove(@Param('id') id: string): void {
    if (!this.chaos.faults.remove(id))
      throw new ProblemError(404, 'not-found', { detail: `no active fault ${id.slice(0, 64)} (it may have expired)` });
  }
}
