import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import type { OpenApiDocument } from '../openapi/openapi-document';

export interface ObservedResponse {
  method: string;
  /**
   * The path (query allowed) as it went on the wire: `/v1/messages/6f1d…?x=1`. fetch and inject
   * resolve `.`/`..` segments first; a raw socket sends them as they are.
   */
  url: string;
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
}

type Operation = {
  responses: Record<
    string,
    { content?: Record<string, { schema: unknown }>; headers?: Record<string, { $ref: string }> }
  >;
};

/**
 * Checks real responses against the served OpenAPI document: the status is documented for the
 * operation (or, for a request no operation takes, among the answers before routing), the media
 * type is the documented one, the body matches its schema, and every documented header that is
 * present matches its schema. Returns the mismatches (empty when fine).
 */
export function openApiValidator(document: OpenApiDocument) {
  // Formats are not checked: zod already emits a pattern for uuid and date-time.
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  const compiled = new Map<string, ValidateFunction>();
  const components = (document as unknown as { components: { headers: Record<string, { schema: unknown }> } })
    .components;

  const validator = (key: string, schema: unknown): ValidateFunction => {
    let validate = compiled.get(key);
    if (!validate) {
      // The document's components ride along so that `#/components/schemas/…` refs resolve.
      validate = ajv.compile({
        components: document.components,
        $defs: { target: schema },
        $ref: '#/$defs/target',
      } as object);
      compiled.set(key, validate);
    }
    return validate;
  };

  type Documented = Operation['responses'][string];
  type Ref = { $ref: string };
  const beforeRouting = (document as unknown as { 'x-answers-before-routing'?: Record<string, Ref> })[
    'x-answers-before-routing'
  ];
  const componentResponses = (document as unknown as { components: { responses?: Record<string, Documented> } })
    .components.responses;
  const resolve = (ref: Ref | undefined): Documented | undefined =>
    ref ? componentResponses?.[ref.$ref.split('/').pop()!] : undefined;

  const templatesOf = (url: string): { template: string; item: Record<string, unknown> }[] => {
    const path = url.split('?')[0]!;
    return (
      Object.entries(document.paths)
        // eslint-disable-next-line security/detect-non-literal-regexp -- a test helper: the templates are our own OpenAPI document's paths
        .filter(([template]) => new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path))
        .map(([template, item]) => ({ template, item }))
    );
  };

  /** The status, media type, body and documented headers of `response` against one documented answer. */
  const checkAgainst = (where: string, documented: Documented, response: ObservedResponse): string[] => {
    const problems: string[] = [];
    problems.push(...checkContent(where, documented, response));
    for (const [name, ref] of Object.entries(documented.headers ?? {})) {
      const value = response.headers[name.toLowerCase()];
      if (value === undefined) continue;
      const headerName = ref.$ref.split('/').pop()!;
      const check = validator(`header ${headerName}`, components.headers[headerName]!.schema);
      if (!check(String(value)))
        problems.push(`${where}: header ${name}="${String(value)}" ${ajv.errorsText(check.errors)}`);
    }
    return problems;
  };

  /** The media type and body of `response` against the documented content (none: no body at all). */
  const checkContent = (where: string, documented: Documented, response: ObservedResponse): string[] => {
    if (!documented.content) return response.body === '' ? [] : [`${where}: a body where none is documented`];
    const mediaType = String(response.headers['content-type'] ?? '')
      .split(';')[0]!
      .trim();
    const content = documented.content[mediaType];
    if (!content)
      return [
        `${where}: content-type "${mediaType}" not documented (expected ${Object.keys(documented.content).join(', ')})`,
      ];
    let body: unknown;
    try {
      body = JSON.parse(response.body);
    } catch {
      return [`${where}: body is not JSON`];
    }
    const validate = validator(`${where} ${mediaType}`, content.schema);
    return validate(body)
      ? []
      : [`${where}: body ${ajv.errorsText(validate.errors)} in ${response.body.slice(0, 300)}`];
  };

  return {
    /**
     * A response to a documented operation must be one of its documented answers. Any other request
     * must get an answer of `x-answers-before-routing`: for a documented path with another method,
     * 405 whose `Allow` names exactly the documented methods (plus HEAD, which GET implies).
     */
    check(response: ObservedResponse): string[] {
      const method = response.method.toLowerCase();
      const matches = templatesOf(response.url);
      const found = matches.find(({ item }) => item[method] !== undefined);
      if (found) {
        const where = `${response.method} ${found.template} → ${response.status}`;
        const documented = (found.item[method] as Operation).responses[String(response.status)];
        if (!documented) return [`${where}: status not documented`];
        return checkAgainst(where, documented, response);
      }
      const where = `${response.method} ${response.url.split('?')[0]} (no operation) → ${response.status}`;
      const documented = resolve(beforeRouting?.[String(response.status)]);
      if (!documented) return [`${where}: status not among the answers before routing`];
      const problems = checkAgainst(where, documented, response);
      if (matches.length > 0 && response.status !== 405 && response.status !== 400 && response.status !== 414)
        problems.push(`${where}: a documented path with an undocumented method must be 405`);
      if (response.status === 405) {
        const methods = new Set(matches.flatMap(({ item }) => Object.keys(item).map((m) => m.toUpperCase())));
        if (methods.has('GET')) methods.add('HEAD');
        const allow = String(response.headers.allow ?? '')
          .split(',')
          .map((m) => m.trim())
          .filter(Boolean);
        if ([...allow].sort().join(',') !== [...methods].sort().join(','))
          problems.push(
            `${where}: Allow "${allow.join(', ')}" is not the documented methods ${[...methods].join(', ')}`,
          );
      }
      return problems;
    },
  };
}
