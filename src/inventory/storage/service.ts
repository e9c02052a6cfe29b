// Host storage use-cases (sysinv): disks as storage sees them, partitions, volume groups, physical
// volumes and OSDs. Each change is one transaction that locks the host's row, so two operators'
// changes to one host's storage are checked one after the other, each against what the other left.

import type { Clock } from '../../common/clock.ts';
import { StarlingError } from '../../common/errors.ts';
import { newUuid } from '../../common/ids.ts';
import type { Db, Queryable } from '../../db/index.ts';
import { findHost, requireHost, type HostRow } from '../hosts/repo.ts';
import {
  checkLvgDelete,
  checkNewLvg,
  checkPartitionDelete,
  checkPvDelete,
  diskView,
  lvgSizeMib,
  partitionPv,
  partitionStatus,
  planNewPartition,
  planNewPv,
  planNewStor,
  planPartitionResize,
  pvDevice,
} from './domain/storage.ts';
import {
  deleteStorageRow,
  insertLvg,
  insertPartition,
  insertPv,
  insertStor,
  loadHostStorage,
  resizePartition,
  storageHost,
  usedOsdIds,
  type LoadedStorage,
  type StorageKind,
} from './repo.ts';

export type StorageRecord = Record<string, unknown> & { uuid: string; ihost_uuid: string };

const MIB = 1024 * 1024;
/** Each kind's name in messages and the field naming its uuid. */
const KINDS: Record<StorageKind, { what: string; field: string }> = {
  idisks: { what: 'disk', field: 'idisk_uuid' },
  partitions: { what: 'partition', field: 'partition_uuid' },
  ilvgs: { what: 'volume group', field: 'ilvg_uuid' },
  ipvs: { what: 'physical volume', field: 'ipv_uuid' },
  istors: { what: 'storage function', field: 'istor_uuid' },
};

export class StorageService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  // --- hosts and their storage --------------------------------------------------------------------

  /** Storage changes only on a locked host (StarlingX: "Host must be locked"). */
  private requireLocked(h: HostRow): void {
    if (h.administrative !== 'locked')
      throw new StarlingError(
        'HOST_NOT_LOCKED',
        `${h.hostname ?? h.uuid} must be locked before its storage changes`,
        {
          field: 'ihost_uuid',
        },
      );
  }

  /** The host of a storage row, by the row's uuid; 404 naming the kind when there is none. */
  private async hostOf(q: Queryable, kind: StorageKind, uuid: string, lock = false): Promise<HostRow> {
    const hostUuid = await storageHost(q, kind, uuid);
    if (hostUuid === undefined)
      throw new StarlingError('NOT_FOUND', `no ${KINDS[kind].what} ${uuid}`, { field: KINDS[kind].field });
    return requireHost(q, hostUuid, KINDS[kind].field, lock);
  }

  /** One change: the host locked (row and administrative state), its storage read, `fn` run. */
  private change<T>(
    hostRef: (q: Queryable) => Promise<HostRow>,
    fn: (q: Queryable, h: HostRow, s: LoadedStorage, at: Date) => Promise<T>,
  ): Promise<T> {
    return this.db.tx(async (q) => {
      const h = await hostRef(q);
      this.requireLocked(h);
      return fn(q, h, await loadHostStorage(q, h), this.clock.now());
    });
  }

  /** The row a change is about, as read under the host's lock (gone if deleted meanwhile). */
  private mine<T extends { uuid: string }>(rows: T[], kind: StorageKind, uuid: string): T {
    const r = rows.find((x) => x.uuid === uuid);
    if (!r)
      throw new StarlingError('NOT_FOUND', `no ${KINDS[kind].what} ${uuid}`, { field: KINDS[kind].field });
    return r;
  }

  private hostInput(input: Record<string, unknown>): string {
    if (typeof input.ihost_uuid !== 'string' || input.ihost_uuid === '')
      throw new StarlingError('VALIDATION_FAILED', 'ihost_uuid is required', { field: 'ihost_uuid' });
    return input.ihost_uuid;
  }

  /** The hosts that have rows of a kind (for the top-level collections). */
  private async hostsWith(kind: StorageKind): Promise<HostRow[]> {
    const r = await this.db.query<{ host_uuid: string }>(`SELECT DISTINCT host_uuid FROM ${kind}`);
    const hosts = await Promise.all(r.rows.map((x) => findHost(this.db, x.host_uuid)));
    return hosts.filter((h): h is HostRow => h !== undefined).sort((a, b) => a.id - b.id);
  }

  private async all(
    kind: StorageKind,
    hostRef: string | undefined,
    view: (h: HostRow, s: LoadedStorage) => StorageRecord[],
  ): Promise<StorageRecord[]> {
    const hosts =
      hostRef === undefined ? await this.hostsWith(kind) : [await requireHost(this.db, hostRef, 'host_id')];
    const out: StorageRecord[] = [];
    for (const h of hosts) out.push(...view(h, await loadHostStorage(this.db, h)));
    return out;
  }

  private async one<T extends StorageRecord>(
    kind: StorageKind,
    uuid: string,
    view: (h: HostRow, s: LoadedStorage) => T[],
    q: Queryable = this.db,
  ): Promise<T> {
    const h = await this.hostOf(q, kind, uuid);
    const found = view(h, await loadHostStorage(q, h)).find((r) => r.uuid === uuid);
    if (!found)
      throw new StarlingError('NOT_FOUND', `no ${KINDS[kind].what} ${uuid}`, { field: KINDS[kind].field });
    return found;
  }

  // --- views (StarlingX field names) --------------------------------------------------------------

  private disks(h: HostRow, s: LoadedStorage): StorageRecord[] {
    return s.disks.map((d) => ({
      uuid: d.uuid,
      device_node: d.device_node,
      device_type: d.device_type,
      device_path: d.device_path,
      device_wwn: d.device_wwn,
      size_mib: d.size_mib,
      serial_id: d.serial_id,
      model: d.model,
      rpm: null,
      ...diskView(d, s),
      ihost_uuid: h.uuid,
    }));
  }

  private partitions(h: HostRow, s: LoadedStorage): StorageRecord[] {
    return s.partitions.map((p) => ({
      uuid: p.uuid,
      device_node: p.device_node,
      device_path: p.device_path,
      start_mib: p.start_mib,
      end_mib: p.end_mib,
      size_mib: p.size_mib,
      type_guid: p.type_guid,
      type_name: p.type_name,
      idisk_uuid: p.idisk_uuid,
      ipv_uuid: partitionPv(p, s)?.uuid ?? null,
      status: partitionStatus(p, s),
      capabilities: {},
      ihost_uuid: h.uuid,
      created_at: s.stamps.get(p.uuid)?.created_at ?? null,
      updated_at: s.stamps.get(p.uuid)?.updated_at ?? null,
    }));
  }

  private lvgs(h: HostRow, s: LoadedStorage): StorageRecord[] {
    return s.lvgs.map((g) => {
      const { size_mib, pvs } = lvgSizeMib(g, s);
      // LVM's own figures (free extents, logical volumes, access) come from an agent reading LVM;
      // none does yet, so they are null rather than guessed.
      return {
        uuid: g.uuid,
        lvm_vg_name: g.lvm_vg_name,
        vg_state: 'adding',
        lvm_vg_uuid: null,
        lvm_vg_access: null,
        lvm_max_lv: null,
        lvm_cur_lv: null,
        lvm_max_pv: null,
        lvm_cur_pv: pvs,
        lvm_vg_size: size_mib * MIB,
        lvm_vg_avail_size: null,
        lvm_vg_total_pe: null,
        lvm_vg_free_pe: null,
        capabilities: {},
        ihost_uuid: h.uuid,
        created_at: s.stamps.get(g.uuid)?.created_at ?? null,
        updated_at: s.stamps.get(g.uuid)?.updated_at ?? null,
      };
    });
  }

  private pvs(h: HostRow, s: LoadedStorage): StorageRecord[] {
    return s.pvs.map((pv) => {
      const dev = pvDevice(pv, s);
      const lvg = s.lvgs.find((g) => g.uuid === pv.ilvg_uuid);
      return {
        uuid: pv.uuid,
        pv_state: 'adding',
        pv_type: dev.type,
        disk_or_part_uuid: pv.idisk_uuid ?? pv.partition_uuid,
        disk_or_part_device_node: dev.node,
        disk_or_part_device_path: dev.path,
        lvm_pv_name: dev.node,
        lvm_vg_name: lvg?.lvm_vg_name ?? null,
        lvm_pv_uuid: null,
        lvm_pv_size: dev.size_mib * MIB,
        lvm_pe_total: null,
        lvm_pe_alloced: null,
        capabilities: {},
        ilvg_uuid: pv.ilvg_uuid,
        ihost_uuid: h.uuid,
        created_at: s.stamps.get(pv.uuid)?.created_at ?? null,
        updated_at: s.stamps.get(pv.uuid)?.updated_at ?? null,
      };
    });
  }

  private stors(h: HostRow, s: LoadedStorage): StorageRecord[] {
    return s.stors.map((x) => ({
      uuid: x.uuid,
      osdid: x.osdid,
      function: x.function,
      state: x.state,
      // The journal shares the OSD's disk (StarlingX's collocated journal: its location is the OSD).
      journal_location: x.uuid,
      journal_size_mib: null,
      journal_path: null,
      journal_node: null,
      tier_uuid: null,
      tier_name: null,
      capabilities: {},
      idisk_uuid: x.idisk_uuid,
      ihost_uuid: h.uuid,
      created_at: s.stamps.get(x.uuid)?.created_at ?? null,
      updated_at: s.stamps.get(x.uuid)?.updated_at ?? null,
    }));
  }

  // --- disks ----------------------------------------------------------------------------------------

  async listDisks(hostRef: string): Promise<StorageRecord[]> {
    return this.all('idisks', hostRef, (h, s) => this.disks(h, s));
  }

  async getDisk(uuid: string): Promise<StorageRecord> {
    return this.one('idisks', uuid, (h, s) => this.disks(h, s));
  }

  // --- partitions -----------------------------------------------------------------------------------

  /** By host, or by disk (StarlingX's /v1/partitions?ihost_uuid=&idisk_uuid=). */
  async listPartitions(f: { host?: string; disk?: string }): Promise<StorageRecord[]> {
    if (f.disk !== undefined) {
      const disk = await this.getDisk(f.disk);
      if (f.host !== undefined && (await requireHost(this.db, f.host, 'host_id')).uuid !== disk.ihost_uuid)
        throw new StarlingError('NOT_FOUND', `disk ${f.disk} is not on host ${f.host}`, {
          field: 'idisk_uuid',
        });
      return (await this.all('partitions', disk.ihost_uuid, (h, s) => this.partitions(h, s))).filter(
        (p) => p.idisk_uuid === disk.uuid,
      );
    }
    return this.all('partitions', f.host, (h, s) => this.partitions(h, s));
  }

  async getPartition(uuid: string, q: Queryable = this.db): Promise<StorageRecord> {
    return this.one('partitions', uuid, (h, s) => this.partitions(h, s), q);
  }

  /** host-disk-partition-add. */
  async addPartition(input: Record<string, unknown>): Promise<StorageRecord> {
    const hostRef = this.hostInput(input);
    return this.change(
      (q) => requireHost(q, hostRef, 'ihost_uuid', true),
      async (q, h, s, at) => {
        const p = planNewPartition(input, s, newUuid());
        await insertPartition(q, h.uuid, p, at);
        return this.getPartition(p.uuid, q);
      },
    );
  }

  /** host-disk-partition-modify: the new size (a raw value, checked by planPartitionResize). */
  async modifyPartition(uuid: string, change: { size_mib: unknown }): Promise<StorageRecord> {
    const size = change.size_mib;
    return this.change(
      (q) => this.hostOf(q, 'partitions', uuid, true),
      async (q, _h, s, at) => {
        const p = this.mine(s.partitions, 'partitions', uuid);
        await resizePartition(q, uuid, planPartitionResize(p, size, s), at);
        return this.getPartition(uuid, q);
      },
    );
  }

  /** host-disk-partition-delete. */
  async deletePartition(uuid: string): Promise<void> {
    await this.change(
      (q) => this.hostOf(q, 'partitions', uuid, true),
      async (q, _h, s) => {
        checkPartitionDelete(this.mine(s.partitions, 'partitions', uuid), s);
        await deleteStorageRow(q, 'partitions', uuid);
      },
    );
  }

  // --- volume groups --------------------------------------------------------------------------------

  async listLvgs(hostRef?: string): Promise<StorageRecord[]> {
    return this.all('ilvgs', hostRef, (h, s) => this.lvgs(h, s));
  }

  async getLvg(uuid: string, q: Queryable = this.db): Promise<StorageRecord> {
    return this.one('ilvgs', uuid, (h, s) => this.lvgs(h, s), q);
  }

  /** host-lvg-add. */
  async addLvg(input: Record<string, unknown>): Promise<StorageRecord> {
    const hostRef = this.hostInput(input);
    return this.change(
      (q) => requireHost(q, hostRef, 'ihost_uuid', true),
      async (q, h, s, at) => {
        const name = checkNewLvg(input, s);
        const uuid = newUuid();
        await insertLvg(q, h.uuid, uuid, name, at);
        return this.getLvg(uuid, q);
      },
    );
  }

  /** host-lvg-delete: its physical volumes go with it. */
  async deleteLvg(uuid: string): Promise<void> {
    await this.change(
      (q) => this.hostOf(q, 'ilvgs', uuid, true),
      async (q, _h, s) => {
        checkLvgDelete(this.mine(s.lvgs, 'ilvgs', uuid), s);
        await deleteStorageRow(q, 'ilvgs', uuid);
      },
    );
  }

  // --- physical volumes -----------------------------------------------------------------------------

  async listPvs(hostRef?: string): Promise<StorageRecord[]> {
    return this.all('ipvs', hostRef, (h, s) => this.pvs(h, s));
  }

  async getPv(uuid: string, q: Queryable = this.db): Promise<StorageRecord> {
    return this.one('ipvs', uuid, (h, s) => this.pvs(h, s), q);
  }

  /** host-pv-add. */
  async addPv(input: Record<string, unknown>): Promise<StorageRecord> {
    const hostRef = this.hostInput(input);
    return this.change(
      (q) => requireHost(q, hostRef, 'ihost_uuid', true),
      async (q, h, s, at) => {
        const pv = planNewPv(input, s, newUuid());
        await insertPv(q, h.uuid, pv, at);
        return this.getPv(pv.uuid, q);
      },
    );
  }

  /** host-pv-delete. */
  async deletePv(uuid: string): Promise<void> {
    await this.change(
      (q) => this.hostOf(q, 'ipvs', uuid, true),
      async (q, _h, s) => {
        checkPvDelete(this.mine(s.pvs, 'ipvs', uuid), s);
        await deleteStorageRow(q, 'ipvs', uuid);
      },
    );
  }

  // --- storage functions ----------------------------------------------------------------------------

  async listStors(hostRef?: string): Promise<StorageRecord[]> {
    return this.all('istors', hostRef, (h, s) => this.stors(h, s));
  }

  async getStor(uuid: string, q: Queryable = this.db): Promise<StorageRecord> {
    return this.one('istors', uuid, (h, s) => this.stors(h, s), q);
  }

  /** host-stor-add: an OSD on a whole disk. OSD ids are the cluster's, so their choice is serialised
   *  across hosts too. */
  async addStor(input: Record<string, unknown>): Promise<StorageRecord> {
    const hostRef = this.hostInput(input);
    return this.change(
      (q) => requireHost(q, hostRef, 'ihost_uuid', true),
      async (q, h, s, at) => {
        await q.query("SELECT pg_advisory_xact_lock(hashtext('starling.inventory.osdid'))");
        const stor = planNewStor(input, s, newUuid(), await usedOsdIds(q));
        await insertStor(q, h.uuid, stor, at);
        return this.getStor(stor.uuid, q);
      },
    );
  }

  /** host-stor-delete. */
  async deleteStor(uuid: string): Promise<void> {
    await this.change(
      (q) => this.hostOf(q, 'istors', uuid, true),
      async (q, _h, s) => {
        this.mine(s.stors, 'istors', uuid);
        await deleteStorageRow(q, 'istors', uuid);
      },
    );
  }
}
