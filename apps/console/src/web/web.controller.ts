import { Controller, Get, Inject, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ProblemError } from '#libs/platform';
import { WEB_BUNDLE } from './web.tokens';
import type { WebFile } from './web-bundle';

/** Serves the built page: `/` is index.html, `/assets/<file>` its scripts and styles. */
@Controller()
export class WebController {
  constructor(@Inject(WEB_BUNDLE) private readonly files: ReadonlyMap<string, WebFile>) {}

  @Get()
  index(@Res() reply: FastifyReply): void {
    this.send(reply, '/index.html');
  }

  @Get('assets/:file')
  asset(@Param('file') file: string, @Res() reply: FastifyReply): void {
    this.send(reply, `/assets/${file}`);
  }

  private send(reply: FastifyReply, path: string): void {
    const file = this.files.get(path);
    if (!file) {
      if (path === '/index.html')
        throw new ProblemError(503, 'not-ready', {
          detail: 'the console page is not built: run `sh tools/bootstrap.sh`',
        });
      throw new ProblemError(404, 'not-found', { detail: 'no such file' });
    }
    void reply.header('content-type', file.contentType).header('cache-control', file.cacheControl).send(file.body);
  }
}
