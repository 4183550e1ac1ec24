import {
  type BeforeApplicationShutdown,
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
} from '@nestjs/common';
import { z } from 'zod';
import { EXPERIMENT_PHASES, type ExperimentDescription } from '#libs/contracts';
import { parseOrProblem, ProblemError } from '#libs/platform';
import type { ExperimentList, ReportList, RunFeed, RunView } from '../api-types';
import { ExperimentCatalogue } from './experiment-catalogue';
import { ExperimentReports } from './experiment-reports';
import { ExperimentRuns } from './experiment-runs';
import { LabCliError } from './lab-cli';

const startBodySchema = z
  .object({
    experiment: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, 'an experiment name (experiments/<name>/)'),
    /** The definition's `short:` version (`--short`). */
    short: z.boolean().default(false),
  })
  .strict();
const runIdSchema = z.object({ id: z.uuid() }).strict();
const feedQuerySchema = z.object({ after: z.coerce.number().int().min(0).default(0) }).strict();

/** How long, on shutdown, a run in progress may take to roll back before it is killed. */
export const SHUTDOWN_WAIT = Symbol('EXPERIMENT_SHUTDOWN_WAIT_MS');

/**
 * The Experiments page's API: the shipped experiments (described by the lab CLI), one run at a
 * time started and cancelled here (a `lab experiment --events` child process), its feed of events
 * polled by the page, and the reports under results/.
 */
@Controller('api/experiments')
export class ExperimentsController implements BeforeApplicationShutdown {
  constructor(
    @Inject(ExperimentCatalogue) private readonly catalogue: ExperimentCatalogue,
    @Inject(ExperimentRuns) private readonly runs: ExperimentRuns,
    @Inject(ExperimentReports) private readonly reports: ExperimentReports,
    @Inject(SHUTDOWN_WAIT) private readonly shutdownWaitMs: number,
  ) {}

  @Get()
  async list(): Promise<ExperimentList> {
    return { experiments: await this.described(), phases: EXPERIMENT_PHASES };
  }

  /** The report folders under results/, newest first. */
  @Get('reports')
  listReports(): ReportList {
    return this.reports.list();
  }

  /** The current (or last) run and its feed after `?after=<seq>`; `run: null` before the first. */
  @Get('runs/current')
  current(@Query() query: unknown): RunFeed {
    const { after } = parseOrProblem(feedQuerySchema, query ?? {}, 'query');
    const read = this.runs.read(after);
    return read ? { run: read.run, entries: read.entries } : { run: null, entries: [] };
  }

  /** Starts `{experiment, short}`: 202 with the run; 404 for an unknown experiment; 409 while another runs. */
  @Post('runs')
  @HttpCode(202)
  async start(@Body() body: unknown): Promise<RunView> {
    const { experiment, short } = parseOrProblem(startBodySchema, body ?? {}, 'run');
    const known = await this.described();
    if (!known.some((e) => e.name === experiment))
      throw new ProblemError(404, 'not-found', {
        detail: `no experiment ${experiment}; shipped: ${known.map((e) => e.name).join(', ')}`,
      });
    return this.runs.start(experiment, short);
  }

  /** Stops the run: it rolls back and writes its report (FAILED: interrupted), or is killed after the grace. */
  @Post('runs/:id/cancel')
  @HttpCode(202)
  cancel(@Param() params: unknown): RunView {
    const { id } = parseOrProblem(runIdSchema, params, 'run id');
    return this.runs.cancel(id);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.runs.stop(this.shutdownWaitMs);
  }

  private async described(): Promise<ExperimentDescription[]> {
    try {
      return await this.catalogue.list();
    } catch (error) {
      if (error instanceof LabCliError)
        throw new ProblemError(503, 'dependency-unavailable', { detail: error.message, cause: error });
      throw error;
    }
  }
}
