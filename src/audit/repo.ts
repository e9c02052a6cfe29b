// The audit_log table: append and page newest first.

import type { Db, Queryable } from '../db/index.ts';
import type { AuditEntry, AuditQuery } from './schemas.ts';
import type { AuditRecord } from './domain/sanitise.ts';

/** An entry as stored: built by domain/sanitise.ts, so every field is storable. */
export type NewAuditEntry = AuditRecord;

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

const TYPES: Record<(typeof COLS)[number], string> = {
  kind: 'text',
  user_id: 'text',
  user_name: 'text',
  project_id: 'text',
  project_name: 'text',
  method: 'text',
  path: 'text',
  command: 'text',
  target: 'text',
  status: 'integer',
  source: 'text',
  request_id: 'text',
  duration_ms: 'double precision',
};

/** One text for any number of entries (arrays, unnest), so it is prepared once per connection:
 *  a VALUES list per batch size was parsed and planned on every flush. */
const INSERT_SQL = `INSERT INTO audit_log (${COLS.join(', ')})
  SELECT ${COLS.join(', ')} FROM unnest(${COLS.map((c, i) => `$${i + 1}::${TYPES[c]}[]`).join(', ')}) WITH ORDINALITY AS e(${COLS.join(', ')}, n) ORDER BY n`;

/** Appends entries in one statement (in the order given: ids follow it). */
export async function insertAudit(db: Db, entries: NewAuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db.prepared(
    'audit_insert',
    INSERT_SQL,
    COLS.map((c) => entries.map((e) => e[c])),
  );
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
    [
      f.marker ?? null,
      f.user ?? null,
      f.kind ?? null,
      f.method ?? null,
      f.since ?? null,
      f.until ?? null,
      f.limit,
    ],
  );
  return rows.rows.map(({ at, ...r }) => ({ ...r, timestamp: at.toISOString() }));
}
