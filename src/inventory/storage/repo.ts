// The storage tables: partitions, ilvgs, ipvs, istors, and the disks (idisks) they are made on.
// A host's storage is read whole, as the storage rules look at it.

import type { Queryable } from '../../db/index.ts';
import type { Disk, HostStorage, Lvg, Partition, Pv, Stor, StorageHost } from './domain/storage.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string): boolean => UUID.test(s);

export interface Stamps {
  id: number;
  created_at: string;
  updated_at: string | null;
}

export type StoredDisk = Disk & {
  device_wwn: string | null;
  serial_id: string | null;
  model: string | null;
};

/** A host's storage with what the views need besides the rules: disks' identity and rows' stamps. */
export interface LoadedStorage extends HostStorage {
  disks: StoredDisk[];
  stamps: Map<string, Stamps>;
  stors: (Stor & { state: string })[];
}

type Stamped<T> = T & { id: number; created_at: Date; updated_at: Date | null };

function split<T extends object>(rows: Stamped<T>[], stamps: Map<string, Stamps>): T[] {
  return rows.map(({ id, created_at, updated_at, ...rest }) => {
    stamps.set((rest as unknown as { uuid: string }).uuid, {
      id,
      created_at: created_at.toISOString(),
      updated_at: updated_at?.toISOString() ?? null,
    });
    return rest as unknown as T;
  });
}

export async function loadHostStorage(
  q: Queryable,
  host: StorageHost & { uuid: string },
): Promise<LoadedStorage> {
  const h = [host.uuid];
  const disks = await q.query<StoredDisk>(
    `SELECT uuid, device_node, device_path, device_type, size_mib, device_wwn, serial_id, model,
            available_mib AS found_available_mib, last_partition AS found_last_partition
       FROM idisks WHERE host_uuid = $1 ORDER BY device_node`,
    h,
  );
  const parts = await q.query<Stamped<Partition>>(
    `SELECT id, uuid, idisk_uuid, number, device_node, device_path, start_mib, end_mib, size_mib, type_guid, type_name,
            created_at, updated_at
       FROM partitions WHERE host_uuid = $1 ORDER BY idisk_uuid, number`,
    h,
  );
  const lvgs = await q.query<Stamped<Lvg>>(
    'SELECT id, uuid, lvm_vg_name, created_at, updated_at FROM ilvgs WHERE host_uuid = $1 ORDER BY id',
    h,
  );
  const pvs = await q.query<Stamped<Pv>>(
    `SELECT id, uuid, ilvg_uuid, idisk_uuid, partition_uuid, created_at, updated_at
       FROM ipvs WHERE host_uuid = $1 ORDER BY id`,
    h,
  );
  const stors = await q.query<Stamped<Stor & { state: string }>>(
    `SELECT id, uuid, idisk_uuid, function, osdid, state, created_at, updated_at
       FROM istors WHERE host_uuid = $1 ORDER BY osdid`,
    h,
  );
  const stamps = new Map<string, Stamps>();
  return {
    host: {
      hostname: host.hostname,
      personality: host.personality,
      subfunctions: host.subfunctions,
      rootfs_device: host.rootfs_device,
    },
    disks: disks.rows,
    partitions: split(parts.rows, stamps),
    lvgs: split(lvgs.rows, stamps),
    pvs: split(pvs.rows, stamps),
    stors: split(stors.rows, stamps),
    stamps,
  };
}

export type StorageKind = 'idisks' | 'partitions' | 'ilvgs' | 'ipvs' | 'istors';

/** The host a storage row belongs to; undefined when there is no such row. */
export async function storageHost(
  q: Queryable,
  kind: StorageKind,
  uuid: string,
): Promise<string | undefined> {
  if (!isUuid(uuid)) return undefined;
  return (await q.query<{ host_uuid: string }>(`SELECT host_uuid FROM ${kind} WHERE uuid = $1`, [uuid]))
    .rows[0]?.host_uuid;
}

export async function insertPartition(q: Queryable, hostUuid: string, p: Partition, at: Date): Promise<void> {
  await q.query(
    `INSERT INTO partitions (uuid, host_uuid, idisk_uuid, number, device_node, device_path, start_mib, end_mib, size_mib,
                             type_guid, type_name, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [
      p.uuid,
      hostUuid,
      p.idisk_uuid,
      p.number,
      p.device_node,
      p.device_path,
      p.start_mib,
      p.end_mib,
      p.size_mib,
      p.type_guid,
      p.type_name,
      at,
    ],
  );
}

export async function resizePartition(
  q: Queryable,
  uuid: string,
  r: { size_mib: number; end_mib: number },
  at: Date,
): Promise<void> {
  await q.query('UPDATE partitions SET size_mib = $2, end_mib = $3, updated_at = $4 WHERE uuid = $1', [
    uuid,
    r.size_mib,
    r.end_mib,
    at,
  ]);
}

export async function insertLvg(
  q: Queryable,
  hostUuid: string,
  uuid: string,
  name: string,
  at: Date,
): Promise<void> {
  await q.query('INSERT INTO ilvgs (uuid, host_uuid, lvm_vg_name, created_at) VALUES ($1, $2, $3, $4)', [
    uuid,
    hostUuid,
    name,
    at,
  ]);
}

export async function insertPv(q: Queryable, hostUuid: string, pv: Pv, at: Date): Promise<void> {
  await q.query(
    `INSERT INTO ipvs (uuid, host_uuid, ilvg_uuid, idisk_uuid, partition_uuid, created_at)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [pv.uuid, hostUuid, pv.ilvg_uuid, pv.idisk_uuid, pv.partition_uuid, at],
  );
}

export async function insertStor(q: Queryable, hostUuid: string, s: Stor, at: Date): Promise<void> {
  await q.query(
    `INSERT INTO istors (uuid, host_uuid, idisk_uuid, function, osdid, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
    [s.uuid, hostUuid, s.idisk_uuid, s.function, s.osdid, at],
  );
}

/** The OSD ids the cluster uses (all hosts). */
export async function usedOsdIds(q: Queryable): Promise<number[]> {
  return (await q.query<{ osdid: number }>('SELECT osdid FROM istors WHERE osdid IS NOT NULL')).rows.map(
    (r) => r.osdid,
  );
}

/** Deletes one storage row; what hangs on it goes with it (a volume group's physical volumes). */
export async function deleteStorageRow(
  q: Queryable,
  kind: Exclude<StorageKind, 'idisks'>,
  uuid: string,
): Promise<void> {
  await q.query(`DELETE FROM ${kind} WHERE uuid = $1`, [uuid]);
}
