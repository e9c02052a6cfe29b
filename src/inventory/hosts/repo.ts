// The ihosts table and the inventory tables the agents fill (icpus, imemorys, ethernet_ports,
// idisks, pci_devices), and labels.

import { StarlingError } from '../../common/errors.ts';
import type { Queryable } from '../../db/index.ts';
import { matchDisks, partitionNode, partitionPath } from '../storage/domain/storage.ts';
import type { Availability } from './domain/host-state.ts';

export const HOST_COLS = [
  'uuid',
  'id',
  'hostname',
  'personality',
  'subfunctions',
  'invprovision',
  'administrative',
  'operational',
  'availability',
  'task',
  'action',
  'mgmt_mac',
  'mgmt_ip',
  'bm_type',
  'bm_ip',
  'bm_username',
  'boot_device',
  'rootfs_device',
  'install_output',
  'console',
  'location',
  'capabilities',
  'inv_state',
  'config_status',
  'sw_version',
  'uptime',
  'created_at',
  'updated_at',
] as const;

export interface HostRow {
  uuid: string;
  id: number;
  hostname: string | null;
  personality: 'controller' | 'worker' | 'storage' | null;
  subfunctions: string | null;
  invprovision: string;
  administrative: 'locked' | 'unlocked';
  operational: 'enabled' | 'disabled';
  availability: Availability;
  task: string | null;
  action: string;
  mgmt_mac: string | null;
  mgmt_ip: string | null;
  bm_type: 'none' | 'ipmi' | 'redfish' | 'dynamic';
  bm_ip: string | null;
  bm_username: string | null;
  boot_device: string;
  rootfs_device: string;
  install_output: string;
  console: string;
  location: Record<string, unknown>;
  capabilities: Record<string, unknown>;
  inv_state: string | null;
  config_status: string | null;
  sw_version: string | null;
  uptime: number;
  created_at: string;
  updated_at: string | null;
}

type DbHost = Omit<HostRow, 'created_at' | 'updated_at'> & { created_at: Date; updated_at: Date | null };
const SELECT = `SELECT ${HOST_COLS.map((c) => (c === 'mgmt_mac' ? 'mgmt_mac::text' : c === 'mgmt_ip' ? 'host(mgmt_ip) AS mgmt_ip' : c)).join(', ')} FROM ihosts`;
const toHost = (r: DbHost): HostRow => ({
  ...r,
  created_at: r.created_at.toISOString(),
  updated_at: r.updated_at?.toISOString() ?? null,
});

export async function listHosts(q: Queryable, f: { personality?: string } = {}): Promise<HostRow[]> {
  const r = await q.query<DbHost>(`${SELECT} WHERE ($1::text IS NULL OR personality = $1) ORDER BY id`, [
    f.personality ?? null,
  ]);
  return r.rows.map(toHost);
}

/** By uuid, numeric id or hostname (cgtsclient accepts all three). */
export async function findHost(q: Queryable, ref: string, lock = false): Promise<HostRow | undefined> {
  const col = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ref)
    ? 'uuid::text'
    : /^\d+$/.test(ref)
      ? 'id::text'
      : 'hostname';
  const r = await q.query<DbHost>(`${SELECT} WHERE ${col} = $1${lock ? ' FOR UPDATE' : ''}`, [ref]);
  return r.rows[0] && toHost(r.rows[0]);
}

/**
 * The host a request names (uuid, id or hostname) or an error naming `field`: 404 when the host is
 * the resource in the path (`host_id`), 400 when it is a field of the body.
 */
export async function requireHost(q: Queryable, ref: string, field: string, lock = false): Promise<HostRow> {
  const h = await findHost(q, ref, lock);
  if (!h)
    throw new StarlingError(field === 'host_id' ? 'NOT_FOUND' : 'VALIDATION_FAILED', `no host ${ref}`, {
      field,
    });
  return h;
}

export async function findHostByMac(q: Queryable, mac: string): Promise<HostRow | undefined> {
  const r = await q.query<DbHost>(`${SELECT} WHERE mgmt_mac = $1::macaddr FOR UPDATE`, [mac]);
  return r.rows[0] && toHost(r.rows[0]);
}

export type NewHostRow = Partial<Omit<HostRow, 'id' | 'created_at' | 'updated_at'>> & {
  uuid: string;
  bm_password_enc?: string | null;
};

const WRITABLE = [
  'hostname',
  'personality',
  'subfunctions',
  'invprovision',
  'administrative',
  'operational',
  'availability',
  'task',
  'mgmt_mac',
  'mgmt_ip',
  'bm_type',
  'bm_ip',
  'bm_username',
  'bm_password_enc',
  'boot_device',
  'rootfs_device',
  'install_output',
  'console',
  'location',
  'inv_state',
  'sw_version',
  'uptime',
] as const;

/** Inserts many hosts in one statement (bulk-add of thousands stays one round trip). */
export async function insertHosts(q: Queryable, hosts: NewHostRow[]): Promise<void> {
  if (hosts.length === 0) return;
  const cols = ['uuid', ...WRITABLE] as const;
  const arrays = cols.map((c) =>
    hosts.map((h) => {
      const v = (h as Record<string, unknown>)[c];
      return v === undefined ? null : c === 'location' ? JSON.stringify(v) : v;
    }),
  );
  const arrayType = (c: string): string =>
    c === 'uuid'
      ? 'uuid'
      : c === 'mgmt_mac'
        ? 'macaddr'
        : c === 'mgmt_ip'
          ? 'inet'
          : c === 'uptime'
            ? 'int'
            : 'text';
  // NULL = the column's default (unnest cannot say "DEFAULT").
  const defaults: Record<string, string> = {
    invprovision: "'unprovisioned'",
    administrative: "'locked'",
    operational: "'disabled'",
    availability: "'offline'",
    bm_type: "'none'",
    boot_device: "'/dev/sda'",
    rootfs_device: "'/dev/sda'",
    install_output: "'text'",
    console: "'ttyS0,115200'",
    location: "'{}'::jsonb",
    uptime: '0',
  };
  const expr = (c: string, i: number): string => {
    const e = c === 'location' ? `t.c${i}::jsonb` : `t.c${i}`;
    return defaults[c] ? `COALESCE(${e}, ${defaults[c]})` : e;
  };
  await q.query(
    `INSERT INTO ihosts (${cols.join(', ')})
     SELECT ${cols.map(expr).join(', ')}
       FROM unnest(${cols.map((c, i) => `$${i + 1}::${arrayType(c)}[]`).join(', ')}) AS t(${cols.map((_, i) => `c${i}`).join(', ')})`,
    arrays,
  );
}

export async function updateHost(
  q: Queryable,
  uuid: string,
  patch: Partial<Record<(typeof WRITABLE)[number], unknown>>,
  at: Date,
): Promise<void> {
  const keys = Object.keys(patch).filter((k) => (WRITABLE as readonly string[]).includes(k));
  const sets = keys.map((k, i) => `${k} = $${i + 3}${k === 'location' ? '::jsonb' : ''}`);
  await q.query(`UPDATE ihosts SET ${[...sets, 'updated_at = $2'].join(', ')} WHERE uuid = $1`, [
    uuid,
    at,
    ...keys.map((k) =>
      k === 'location' ? JSON.stringify(patch[k as keyof typeof patch]) : patch[k as keyof typeof patch],
    ),
  ]);
}

export async function deleteHost(q: Queryable, uuid: string): Promise<void> {
  await q.query('DELETE FROM ihosts WHERE uuid = $1', [uuid]);
}

export async function countUnlockedEnabledControllers(q: Queryable): Promise<number> {
  const r = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ihosts WHERE personality = 'controller' AND administrative = 'unlocked' AND operational = 'enabled'`,
  );
  return r.rows[0]?.n ?? 0;
}

// --- inventory tables --------------------------------------------------------------------------------

/** Inventory tables, their key within a host, and their columns (StarlingX field names). */
export const INVENTORY_TABLES = {
  icpus: {
    key: ['cpu'],
    cols: ['cpu', 'core', 'thread', 'numa_node', 'socket', 'cpu_family', 'cpu_model'],
    keep: ['allocated_function'],
  },
  imemorys: {
    key: ['numa_node'],
    cols: [
      'numa_node',
      'memtotal_mib',
      'memavail_mib',
      'vm_hugepages_nr_2M',
      'vm_hugepages_avail_2M',
      'vm_hugepages_nr_1G',
      'vm_hugepages_avail_1G',
      'vm_hugepages_use_1G',
    ],
    keep: [
      'platform_reserved_mib',
      'hugepages_configured',
      'vm_hugepages_nr_2M_pending',
      'vm_hugepages_nr_1G_pending',
      'inode_uuid',
    ],
  },
  ethernet_ports: {
    key: ['name'],
    cols: [
      'name',
      'mac',
      'mtu',
      'speed',
      'link_mode',
      'pciaddr',
      'driver',
      'numa_node',
      'pvendor',
      'pdevice',
      'sriov_totalvfs',
      'sriov_numvfs',
    ],
    keep: ['interface_uuid'],
  },
  idisks: {
    key: ['device_node'],
    cols: [
      'device_node',
      'device_path',
      'device_type',
      'size_mib',
      'serial_id',
      'model',
      'device_wwn',
      'available_mib',
      'last_partition',
    ],
    keep: [],
  },
  pci_devices: {
    key: ['pciaddr'],
    cols: [
      'pciaddr',
      'pclass_id',
      'pclass',
      'pvendor_id',
      'pdevice_id',
      'psvendor',
      'psdevice',
      'numa_node',
      'driver',
      'sriov_totalvfs',
      'kind',
    ],
    keep: ['enabled'],
  },
} as const;
export type InventoryTable = keyof typeof INVENTORY_TABLES;
export type InventoryRows = { [T in InventoryTable]: Record<string, unknown>[] };

const quote = (c: string): string => (/[A-Z]/.test(c) ? `"${c}"` : c);

/** Replaces a host's discovered rows of one table: rows gone are deleted, the rest upserted,
 *  keeping what the operator configured on them (`keep` columns). */
export async function replaceInventory(
  q: Queryable,
  hostUuid: string,
  table: InventoryTable,
  rows: Record<string, unknown>[],
  newUuid: () => string,
): Promise<void> {
  const spec = INVENTORY_TABLES[table];
  const key = spec.key[0];
  const keys = rows.map((r) => r[key]);
  await q.query(`DELETE FROM ${table} WHERE host_uuid = $1 AND NOT (${key} = ANY($2))`, [hostUuid, keys]);
  if (rows.length === 0) return;
  const cols = ['uuid', 'host_uuid', ...spec.cols];
  const values: unknown[] = [];
  // A column the report leaves out takes its default (DEFAULT), one it sets to null is null.
  const tuples = rows.map((r) => {
    const row: unknown[] = [newUuid(), hostUuid, ...spec.cols.map((c) => r[c])];
    return `(${row
      .map((v) => {
        if (v === undefined) return 'DEFAULT';
        values.push(v);
        return `$${values.length}`;
      })
      .join(', ')})`;
  });
  await q.query(
    `INSERT INTO ${table} (${cols.map(quote).join(', ')}) VALUES ${tuples.join(', ')}
     ON CONFLICT (host_uuid, ${key}) DO UPDATE SET ${spec.cols
       .filter((c) => c !== key)
       .map((c) => `${quote(c)} = EXCLUDED.${quote(c)}`)
       .join(', ')}`,
    values,
  );
}

/** PostgreSQL types of the disk columns an agent reports, for passing them as arrays. */
const DISK_TYPES: Record<(typeof INVENTORY_TABLES)['idisks']['cols'][number], string> = {
  device_node: 'text',
  device_path: 'text',
  device_type: 'text',
  size_mib: 'bigint',
  serial_id: 'text',
  model: 'text',
  device_wwn: 'text',
  available_mib: 'bigint',
  last_partition: 'integer',
};

/**
 * Replaces a host's disks from an agent's report. Unlike the other inventory tables, disks are not
 * keyed by name: device nodes change across reboots, so each reported disk is recognised by its
 * WWN, serial or by-path name first (domain `matchDisks`). A recognised disk keeps its uuid, and
 * with it its partitions, physical volume or OSD, whose partitions take its new names; a disk no
 * longer reported goes, with what was configured on it.
 */
export async function replaceDisks(
  q: Queryable,
  hostUuid: string,
  rows: Record<string, unknown>[],
  newUuid: () => string,
): Promise<void> {
  type Stored = {
    uuid: string;
    device_node: string;
    device_path: string | null;
    serial_id: string | null;
    device_wwn: string | null;
  };
  const stored = (
    await q.query<Stored>(
      'SELECT uuid, device_node, device_path, serial_id, device_wwn FROM idisks WHERE host_uuid = $1 FOR UPDATE',
      [hostUuid],
    )
  ).rows;
  const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
  const reported = rows.map((r) => ({
    device_node: String(r.device_node),
    device_path: text(r.device_path),
    serial_id: text(r.serial_id),
    device_wwn: text(r.device_wwn),
  }));
  const { match, gone } = matchDisks(stored, reported);
  if (gone.length > 0)
    await q.query('DELETE FROM idisks WHERE uuid = ANY($1::uuid[])', [gone.map((i) => stored[i]!.uuid)]);

  const cols = INVENTORY_TABLES.idisks.cols;
  const uuids = match.map((i) => (i === undefined ? newUuid() : stored[i]!.uuid));
  const renamed = match.flatMap((i, j) =>
    i !== undefined &&
    (stored[i]!.device_node !== reported[j]!.device_node ||
      stored[i]!.device_path !== reported[j]!.device_path)
      ? [stored[i]!.uuid]
      : [],
  );
  // Renamed disks step aside first: two disks swapping nodes would break UNIQUE (host_uuid, device_node) midway.
  if (renamed.length > 0)
    await q.query(`UPDATE idisks SET device_node = '#' || uuid::text WHERE uuid = ANY($1::uuid[])`, [
      renamed,
    ]);
  const arrays = [uuids, ...cols.map((c) => rows.map((r) => r[c] ?? null))];
  const unnest = `unnest($1::uuid[], ${cols.map((c, k) => `$${k + 2}::${DISK_TYPES[c]}[]`).join(', ')}) AS r(uuid, ${cols.join(', ')})`;
  await q.query(
    `WITH r AS (SELECT * FROM ${unnest}),
     upd AS (UPDATE idisks d SET ${cols.map((c) => `${c} = r.${c}`).join(', ')} FROM r WHERE d.uuid = r.uuid RETURNING d.uuid)
     INSERT INTO idisks (uuid, host_uuid, ${cols.join(', ')})
     SELECT r.uuid, $${cols.length + 2}, ${cols.map((c) => `r.${c}`).join(', ')} FROM r WHERE r.uuid <> ALL($${cols.length + 3}::uuid[])`,
    [...arrays, hostUuid, match.flatMap((i) => (i === undefined ? [] : [stored[i]!.uuid]))],
  );
  if (renamed.length === 0) return;
  // The partitions of renamed disks follow their disk's new node and by-path name.
  const parts = (
    await q.query<{ uuid: string; number: number; device_node: string; device_path: string | null }>(
      `SELECT p.uuid, p.number, d.device_node, d.device_path FROM partitions p JOIN idisks d ON d.uuid = p.idisk_uuid WHERE d.uuid = ANY($1::uuid[])`,
      [renamed],
    )
  ).rows;
  if (parts.length === 0) return;
  await q.query(
    `UPDATE partitions p SET device_node = r.device_node, device_path = r.device_path
       FROM unnest($1::uuid[], $2::text[], $3::text[]) AS r(uuid, device_node, device_path) WHERE p.uuid = r.uuid`,
    [
      parts.map((p) => p.uuid),
      parts.map((p) => partitionNode(p.device_node, p.number)),
      parts.map((p) => partitionPath(p.device_path, p.number)),
    ],
  );
}

/** A CPU's NUMA node uuid (sysinv's inode_uuid), from its node's memory row. */
const CPU_NODE =
  '(SELECT m.inode_uuid FROM imemorys m WHERE m.host_uuid = icpus.host_uuid AND m.numa_node = icpus.numa_node) AS inode_uuid';

export async function listInventory(
  q: Queryable,
  hostUuid: string,
  table: InventoryTable,
): Promise<Record<string, unknown>[]> {
  const spec = INVENTORY_TABLES[table];
  const cols = ['uuid', ...spec.cols, ...spec.keep].map((c) => (c === 'mac' ? 'mac::text AS mac' : quote(c)));
  if (table === 'icpus') cols.push(CPU_NODE);
  const order = table === 'icpus' ? 'cpu' : table === 'imemorys' ? 'numa_node' : spec.key[0];
  const r = await q.query(`SELECT ${cols.join(', ')} FROM ${table} WHERE host_uuid = $1 ORDER BY ${order}`, [
    hostUuid,
  ]);
  return r.rows.map((row) => ({ ...row, host_uuid: hostUuid }));
}

/** One NUMA node's memory row (imemorys) by uuid, with its host; `lock` holds the row. */
export async function findMemory(
  q: Queryable,
  uuid: string,
  lock = false,
): Promise<(Record<string, unknown> & { uuid: string; host_uuid: string }) | undefined> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(uuid)) return undefined;
  const spec = INVENTORY_TABLES.imemorys;
  const cols = ['uuid', 'host_uuid', ...spec.cols, ...spec.keep].map(quote);
  const r = await q.query<Record<string, unknown> & { uuid: string; host_uuid: string }>(
    `SELECT ${cols.join(', ')} FROM imemorys WHERE uuid = $1${lock ? ' FOR UPDATE' : ''}`,
    [uuid],
  );
  return r.rows[0];
}

/** A host's NUMA nodes (sysinv's inodes): one per memory row, with the node's own uuid. */
export async function listNodes(
  q: Queryable,
  hostUuid: string,
): Promise<{ uuid: string; numa_node: number; ihost_uuid: string }[]> {
  return (
    await q.query<{ uuid: string; numa_node: number; ihost_uuid: string }>(
      'SELECT inode_uuid AS uuid, numa_node, host_uuid AS ihost_uuid FROM imemorys WHERE host_uuid = $1 ORDER BY numa_node',
      [hostUuid],
    )
  ).rows;
}

/** One NUMA node by its uuid. */
export async function findNode(
  q: Queryable,
  uuid: string,
): Promise<{ uuid: string; numa_node: number; ihost_uuid: string } | undefined> {
  return (
    await q.query<{ uuid: string; numa_node: number; ihost_uuid: string }>(
      'SELECT inode_uuid AS uuid, numa_node, host_uuid AS ihost_uuid FROM imemorys WHERE inode_uuid::text = $1',
      [uuid],
    )
  ).rows[0];
}

/** One inventory row (a port, CPU, disk or PCI device) by uuid, with its host. */
export async function findInventoryRow(
  q: Queryable,
  table: InventoryTable,
  uuid: string,
): Promise<Record<string, unknown> | undefined> {
  const spec = INVENTORY_TABLES[table];
  const cols = ['uuid', 'host_uuid', ...spec.cols, ...spec.keep].map((c) =>
    c === 'mac' ? 'mac::text AS mac' : quote(c),
  );
  if (table === 'icpus') cols.push(CPU_NODE);
  return (await q.query(`SELECT ${cols.join(', ')} FROM ${table} WHERE uuid::text = $1`, [uuid])).rows[0];
}

/** Stores host-memory-modify's values (pending huge pages, platform reserved memory). */
export async function updateMemory(
  q: Queryable,
  uuid: string,
  change: Partial<
    Record<'vm_hugepages_nr_2M_pending' | 'vm_hugepages_nr_1G_pending' | 'platform_reserved_mib', number>
  >,
): Promise<void> {
  const keys = Object.keys(change) as (keyof typeof change)[];
  if (keys.length === 0) return;
  await q.query(
    `UPDATE imemorys SET ${keys.map((k, i) => `${quote(k)} = $${i + 2}`).join(', ')} WHERE uuid = $1`,
    [uuid, ...keys.map((k) => change[k])],
  );
}

// --- labels -------------------------------------------------------------------------------------------

export interface LabelRow {
  uuid: string;
  host_uuid: string;
  label_key: string;
  label_value: string;
}

export async function listLabels(q: Queryable, hostUuid: string): Promise<LabelRow[]> {
  return (
    await q.query<LabelRow>(
      'SELECT uuid, host_uuid, label_key, label_value FROM labels WHERE host_uuid = $1 ORDER BY label_key',
      [hostUuid],
    )
  ).rows;
}

export async function upsertLabel(q: Queryable, l: LabelRow): Promise<LabelRow> {
  return (
    await q.query<LabelRow>(
      `INSERT INTO labels (uuid, host_uuid, label_key, label_value) VALUES ($1, $2, $3, $4)
       ON CONFLICT (host_uuid, label_key) DO UPDATE SET label_value = EXCLUDED.label_value
       RETURNING uuid, host_uuid, label_key, label_value`,
      [l.uuid, l.host_uuid, l.label_key, l.label_value],
    )
  ).rows[0]!;
}

export async function findLabel(q: Queryable, uuid: string): Promise<LabelRow | undefined> {
  return (
    await q.query<LabelRow>('SELECT uuid, host_uuid, label_key, label_value FROM labels WHERE uuid::text = $1', [
      uuid,
    ])
  ).rows[0];
}

export async function deleteLabel(q: Queryable, uuid: string): Promise<LabelRow | undefined> {
  return (
    await q.query<LabelRow>(
      'DELETE FROM labels WHERE uuid::text = $1 RETURNING uuid, host_uuid, label_key, label_value',
      [uuid],
    )
  ).rows[0];
}
