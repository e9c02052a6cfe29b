// sysinv-style updates: a JSON-Patch list of `replace` operations on top-level fields. Pure:
// turns the list into a plain patch object, naming the offending operation when one is wrong.

import { Type, type Static } from 'typebox';
import { StarlingError } from '../common/errors.ts';

export const JsonPatch = Type.Array(
  Type.Object(
    {
      op: Type.Union([Type.Literal('replace'), Type.Literal('add'), Type.Literal('remove')]),
      path: Type.String({ pattern: '^/[A-Za-z0-9_-]+$' }),
      value: Type.Optional(Type.Unknown()),
    },
    { additionalProperties: false },
  ),
  { minItems: 1, maxItems: 100 },
);
export type JsonPatch = Static<typeof JsonPatch>;

export type FieldCheck = (value: unknown) => string | undefined;

/**
 * Applies `replace` operations on the fields in `allowed` (name → check returning a problem or
 * undefined). Returns the fields to change.
 */
export function patchFields(ops: JsonPatch, allowed: Record<string, FieldCheck>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  ops.forEach((op, i) => {
    const field = op.path.slice(1);
    const check = allowed[field];
    if (check === undefined) {
      throw new StarlingError('VALIDATION_FAILED', `${op.path} cannot be changed (allowed: ${Object.keys(allowed).join(', ')})`, {
        field: op.path,
        details: { operation: i },
      });
    }
    if (op.op !== 'replace') {
      throw new StarlingError('VALIDATION_FAILED', `operation ${op.op} is not supported on ${op.path}; use replace`, {
        field: op.path,
        details: { operation: i },
      });
    }
    const problem = check(op.value);
    if (problem !== undefined) {
      throw new StarlingError('VALIDATION_FAILED', `${op.path} ${problem}`, { field: op.path, details: { operation: i } });
    }
    out[field] = op.value;
  });
  return out;
}

export const stringField =
  (max: number, min = 0): FieldCheck =>
  (v) =>
    typeof v !== 'string' ? 'must be a string' : v.length < min || v.length > max ? `must have ${min}-${max} characters` : undefined;
