// Input every route refuses before its own checks run: NUL bytes and lone surrogates (PostgreSQL
// cannot store them), JSON nested deeper than any Starling shape needs, and numbers that are not
// finite (`1e999` parses to Infinity). Each refusal is a 400 naming the field.

import { StarlingError } from '../common/errors.ts';

/** Deepest JSON nesting accepted: Starling's deepest body (a Keystone auth) is 6 levels. */
export const MAX_DEPTH = 32;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export interface BadInput {
  /** A JSON pointer (`/user/name`) under `prefix`, or the parameter's name. */
  field: string;
  problem: string;
}

/** The first thing wrong with a string, or undefined. */
export function badText(s: string): string | undefined {
  if (s.includes('\u0000')) return 'must not contain a NUL byte';
  if (LONE_SURROGATE.test(s)) return 'must not contain a lone UTF-16 surrogate';
  return undefined;
}

/**
 * The first unacceptable value in a parsed JSON document (keys included), with its JSON pointer.
 * Walks at most MAX_DEPTH + 1 levels, so a 20,000-deep document costs nothing more.
 */
export function findBadJson(value: unknown, pointer = '', depth = 0): BadInput | undefined {
  if (typeof value === 'string') {
    const problem = badText(value);
    return problem === undefined ? undefined : { field: pointer || '/', problem };
  }
  if (typeof value === 'number') {
    return Number.isFinite(value) ? undefined : { field: pointer || '/', problem: 'must be a finite number' };
  }
  // Raw bytes (a route's own body type) are that route's to check.
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return undefined;
  if (depth >= MAX_DEPTH) return { field: pointer || '/', problem: `is nested deeper than ${MAX_DEPTH} levels` };
  const entries: [string, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [String(i), v])
    : Object.entries(value as Record<string, unknown>);
  for (const [k, v] of entries) {
    const at = `${pointer}/${k.replaceAll('~', '~0').replaceAll('/', '~1')}`;
    const keyProblem = badText(k);
    if (keyProblem !== undefined) return { field: at, problem: `(its key) ${keyProblem}` };
    const bad = findBadJson(v, at, depth + 1);
    if (bad) return bad;
  }
  return undefined;
}

/** The first bad value among named parameters (path or query): the field is the name. */
export function findBadParams(params: unknown): BadInput | undefined {
  if (typeof params !== 'object' || params === null) return undefined;
  for (const [name, v] of Object.entries(params as Record<string, unknown>)) {
    const bad = findBadJson(v, '', 1);
    if (bad) return { field: bad.field === '/' ? name : `${name}${bad.field}`, problem: bad.problem };
  }
  return undefined;
}

/** Throws the 400 for the first bad path parameter, query parameter or body field. */
export function checkInput(part: 'params' | 'querystring' | 'body', value: unknown): void {
  const bad = part === 'body' ? findBadJson(value) : findBadParams(value);
  if (!bad) return;
  const where = part === 'body' ? 'field' : part === 'params' ? 'path parameter' : 'query parameter';
  throw new StarlingError('VALIDATION_FAILED', `${where} ${bad.field} ${bad.problem}`, { field: bad.field });
}

/** A value quoted in a PostgreSQL data error (`invalid input syntax for type uuid: "x"`). */
export function quotedValue(message: string): string | undefined {
  const m = /: "(.*)"$/s.exec(message) ?? /value "(.*)" is out of range/s.exec(message);
  return m?.[1];
}

/** Which request field holds `value`: a path parameter, a query parameter, or a body pointer. */
export function locateValue(
  value: string,
  req: { params?: unknown; query?: unknown; body?: unknown },
): string | undefined {
  const find = (v: unknown, pointer: string, depth: number): string | undefined => {
    if (v === value || (typeof v === 'number' && String(v) === value)) return pointer;
    if (typeof v !== 'object' || v === null || depth > MAX_DEPTH) return undefined;
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      const hit = find(x, `${pointer}/${k}`, depth + 1);
      if (hit !== undefined) return hit;
    }
    return undefined;
  };
  for (const part of [req.params, req.query] as unknown[]) {
    if (typeof part !== 'object' || part === null) continue;
    for (const [k, v] of Object.entries(part as Record<string, unknown>)) {
      if (find(v, '', 0) !== undefined) return k;
    }
  }
  const hit = find(req.body, '', 0);
  return hit === undefined ? undefined : hit || '/';
}
