// The isystem table (one row).

import type { Queryable } from '../../db/index.ts';
import type { ISystem } from './schemas.ts';

type Row = Omit<ISystem, 'created_at' | 'updated_at'> & { created_at: Date; updated_at: Date | null };

const COLS =
  'uuid, name, system_type, system_mode, description, location, contact, software_version, timezone, region_name, distributed_cloud_role, capabilities, created_at, updated_at';

const toApi = (r: Row): ISystem => ({
  ...r,
  created_at: r.created_at.toISOString(),
  updated_at: r.updated_at === null ? null : r.updated_at.toISOString(),
});

export async function getSystem(q: Queryable): Promise<ISystem | undefined> {
  const r = (await q.query<Row>(`SELECT ${COLS} FROM isystem`)).rows[0];
  return r && toApi(r);
}

export async function insertSystem(
  q: Queryable,
  s: Pick<ISystem, 'uuid' | 'name' | 'system_type' | 'system_mode' | 'software_version' | 'region_name'>,
): Promise<void> {
  await q.query(
    `INSERT INTO isystem (uuid, name, system_type, system_mode, software_version, region_name)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (singleton) DO NOTHING`,
    [s.uuid, s.name, s.system_type, s.system_mode, s.software_version, s.region_name],
  );
}

/** StarlingX sets the role once, at bootstrap: a site without one takes it, a site with one keeps it. */
export async function setDistributedCloudRole(q: Queryable, role: string): Promise<void> {
  await q.query('UPDATE isystem SET distributed_cloud_role = $1 WHERE distributed_cloud_role IS NULL', [role]);
}

export async function updateSystem(q: Queryable, uuid: string, patch: Record<string, unknown>, at: Date): Promise<ISystem | undefined> {
  const keys = Object.keys(patch);
  const sets = keys.map((k, i) => `${k} = $${i + 3}`);
  const r = (
    await q.query<Row>(
      `UPDATE isystem SET ${[...sets, 'updated_at = $2'].join(', ')} WHERE uuid::text = $1 RETURNING ${COLS}`,
      [uuid, at, ...keys.map((k) => patch[k])],
    )
  ).rows[0];
  return r && toApi(r);
}

// --- idns and intp (one row each, made by their migration) ---------------------------------------

type ServersRow = { uuid: string; value: string; isystem_uuid: string | null; created_at: Date; updated_at: Date | null };
const serversQuery = (table: 'idns' | 'intp', column: 'nameservers' | 'ntpservers', forUpdate: boolean): string =>
  `SELECT t.uuid::text AS uuid, t.${column} AS value, (SELECT s.uuid::text FROM isystem s) AS isystem_uuid, t.created_at, t.updated_at
     FROM ${table} t${forUpdate ? ' FOR UPDATE' : ''}`;

export interface ServersRecord {
  uuid: string;
  value: string;
  isystem_uuid: string | null;
  created_at: string;
  updated_at: string | null;
}

const toServers = (r: ServersRow): ServersRecord => ({ ...r, created_at: r.created_at.toISOString(), updated_at: r.updated_at?.toISOString() ?? null });

export async function getServers(q: Queryable, kind: 'dns' | 'ntp', forUpdate = false): Promise<ServersRecord> {
  const sql = kind === 'dns' ? serversQuery('idns', 'nameservers', forUpdate) : serversQuery('intp', 'ntpservers', forUpdate);
  return toServers((await q.query<ServersRow>(sql)).rows[0]!);
}

/** Sets the list when it differs; true when it changed. */
export async function setServers(q: Queryable, kind: 'dns' | 'ntp', value: string, at: Date): Promise<boolean> {
  const [table, column] = kind === 'dns' ? ['idns', 'nameservers'] : ['intp', 'ntpservers'];
  const r = await q.query(`UPDATE ${table} SET ${column} = $1, updated_at = $2 WHERE ${column} <> $1`, [value, at]);
  return (r.rowCount ?? 0) > 0;
}
