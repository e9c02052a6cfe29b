// StarlingX-style list queries: repeated q.field / q.op / q.value parameters (and the CLI's
// `--query "alarm_id=100.101;severity>=major"`), parsed into checked filters. Pure.

import { StarlingError } from '../../common/errors.ts';
import { SEVERITIES, SEVERITY_RANK, type Severity } from './model.ts';

export const QUERY_OPS = { eq: '=', ne: '<>', lt: '<', le: '<=', gt: '>', ge: '>=' } as const;
export type QueryOp = keyof typeof QUERY_OPS;

export interface Filter {
  field: string;
  op: QueryOp;
  value: string;
}

const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Checks the parallel q.* lists against the fields a resource allows. */
export function parseQuery(
  q: { field?: string | string[]; op?: string | string[]; value?: string | string[] },
  allowed: readonly string[],
): Filter[] {
  const fields = asList(q.field);
  const ops = asList(q.op);
  const values = asList(q.value);
  if (values.length !== fields.length || (ops.length !== 0 && ops.length !== fields.length)) {
    throw new StarlingError('VALIDATION_FAILED', `q.field, q.op and q.value must come in equal numbers (got ${fields.length}, ${ops.length}, ${values.length})`, {
      field: 'q.field',
    });
  }
  return fields.map((field, i) => {
    if (!allowed.includes(field)) {
      throw new StarlingError('VALIDATION_FAILED', `q.field '${field}' cannot be queried (allowed: ${allowed.join(', ')})`, { field: 'q.field' });
    }
    const op = ops[i] ?? 'eq';
    if (!(op in QUERY_OPS)) {
      throw new StarlingError('VALIDATION_FAILED', `q.op '${op}' must be one of ${Object.keys(QUERY_OPS).join(', ')}`, { field: 'q.op' });
    }
    const value = values[i]!;
    if (field === 'severity' && !(SEVERITIES as readonly string[]).includes(value)) {
      throw new StarlingError('VALIDATION_FAILED', `q.value '${value}' for severity must be one of ${SEVERITIES.join(', ')}`, {
        field: 'q.value',
      });
    }
    return { field, op: op as QueryOp, value };
  });
}

/** Whether a row's text fields pass every filter (lists held in memory, like suppression). */
export function matchesFilters(row: Record<string, unknown>, filters: readonly Filter[]): boolean {
  return filters.every((f) => {
    const raw = row[f.field];
    const v = typeof raw === 'string' ? raw : typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : '';
    switch (f.op) {
      case 'eq':
        return v === f.value;
      case 'ne':
        return v !== f.value;
      case 'lt':
        return v < f.value;
      case 'le':
        return v <= f.value;
      case 'gt':
        return v > f.value;
      case 'ge':
        return v >= f.value;
    }
    return false;
  });
}

const CLI_OPS: [string, QueryOp][] = [
  ['!=', 'ne'],
  ['<=', 'le'],
  ['>=', 'ge'],
  ['<', 'lt'],
  ['>', 'gt'],
  ['=', 'eq'],
];

/** The CLI's `--query "field=value;field2>=value2"` into q.* lists. */
export function parseCliQuery(text: string): { field: string[]; op: string[]; value: string[] } {
  const out = { field: [] as string[], op: [] as string[], value: [] as string[] };
  for (const part of text.split(';').map((p) => p.trim()).filter(Boolean)) {
    const hit = CLI_OPS.map(([sym, op]) => ({ sym, op, at: part.indexOf(sym) }))
      .filter((h) => h.at > 0)
      .sort((a, b) => a.at - b.at || b.sym.length - a.sym.length)[0];
    if (!hit) throw new StarlingError('USAGE', `--query part '${part}' needs an operator (=, !=, <, <=, >, >=)`, { field: '--query' });
    out.field.push(part.slice(0, hit.at).trim());
    out.op.push(hit.op);
    out.value.push(part.slice(hit.at + hit.sym.length).trim());
  }
  return out;
}

/** Severity compares by rank (critical > major > minor > warning), not alphabetically. */
export const severityRank = (s: string): number => SEVERITY_RANK[s as Severity] ?? 0;
