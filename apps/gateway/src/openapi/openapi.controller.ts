import { Controller, Get, Header, Inject } from '@nestjs/common';
import type { OpenApiDocument } from './openapi-document';

export const OPENAPI_DOCUMENT = Symbol('OPENAPI_DOCUMENT');

/** Public: the description of the API, built once at boot from the route table. */
@Controller()
export class OpenApiController {
  constructor(@Inject(OPENAPI_DOCUMENT) private readonly document: OpenApiDocument) {}

  @Get('openapi.json')
  @Header('cache-control', 'public, max-age=300')
  openapi(): OpenApiDocument {
    return this.document;
  }
}
