import type { TSchema, Static } from 'typebox';
import { Value } from 'typebox/value';
import { AppError } from './errors.ts';

/** Checks data from outside HTTP (files, job payloads) against its schema; throws a 400 with the first problems. */
export function assertValid<S extends TSchema>(schema: S, value: unknown, code = 'VALIDATION_FAILED', what = 'input'): Static<S> {
  if (Value.Check(schema, value)) return value as Static<S>;
  const problems = [...Value.Errors(schema, value)]
    .filter((e) => e.keyword !== 'boolean')
    .slice(0, 10)
    .map((e) => ({ path: e.instancePath || '/', message: e.message }));
  const first = problems[0];
  throw new AppError(code, `${what} is invalid${first ? `: ${first.path} ${first.message}` : ''}`, 400, problems);
}
