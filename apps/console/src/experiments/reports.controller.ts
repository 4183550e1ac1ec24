import { Controller, Get, Inject, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ProblemError } from '#libs/platform';
import { ExperimentReports } from './experiment-reports';

/**
 * The policy of a served report: its own inline styles and SVG, nothing else — no script, no
 * fetch, no form — in a sandbox (an opaque origin, so a report can never act as the console).
 */
export const REPORT_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  'img-src data:',
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  'sandbox',
].join('; ');

/**
 * Serves experiment report pages from results/: `/reports/<run folder>/report.html`,
 * `/reports/<run folder>/<variant>/report.html` and `/reports/<run folder>/comparison.html`, and
 * nothing else (ExperimentReports.page decides).
 */
@Controller('reports')
export class ReportsController {
  constructor(@Inject(ExperimentReports) private readonly reports: ExperimentReports) {}

  @Get(':id/:page')
  run(@Param('id') id: string, @Param('page') page: string, @Res() reply: FastifyReply): void {
    this.send(reply, this.reports.page(id, undefined, page));
  }

  @Get(':id/:sub/:page')
  variant(
    @Param('id') id: string,
    @Param('sub') sub: string,
    @Param('page') page: string,
    @Res() reply: FastifyReply,
  ): void {
    this.send(reply, this.reports.page(id, sub, page));
  }

  private send(reply: FastifyReply, body: Buffer | undefined): void {
    if (!body) throw new ProblemError(404, 'not-found', { detail: 'no such experiment report' });
    void reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', REPORT_CONTENT_SECURITY_POLICY)
      .header('cache-control', 'no-cache')
      .send(body);
  }
}
