// CLI output: tables shaped like StarlingX's clients (prettytable, ASCII), or json, yaml, value.

import { yaml } from '../common/yaml.ts';
import { StarlingError } from '../common/errors.ts';

export const FORMATS = ['table', 'json', 'yaml', 'value'] as const;
export type Format = (typeof FORMATS)[number];

export function parseFormat(v: string): Format {
  if (!(FORMATS as readonly string[]).includes(v)) {
    throw new StarlingError('USAGE', `--format must be one of ${FORMATS.join(', ')}, got '${v}'`, {
      field: '--format',
    });
  }
  return v as Format;
}

export type Rec = Record<string, unknown>;

export function cell(v: unknown): string {
  if (v === null) return 'None';
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return v.toString();
  return JSON.stringify(v);
}

/** prettytable's look: +---+ borders, a rule under the header, none between rows. */
export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const line = (cells: string[]): string =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [rule, line(head), rule, ...rows.map(line), rule].join('\n');
}

/** A list: one row per record, the given columns (header labels may differ from field names). */
export function renderList(
  records: Rec[],
  columns: [field: string, label: string][],
  format: Format,
): string {
  switch (format) {
    case 'json':
      return JSON.stringify(
        records.map((r) => pick(r, columns)),
        null,
        2,
      );
    case 'yaml':
      return yaml()
        .stringify(records.map((r) => pick(r, columns)))
        .trimEnd();
    case 'value':
      return records.map((r) => columns.map(([f]) => cell(r[f])).join(' ')).join('\n');
    case 'table':
      return table(
        columns.map(([, l]) => l),
        records.map((r) => columns.map(([f]) => cell(r[f]))),
      );
  }
}

/** One record: a Property/Value table, or the object itself. */
export function renderShow(record: Rec, format: Format, fields?: string[]): string {
  const keys = fields ?? Object.keys(record).sort();
  const picked = Object.fromEntries(keys.map((k) => [k, record[k]]));
  switch (format) {
    case 'json':
      return JSON.stringify(picked, null, 2);
    case 'yaml':
      return yaml().stringify(picked).trimEnd();
    case 'value':
      return keys.map((k) => cell(record[k])).join('\n');
    case 'table':
      return table(
        ['Property', 'Value'],
        keys.map((k) => [k, cell(record[k])]),
      );
  }
}

function pick(r: Rec, columns: [string, string][]): Rec {
  return Object.fromEntries(columns.map(([f]) => [f, r[f] ?? null]));
}
