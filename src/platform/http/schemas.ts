import { Type } from 'typebox';

export const ErrorBody = Type.Object(
  {
    code: Type.String({ description: 'Stable error code, see docs/error-codes.md' }),
    message: Type.String({ description: 'Human-readable message' }),
    details: Type.Optional(Type.Unknown()),
  },
  { $id: 'ErrorBody' },
);

/** Standard error responses to spread into a route's `response` schema. */
export const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, ErrorBody])) as Record<number, typeof ErrorBody>;
