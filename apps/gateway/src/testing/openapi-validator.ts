import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import type { OpenApiDocument } from '../openapi/openapi-document';

export interface ObservedResponse {
  method: string;
  /** Concrete path, query allowed: `/v1/messages/6f1d…?x=1`. */
  url: string;
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
}

type Operation = {
  responses: Record<
    string,
    { content: Record<string, { schema: unknown }>; headers?: Record<string, { $ref: string }> }
  >;
};

/**
 * Checks real responses against the served OpenAPI document: the status is documented for the
 * operation, the media type is the documented one, the body matches its schema, and every
 * documented header that is present matches its schema. Returns the mismatches (empty when fine).
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

  const findOperation = (method: string, url: string): { template: string; operation: Operation } | undefined => {
    const path = url.split('?')[0]!;
    for (const [template, item] of Object.entries(document.paths)) {
      const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
      const operation = item[method.toLowerCase()] as Operation | undefined;
      if (pattern.test(path) && operation) return { template, operation };
    }
    return undefined;
  };

  return {
    check(response: ObservedResponse): string[] {
      const found = findOperation(response.method, response.url);
      if (!found) return [`${response.method} ${response.url} is not in the document`];
      const where = `${response.method} ${found.template} → ${response.status}`;
      const documented = found.operation.responses[String(response.status)];
      if (!documented) return [`${where}: status not documented`];
      const problems: string[] = [];
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
      if (!validate(body))
        problems.push(`${where}: body ${ajv.errorsText(validate.errors)} in ${response.body.slice(0, 300)}`);
      for (const [name, ref] of Object.entries(documented.headers ?? {})) {
        const value = response.headers[name.toLowerCase()];
        if (value === undefined) continue;
        const headerName = ref.$ref.split('/').pop()!;
        const check = validator(`header ${headerName}`, components.headers[headerName]!.schema);
        if (!check(String(value)))
          problems.push(`${where}: header ${name}="${String(value)}" ${ajv.errorsText(check.errors)}`);
      }
      return problems;
    },
  };
}
