// Forward-only, numbered SQL migrations from migrations/, each applied in its own transaction at
// start. An advisory lock makes concurrent controllers on one database apply them exactly once.

import fs from 'node:fs/promises';
import path from 'node:path';
import { packageRoot } from '../common/paths.ts';
import type { Db } from './db.ts';

export const MIGRATIONS_DIR = path.join(packageRoot(), 'migrations');
const LOCK_KEY = 0x5354524c; // 'STRL'

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await fs.readdir(dir)).filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f)).sort();
  const out: Migration[] = [];
  for (const f of files) {
    out.push({ version: Number(f.slice(0, 3)), name: f.slice(4, -4), sql: await fs.readFile(path.join(dir, f), 'utf8') });
  }
  return out;
}

/** Applies the migrations not yet recorded; returns the versions applied now. */
export async function migrate(db: Db, migrations?: Migration[]): Promise<number[]> {
  const all = migrations ?? (await loadMigrations());
  const client = await db.pool.connect();
  // Checked out, the client has no error listener of the pool's: a lost server fails the queries.
  const onError = (): void => undefined;
  client.on('error', onError);
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    await client.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const done = new Set(
      (await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version),
    );
    const applied: number[] = [];
    for (const m of all) {
      if (done.has(m.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${m.version}_${m.name} failed: ${(e as Error).message}`, { cause: e });
      }
      applied.push(m.version);
    }
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => undefined);
    client.off('error', onError);
    client.release();
  }
}
