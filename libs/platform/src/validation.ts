import type { z } from 'zod';
import { type FieldError, ProblemError } from './problem';

/** Field errors from a zod failure, with dotted paths (`data.user`) and the root as `(body)`. */
export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return { field: issue.keys.join(', '), message: 'unknown field(s)' };
    }
    return { field: issue.path.length ? issue.path.join('.') : '(body)', message: issue.message };
  });
}

/** Parses `input` or throws a 400 problem that lists every bad field. */
export function parseOrProblem<S extends z.ZodType>(schema: S, input: unknown, what = 'body'): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new ProblemError(400, 'validation-failed', { detail: `invalid ${what}`, errors: fieldErrors(result.error) });
  }
  return result.data;
}
