// The audit_log table: append and page newest first.

import type { Queryable } from '../db/index.ts';
import type { AuditEntry, AuditQuery } from './schemas.ts';

export interface NewAuditEntry {
  kind: 'api' | 'cli';
  user_id: string | null;
  user_name: string | null;
  project_id: string | null;
  project_name: string | null;
  method: string | null;
  path: string | null;
  command: string | null;
  target: string | null;
  status: number;
  source: string | null;
  request_id: string | null;
  duration_ms: number | null;
}

const COLS = [
  'kind',
  'user_id',
  'user_name',
  'project_id',
  'project_name',
  'method',
  'path',
  'command',
  'target',
  'status',
  'source',
  'request_id',
  'duration_ms',
] as const;

/** Appends entries in one statement (in the order given: ids follow it). */
export async function insertAudit(q: Queryable, entries: NewAuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const values: unknown[] = [];
  const tuples = entries.map((e) => {
    const start = values.length;
    values.push(...COLS.map((c) => e[c]));
    return `(${COLS.map((_, i) => `$${start + i + 1}`).join(', ')})`;
  });
  await q.query(`INSERT INTO audit_log (${COLS.join(', ')}) VALUES ${tuples.join(', ')}`, values);
}

export async function listAudit(q: Queryable, f: AuditQuery & { limit: number }): Promise<AuditEntry[]> {
  const rows = await q.query<AuditEntry & { at: Date }>(
    `SELECT id, at, ${COLS.join(', ')} FROM audit_log
      WHERE ($1::bigint IS NULL OR id < $1)
        AND ($2::text IS NULL OR user_name = $2)
        AND ($3::text IS NULL OR kind = $3)
        AND ($4::text IS NULL OR method = $4)
        AND ($5::timestamptz IS NULL OR at >= $5)
        AND ($6::timestamptz IS NULL OR at < $6)
      ORDER BY id DESC LIMIT $7`,
    [f.marker ?? null, f.user ?? null, f.kind ?? null, f.method ?? null, f.since ?? null, f.until ?? null, f.limit],
  );
  return rows.rows.map(({ at, ...r }) => ({ ...r, timestamp: at.toISOString() }));
}
