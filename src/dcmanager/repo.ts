// The distributed cloud's tables: subcloud_groups, subclouds, subcloud_status (sync per endpoint
// type) and subcloud_alarms. Plain SQL; the service decides, this module reads and writes.

import type { Queryable } from '../db/index.ts';
import { ENDPOINT_TYPES, type AvailabilityStatus, type ManagementState, type SyncStatus } from './domain/subcloud.ts';
import type { AuditDecision } from './domain/audit.ts';
import type { AlarmSummaryRow, Subcloud, SubcloudGroup } from './schemas.ts';

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

const ENDPOINT_ORDER = `'{${ENDPOINT_TYPES.join(',')}}'`;

/** A subcloud reference as StarlingX reads it: all digits = id, else name. */
const refWhere = (ref: string): { where: string; value: unknown } =>
  /^\d{1,9}$/.test(ref) ? { where: 's.id = $1', value: Number(ref) } : { where: 's.name = $1', value: ref };

/** A timestamp as JavaScript's toISOString writes it (UTC, milliseconds). */
const isoSql = (c: string): string => `to_char(${c} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** One subcloud as its API answer (`s` the subcloud row, `st` its aggregated sync statuses),
 *  built by PostgreSQL: a list of thousands is one query whose text is the answer, with no
 *  objects made and serialised again here. The overall sync_status is domain/overallSync's rule. */
const SUBCLOUD_JSON = `json_build_object(
  'id', s.id, 'name', s.name, 'description', s.description, 'location', s.location,
  'software-version', s.software_version, 'management-state', s.management_state,
  'availability-status', s.availability_status, 'deploy-status', s.deploy_status,
  'backup-status', s.backup_status, 'backup-datetime', ${isoSql('s.backup_datetime')},
  'error-description', s.error_description, 'region-name', s.region_name,
  'management-subnet', s.management_subnet::text, 'management-start-ip', host(s.management_start_ip),
  'management-end-ip', host(s.management_end_ip), 'management-gateway-ip', host(s.management_gateway_ip),
  'openstack-installed', false, 'prestage-status', s.prestage_status, 'prestage-versions', s.prestage_versions,
  'systemcontroller-gateway-ip', host(s.systemcontroller_gateway_ip), 'data_install', NULL, 'data_upgrade', NULL,
  'created-at', ${isoSql('s.created_at')}, 'updated-at', ${isoSql('s.updated_at')},
  'group_id', s.group_id, 'peer_group_id', NULL, 'rehome_data', NULL,
  'endpoint_sync_status', coalesce(st.endpoints, '[]'::json), 'sync_status', coalesce(st.sync, 'unknown'),
  'bootstrap-address', s.bootstrap_address, 'last-audit-at', ${isoSql('s.last_audit_at')},
  'audit-fail-count', s.audit_fail_count)`;

/** The sync statuses of the subclouds in `ids` (a subquery), one row per subcloud. */
const statusesOf = (ids: string): string => `SELECT subcloud_id,
    json_agg(json_build_object('endpoint_type', endpoint_type, 'sync_status', sync_status)
             ORDER BY array_position(${ENDPOINT_ORDER}::text[], endpoint_type), endpoint_type) AS endpoints,
    CASE WHEN bool_or(sync_status = 'out-of-sync') THEN 'out-of-sync'
         WHEN bool_and(sync_status = 'in-sync') THEN 'in-sync' ELSE 'unknown' END AS sync
  FROM subcloud_status WHERE subcloud_id IN (${ids}) GROUP BY subcloud_id`;

export interface ListPage {
  /** At most this many. */
  limit: number;
  /** After the subcloud with this id. */
  afterId: number;
}

/**
 * Subclouds by id as the JSON text of an array (every one, a group's, or a page), with how many:
 * one query, the JSON built by PostgreSQL.
 */
export async function listSubcloudsJson(q: Queryable, f: { groupId?: number; page?: ListPage } = {}): Promise<{ json: string; count: number; lastId: number | null }> {
  const params: unknown[] = [];
  const where: string[] = [];
  if (f.groupId !== undefined) where.push(`group_id = $${params.push(f.groupId)}`);
  if (f.page) where.push(`id > $${params.push(f.page.afterId)}`);
  const limit = f.page ? ` LIMIT $${params.push(f.page.limit)}` : '';
  const r = await q.query<{ json: string; count: number; last: number | null }>(
    `WITH s AS (SELECT * FROM subclouds ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id${limit}),
          st AS (${statusesOf('SELECT id FROM s')})
     SELECT coalesce(json_agg(${SUBCLOUD_JSON} ORDER BY s.id), '[]')::text AS json, count(*)::int AS count, max(s.id) AS last
       FROM s LEFT JOIN st ON st.subcloud_id = s.id`,
    params,
  );
  const row = r.rows[0]!;
  return { json: row.json, count: row.count, lastId: row.last };
}

/** Every subcloud (or a group's), by id. */
export async function listSubclouds(q: Queryable, groupId?: number): Promise<Subcloud[]> {
  return JSON.parse((await listSubcloudsJson(q, { groupId })).json) as Subcloud[];
}

/** A subcloud's id by reference (id or name), for a list's marker. */
export async function subcloudIdOf(q: Queryable, ref: string): Promise<number | undefined> {
  const { where, value } = refWhere(ref);
  return (await q.query<{ id: number }>(`SELECT s.id FROM subclouds s WHERE ${where}`, [value])).rows[0]?.id;
}

export async function getSubcloud(q: Queryable, ref: string, forUpdate = false): Promise<Subcloud | undefined> {
  const { where, value } = refWhere(ref);
  const r = await q.query<{ json: Subcloud }>(
    `WITH s AS (SELECT * FROM subclouds s WHERE ${where}${forUpdate ? ' FOR UPDATE OF s' : ''}), st AS (${statusesOf('SELECT id FROM s')})
     SELECT ${SUBCLOUD_JSON} AS json FROM s LEFT JOIN st ON st.subcloud_id = s.id`,
    [value],
  );
  return r.rows[0]?.json;
}

/** The subclouds a new one would clash with (same name, or an overlapping management subnet: the
 *  exclusion constraint's index answers it), the table locked against concurrent adds so the check
 *  and the insert see the same set. */
export async function lockedConflicts(q: Queryable, name: string, subnet: string): Promise<{ name: string; management_subnet: string }[]> {
  await q.query('LOCK TABLE subclouds IN SHARE ROW EXCLUSIVE MODE');
  return (
    await q.query<{ name: string; management_subnet: string }>(
      'SELECT name, management_subnet::text AS management_subnet FROM subclouds WHERE name = $1 OR management_subnet && $2::cidr',
      [name, subnet],
    )
  ).rows;
}

export interface SubcloudInsert {
  name: string;
  description: string | null;
  location: string | null;
  software_version: string;
  deploy_status: string;
  region_name: string;
  management_subnet: string;
  management_start_ip: string;
  management_end_ip: string;
  management_gateway_ip: string;
  systemcontroller_gateway_ip: string;
  group_id: number;
  bootstrap_address: string;
  admin_username: string;
  admin_project: string;
  admin_password_sealed: string;
  ca_cert: string | null;
}

/** Inserts a subcloud with an `unknown` sync status per endpoint type and an unknown alarm row. */
export async function insertSubcloud(q: Queryable, s: SubcloudInsert, at: Date): Promise<number> {
  const r = await q.query<{ id: number }>(
    `INSERT INTO subclouds (name, description, location, software_version, deploy_status, region_name, management_subnet,
       management_start_ip, management_end_ip, management_gateway_ip, systemcontroller_gateway_ip, group_id,
       bootstrap_address, admin_username, admin_project, admin_password_sealed, ca_cert, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id`,
    [s.name, s.description, s.location, s.software_version, s.deploy_status, s.region_name, s.management_subnet,
      s.management_start_ip, s.management_end_ip, s.management_gateway_ip, s.systemcontroller_gateway_ip, s.group_id,
      s.bootstrap_address, s.admin_username, s.admin_project, s.admin_password_sealed, s.ca_cert, at],
  );
  const id = r.rows[0]!.id;
  await q.query(`INSERT INTO subcloud_status (subcloud_id, endpoint_type) SELECT $1, unnest($2::text[])`, [id, [...ENDPOINT_TYPES]]);
  await q.query('INSERT INTO subcloud_alarms (subcloud_id) VALUES ($1)', [id]);
  return id;
}

export type SubcloudPatch = Partial<{
  description: string | null;
  location: string | null;
  group_id: number;
  management_state: ManagementState;
  bootstrap_address: string;
  admin_username: string;
  admin_project: string;
  admin_password_sealed: string;
  ca_cert: string | null;
}>;

export async function updateSubcloud(q: Queryable, id: number, patch: SubcloudPatch, at: Date): Promise<void> {
  const keys = Object.keys(patch) as (keyof SubcloudPatch)[];
  const sets = keys.map((k, i) => `${k} = $${i + 3}`);
  await q.query(`UPDATE subclouds SET ${[...sets, 'updated_at = $2'].join(', ')} WHERE id = $1`, [id, at, ...keys.map((k) => patch[k])]);
}

/** Every endpoint's sync status set to one value (unmanage: unknown, as StarlingX does). */
export async function setAllSyncStatus(q: Queryable, id: number, status: SyncStatus, at: Date): Promise<void> {
  await q.query('UPDATE subcloud_status SET sync_status = $2, updated_at = $3 WHERE subcloud_id = $1 AND sync_status <> $2', [id, status, at]);
}

export async function deleteSubcloud(q: Queryable, id: number): Promise<void> {
  await q.query('DELETE FROM subclouds WHERE id = $1', [id]);
}

// --- groups ---------------------------------------------------------------------------------------

interface GroupRow {
  id: number;
  name: string;
  description: string;
  update_apply_type: string;
  max_parallel_subclouds: number;
  created_at: Date;
  updated_at: Date | null;
}

const toGroup = (r: GroupRow): SubcloudGroup => ({
  id: r.id,
  name: r.name,
  description: r.description,
  update_apply_type: r.update_apply_type,
  max_parallel_subclouds: r.max_parallel_subclouds,
  'created-at': r.created_at.toISOString(),
  'updated-at': iso(r.updated_at),
});

const GROUP_COLS = 'id, name, description, update_apply_type, max_parallel_subclouds, created_at, updated_at';

export async function listGroups(q: Queryable): Promise<SubcloudGroup[]> {
  return (await q.query<GroupRow>(`SELECT ${GROUP_COLS} FROM subcloud_groups ORDER BY id`)).rows.map(toGroup);
}

/** A group by id (all digits) or name, as StarlingX's subcloud_group_get_by_ref. */
export async function getGroup(q: Queryable, ref: string, forUpdate = false): Promise<SubcloudGroup | undefined> {
  const byId = /^\d{1,9}$/.test(ref);
  const r = await q.query<GroupRow>(
    `SELECT ${GROUP_COLS} FROM subcloud_groups WHERE ${byId ? 'id = $1' : 'name = $1'}${forUpdate ? ' FOR UPDATE' : ''}`,
    [byId ? Number(ref) : ref],
  );
  return r.rows[0] && toGroup(r.rows[0]);
}

export async function insertGroup(
  q: Queryable,
  g: { name: string; description: string; update_apply_type: string; max_parallel_subclouds: number },
  at: Date,
): Promise<SubcloudGroup> {
  const r = await q.query<GroupRow>(
    `INSERT INTO subcloud_groups (name, description, update_apply_type, max_parallel_subclouds, created_at)
     VALUES ($1, $2, $3, $4, $5) RETURNING ${GROUP_COLS}`,
    [g.name, g.description, g.update_apply_type, g.max_parallel_subclouds, at],
  );
  return toGroup(r.rows[0]!);
}

export async function updateGroup(q: Queryable, id: number, patch: Record<string, unknown>, at: Date): Promise<SubcloudGroup> {
  const keys = Object.keys(patch);
  const sets = keys.map((k, i) => `${k} = $${i + 3}`);
  const r = await q.query<GroupRow>(
    `UPDATE subcloud_groups SET ${[...sets, 'updated_at = $2'].join(', ')} WHERE id = $1 RETURNING ${GROUP_COLS}`,
    [id, at, ...keys.map((k) => patch[k])],
  );
  return toGroup(r.rows[0]!);
}

export async function countSubcloudsInGroup(q: Queryable, id: number): Promise<number> {
  return (await q.query<{ n: number }>('SELECT count(*)::int AS n FROM subclouds WHERE group_id = $1', [id])).rows[0]!.n;
}

export async function deleteGroup(q: Queryable, id: number): Promise<void> {
  await q.query('DELETE FROM subcloud_groups WHERE id = $1', [id]);
}

// --- the audit ------------------------------------------------------------------------------------

/** What the availability audit needs of one subcloud. */
export interface AuditTarget {
  id: number;
  name: string;
  region_name: string;
  management_state: ManagementState;
  availability_status: AvailabilityStatus;
  deploy_status: string;
  audit_fail_count: number;
  bootstrap_address: string;
  admin_username: string;
  admin_project: string;
  admin_password_sealed: string;
  ca_cert: string | null;
}

const AUDIT_COLS = `id, name, region_name, management_state, availability_status, deploy_status, audit_fail_count,
  bootstrap_address, admin_username, admin_project, admin_password_sealed, ca_cert`;

/** What the audit needs of each of `ids` (those that exist). */
export async function auditTargets(q: Queryable, ids: readonly number[]): Promise<AuditTarget[]> {
  return (await q.query<AuditTarget>(`SELECT ${AUDIT_COLS} FROM subclouds WHERE id = ANY($1::int[])`, [ids])).rows;
}

/** The audit state of each of `ids` (those that exist), locked against a concurrent manage/unmanage
 *  or delete; locked in id order, so two batches never wait for each other in a cycle. */
export async function lockAuditStates(q: Queryable, ids: readonly number[]): Promise<Pick<AuditTarget, 'id' | 'name' | 'management_state' | 'availability_status' | 'audit_fail_count'>[]> {
  return (
    await q.query<Pick<AuditTarget, 'id' | 'name' | 'management_state' | 'availability_status' | 'audit_fail_count'>>(
      `SELECT id, name, management_state, availability_status, audit_fail_count FROM subclouds
        WHERE id = ANY($1::int[]) ORDER BY id FOR UPDATE`,
      [ids],
    )
  ).rows;
}

export async function subcloudIds(q: Queryable): Promise<number[]> {
  return (await q.query<{ id: number }>('SELECT id FROM subclouds ORDER BY id')).rows.map((r) => r.id);
}

/** The subclouds of the given shards (id mod `count`), with when each was last audited. */
export async function shardSchedule(q: Queryable, shards: readonly number[], count: number): Promise<{ id: number; last_audit_at: Date | null }[]> {
  return (
    await q.query<{ id: number; last_audit_at: Date | null }>(
      'SELECT id, last_audit_at FROM subclouds WHERE id % $2 = ANY($1::int[]) ORDER BY id',
      [shards, count],
    )
  ).rows;
}

/** Audit results written, many subclouds in one statement each: availability, failures, when,
 *  and the alarm summary rows that changed. */
export async function writeAudits(q: Queryable, writes: readonly { id: number; d: AuditDecision }[], at: Date): Promise<void> {
  if (writes.length === 0) return;
  await q.query(
    `UPDATE subclouds s SET availability_status = u.a, audit_fail_count = u.f, last_audit_error = u.e, last_audit_at = $1,
            updated_at = CASE WHEN u.c THEN $1 ELSE s.updated_at END
       FROM unnest($2::int[], $3::text[], $4::int[], $5::text[], $6::bool[]) AS u(id, a, f, e, c) WHERE s.id = u.id`,
    [at, writes.map((w) => w.id), writes.map((w) => w.d.availability_status), writes.map((w) => w.d.audit_fail_count),
      writes.map((w) => w.d.last_audit_error), writes.map((w) => w.d.changed)],
  );
  const counts = writes.flatMap(({ id, d }) => {
    if (d.alarms === 'keep') return [];
    const a = d.alarms === 'unknown' ? { critical: -1, major: -1, minor: -1, warnings: -1, status: 'disabled' } : d.alarms;
    return [{ id, ...a }];
  });
  if (counts.length === 0) return;
  await q.query(
    `UPDATE subcloud_alarms x SET critical_alarms = u.c, major_alarms = u.ma, minor_alarms = u.mi, warnings = u.w, cloud_status = u.st, updated_at = $1
       FROM unnest($2::int[], $3::int[], $4::int[], $5::int[], $6::int[], $7::text[]) AS u(id, c, ma, mi, w, st)
      WHERE x.subcloud_id = u.id
        AND (x.critical_alarms, x.major_alarms, x.minor_alarms, x.warnings, x.cloud_status) IS DISTINCT FROM (u.c, u.ma, u.mi, u.w, u.st)`,
    [at, counts.map((c) => c.id), counts.map((c) => c.critical), counts.map((c) => c.major), counts.map((c) => c.minor),
      counts.map((c) => c.warnings), counts.map((c) => c.status)],
  );
}

/** Every endpoint of each of `ids` set to one status (gone offline: unknown). */
export async function setAllSyncStatusOf(q: Queryable, ids: readonly number[], status: SyncStatus, at: Date): Promise<void> {
  if (ids.length === 0) return;
  await q.query('UPDATE subcloud_status SET sync_status = $2, updated_at = $3 WHERE subcloud_id = ANY($1::int[]) AND sync_status <> $2', [ids, status, at]);
}

/** Sync statuses of many (subcloud, endpoint) pairs; the pairs whose status changed. */
export async function setSyncStatuses(q: Queryable, rows: readonly { id: number; endpoint: string; status: SyncStatus }[], at: Date): Promise<{ subcloud_id: number; endpoint_type: string }[]> {
  if (rows.length === 0) return [];
  return (
    await q.query<{ subcloud_id: number; endpoint_type: string }>(
      `UPDATE subcloud_status st SET sync_status = u.s, updated_at = $1
         FROM unnest($2::int[], $3::text[], $4::text[]) AS u(id, ep, s)
        WHERE st.subcloud_id = u.id AND st.endpoint_type = u.ep AND st.sync_status <> u.s
        RETURNING st.subcloud_id, st.endpoint_type`,
      [at, rows.map((r) => r.id), rows.map((r) => r.endpoint), rows.map((r) => r.status)],
    )
  ).rows;
}

/** The endpoint types outside `synced` of each of `ids`, which have nothing to synchronise yet, shown in-sync. */
export async function setOthersInSyncOf(q: Queryable, ids: readonly number[], synced: readonly string[], at: Date): Promise<void> {
  if (ids.length === 0) return;
  await q.query(
    `UPDATE subcloud_status SET sync_status = 'in-sync', updated_at = $3
      WHERE subcloud_id = ANY($1::int[]) AND endpoint_type <> ALL($2::text[]) AND sync_status <> 'in-sync'`,
    [ids, [...synced], at],
  );
}

export async function alarmSummary(q: Queryable): Promise<AlarmSummaryRow[]> {
  const r = await q.query<{ name: string; region_name: string; critical_alarms: number; major_alarms: number; minor_alarms: number; warnings: number; cloud_status: string }>(
    `SELECT s.name, s.region_name, a.critical_alarms, a.major_alarms, a.minor_alarms, a.warnings, a.cloud_status
       FROM subclouds s JOIN subcloud_alarms a ON a.subcloud_id = s.id ORDER BY s.id`,
  );
  // StarlingX's region_name column holds the subcloud's name (its subcloud_alarms.name).
  return r.rows.map((x) => ({
    region_name: x.name,
    uuid: x.region_name,
    critical_alarms: x.critical_alarms,
    major_alarms: x.major_alarms,
    minor_alarms: x.minor_alarms,
    warnings: x.warnings,
    cloud_status: x.cloud_status,
  }));
}
