// Host storage (system host-disk-*, host-disk-partition-*, host-lvg-*, host-pv-*, host-stor-*):
// which disk holds the OS, partitions, LVM volume groups and physical volumes, Ceph OSDs.
// StarlingX's rules (partition.py, lvg.py, pv.py, storage.py), checked on the host's storage as it
// is before the change. Pure.

import { StarlingError } from '../../../common/errors.ts';

/** StarlingX's GUID for partitions operators make (USER_PARTITION_PHYSICAL_VOLUME). */
export const LVM_PV_GUID = 'ba5eba11-0000-1111-2222-000000000001';
export const LVM_PV_TYPE_NAME = 'LVM Physical Volume';
/** cgtsclient's name for that type (host-disk-partition-add -t). */
export const PARTITION_TYPES: Readonly<Record<string, string>> = { lvm_phys_vol: LVM_PV_GUID };
/** GPT keeps its header in the first MiB and its backup in the last: partitions use the rest. */
export const GPT_MIB = 2;
const FIRST_MIB = 1;

/** Partition status (StarlingX's PARTITION_*_STATUS values and their names). */
export const PARTITION_READY = 0;
export const PARTITION_IN_USE = 1;
export const PARTITION_STATUS: Readonly<Record<number, string>> = {
  0: 'Ready',
  1: 'In-Use',
  2: 'Creating',
  3: 'Creating (on unlock)',
  4: 'Deleting',
  5: 'Modifying',
  6: 'Deleted',
  10: 'Error',
};

export const LVG_NAMES = ['cgts-vg', 'nova-local'] as const;
export type LvgName = (typeof LVG_NAMES)[number];
export const STOR_FUNCTIONS = ['osd'] as const;

export interface StorageHost {
  hostname: string | null;
  personality: string | null;
  subfunctions: string | null;
  rootfs_device: string;
}

export interface Disk {
  uuid: string;
  device_node: string;
  device_path: string | null;
  device_type: string | null;
  size_mib: number;
  /** What the agent found free after the partitions already on the disk (0: used whole);
   *  null or absent: not reported, the disk counts as empty. */
  found_available_mib?: number | null;
  /** The highest number of the partitions the agent found on the disk (0: none). */
  found_last_partition?: number | null;
}

export interface Partition {
  uuid: string;
  idisk_uuid: string;
  number: number;
  device_node: string;
  device_path: string | null;
  start_mib: number;
  end_mib: number;
  size_mib: number;
  type_guid: string;
  type_name: string;
}

export interface Lvg {
  uuid: string;
  lvm_vg_name: LvgName;
}

/** A physical volume is on a whole disk or on a partition (exactly one of the two). */
export interface Pv {
  uuid: string;
  ilvg_uuid: string;
  idisk_uuid: string | null;
  partition_uuid: string | null;
}

export interface Stor {
  uuid: string;
  idisk_uuid: string;
  function: (typeof STOR_FUNCTIONS)[number];
  osdid: number;
}

/** Everything the rules look at: the host and its storage as it is now. */
export interface HostStorage {
  host: StorageHost;
  disks: Disk[];
  partitions: Partition[];
  lvgs: Lvg[];
  pvs: Pv[];
  stors: Stor[];
}

const invalid = (field: string, message: string): never => {
  throw new StarlingError('VALIDATION_FAILED', message, { field });
};
const inUse = (field: string, message: string): never => {
  throw new StarlingError('CONFLICT', message, { field });
};

const hostName = (s: HostStorage): string => s.host.hostname ?? 'the host';
const subfunctions = (h: StorageHost): string[] =>
  (h.subfunctions ?? h.personality ?? '').split(',').map((x) => x.trim());
/** GiB with three decimals, rounded down, as cgtsclient shows sizes. */
export const gib = (mib: number): string => String(Math.floor((mib / 1024) * 1000) / 1000);
/** A size in messages: whole GiB as such, else MiB too, so that two sizes never read alike. */
const size = (mib: number): string =>
  mib % 1024 === 0 ? `${mib / 1024} GiB` : `${mib} MiB (${gib(mib)} GiB)`;

function wholeMib(v: unknown, field: string): number {
  const n = typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n))
    return invalid(field, `${field} must be a whole number of MiB, got ${JSON.stringify(v)}`);
  if (n <= 0) invalid(field, `${field} must be greater than 0, got ${n}`);
  return n;
}

function ref(v: unknown, field: string): string {
  if (typeof v !== 'string' || v.trim() === '') return invalid(field, `${field} is required`);
  return v.trim();
}

// --- disks ------------------------------------------------------------------------------------------

/** rootfs_device as the host says it ("sda", "/dev/sda", a by-path name) → a /dev path. */
const devPath = (d: string): string => (d.startsWith('/dev/') ? d : `/dev/${d.replace(/^\/+/, '')}`);

/** The disk holding the OS: the one the host's rootfs_device names, by device node or by-path. */
export function isRootDisk(disk: Disk, host: StorageHost): boolean {
  const want = devPath(host.rootfs_device);
  return disk.device_node === want || disk.device_path === want;
}

export const diskPartitions = (disk: Disk, s: HostStorage): Partition[] =>
  s.partitions.filter((p) => p.idisk_uuid === disk.uuid).sort((a, b) => a.number - b.number);
export const diskPv = (disk: Disk, s: HostStorage): Pv | undefined =>
  s.pvs.find((p) => p.idisk_uuid === disk.uuid);
export const diskStor = (disk: Disk, s: HostStorage): Stor | undefined =>
  s.stors.find((x) => x.idisk_uuid === disk.uuid);
export const partitionPv = (p: Partition, s: HostStorage): Pv | undefined =>
  s.pvs.find((v) => v.partition_uuid === p.uuid);

/** What is left for partitions: the disk less its partition table and partitions; nothing once the
 *  whole disk is a physical volume or an OSD. */
export function availableMib(disk: Disk, s: HostStorage): number {
  if (diskPv(disk, s) || diskStor(disk, s)) return 0;
  const used = diskPartitions(disk, s).reduce((sum, p) => sum + p.size_mib, 0);
  return Math.max(0, (disk.found_available_mib ?? disk.size_mib - GPT_MIB) - used);
}

/** Where the space the agent found free begins: after the partitions already on the disk. */
const foundFreeStartMib = (disk: Disk): number =>
  disk.found_available_mib == null
    ? FIRST_MIB
    : Math.max(FIRST_MIB, disk.size_mib - 1 - disk.found_available_mib);

/** Why the host itself uses the disk (partitions on it, or used whole), or undefined. */
function foundInUse(disk: Disk): string | undefined {
  if ((disk.found_last_partition ?? 0) > 0) return `${disk.device_node} has partitions on the host`;
  if (disk.found_available_mib === 0)
    return `${disk.device_node} is in use on the host (a filesystem or device on the whole disk)`;
  return undefined;
}

/** The disk as sysinv shows it: free space, and StarlingX's mark for the OS disk
 *  (capabilities.stor_function = rootfs). */
export function diskView(disk: Disk & { model?: string | null }, s: HostStorage): Record<string, unknown> {
  const capabilities: Record<string, string> = {};
  if (disk.model) capabilities.model_num = disk.model;
  if (isRootDisk(disk, s.host)) capabilities.stor_function = 'rootfs';
  return {
    available_mib: availableMib(disk, s),
    capabilities,
    ipv_uuid: diskPv(disk, s)?.uuid ?? null,
    istor_uuid: diskStor(disk, s)?.uuid ?? null,
  };
}

export const findDisk = (s: HostStorage, r: string): Disk | undefined =>
  s.disks.find((d) => d.uuid === r || d.device_node === r || d.device_path === r);
export const findPartition = (s: HostStorage, r: string): Partition | undefined =>
  s.partitions.find((p) => p.uuid === r || p.device_node === r || p.device_path === r);

// --- partitions ---------------------------------------------------------------------------------------

/** /dev/sda + 5 → /dev/sda5; NVMe and MMC names take a "p": /dev/nvme0n1p5. */
export function partitionNode(diskNode: string, n: number): string {
  return /\d$/.test(diskNode) ? `${diskNode}p${n}` : `${diskNode}${n}`;
}

/** Partition n's persistent name under its disk's by-path name (none without one). */
export const partitionPath = (diskPath: string | null, n: number): string | null =>
  diskPath === null ? null : `${diskPath}-part${n}`;

/** What tells one physical disk from another across reboots and re-cabling. */
export interface DiskIdentity {
  device_node: string;
  device_path?: string | null;
  serial_id?: string | null;
  device_wwn?: string | null;
}

/**
 * Which stored disk each reported disk is. Device nodes (/dev/sdb) can change at a reboot, so a
 * disk is recognised by its WWN, then its serial number, then its by-path name, and only then by
 * its node; each stored disk is taken once, and never by a disk whose WWN or serial differs from
 * its own (a disk replaced in the same slot is a new disk). A recognised disk keeps its uuid, and
 * with it its partitions, physical volume or OSD; a stored disk nobody reports is gone.
 *
 * @returns for each reported disk, the index of its stored disk or undefined (a new disk), and
 *   the indexes of the stored disks that are gone
 */
/** Two disk records that could be one disk: no WWN or serial number that both have differs. */
const compatible = (a: DiskIdentity, b: DiskIdentity): boolean =>
  !(a.device_wwn && b.device_wwn && a.device_wwn !== b.device_wwn) &&
  !(a.serial_id && b.serial_id && a.serial_id !== b.serial_id);

export function matchDisks(
  stored: DiskIdentity[],
  reported: DiskIdentity[],
): { match: (number | undefined)[]; gone: number[] } {
  const match: (number | undefined)[] = reported.map(() => undefined);
  const taken = new Set<number>();
  const keys: ((d: DiskIdentity) => string | null | undefined)[] = [
    (d) => d.device_wwn,
    (d) => d.serial_id,
    (d) => d.device_path,
    (d) => d.device_node,
  ];
  for (const key of keys) {
    // A value names a disk only if one disk on each side has it (two paths to one multipath LUN
    // share its WWN and serial: the next key tells them apart).
    const once = (items: DiskIdentity[], open: (i: number) => boolean): Map<string, number> => {
      const seen = new Map<string, number>();
      const twice = new Set<string>();
      items.forEach((d, i) => {
        const k = open(i) ? key(d) : undefined;
        if (!k) return;
        if (seen.has(k)) twice.add(k);
        seen.set(k, i);
      });
      for (const k of twice) seen.delete(k);
      return seen;
    };
    const free = once(stored, (i) => !taken.has(i));
    const wanted = once(reported, (j) => match[j] === undefined);
    for (const [k, j] of wanted) {
      const i = free.get(k);
      if (i === undefined || !compatible(stored[i]!, reported[j]!)) continue;
      match[j] = i;
      taken.add(i);
    }
  }
  return { match, gone: stored.map((_, i) => i).filter((i) => !taken.has(i)) };
}

function requirePartitionHost(s: HostStorage): void {
  // StarlingX partitions only controllers' and workers' disks (partition.py _check_host).
  if (s.host.personality !== 'controller' && s.host.personality !== 'worker')
    invalid(
      'ihost_uuid',
      s.host.personality === null
        ? `${hostName(s)} has no personality yet: provision it first`
        : `partitions can be made on controllers and workers only, not on ${s.host.personality} host ${hostName(s)}`,
    );
}

/** The disk must be free for partitions: not a physical volume, nor an OSD (partition.py _check_disk). */
function requirePartitionableDisk(disk: Disk, s: HostStorage, field: string): void {
  if (diskStor(disk, s))
    inUse(field, `${disk.device_node} is an OSD (storage function): it cannot be partitioned`);
  if (diskPv(disk, s))
    inUse(field, `${disk.device_node} is a physical volume as a whole: it cannot be partitioned`);
}

/** host-disk-partition-add: the new partition from the request (StarlingX field names), checked. */
export function planNewPartition(input: Record<string, unknown>, s: HostStorage, uuid: string): Partition {
  requirePartitionHost(s);
  const diskRef = ref(input.idisk_uuid, 'idisk_uuid');
  const disk = findDisk(s, diskRef) ?? invalid('idisk_uuid', `${hostName(s)} has no disk ${diskRef}`);
  const typeGuid = input.type_guid ?? LVM_PV_GUID;
  if (typeGuid !== LVM_PV_GUID)
    invalid('type_guid', `only LVM Physical Volume partitions (type_guid ${LVM_PV_GUID}) can be made`);
  const want = wholeMib(input.size_mib, 'size_mib');
  requirePartitionableDisk(disk, s, 'idisk_uuid');
  const avail = availableMib(disk, s);
  if (want > avail)
    invalid(
      'size_mib',
      `requested size ${size(want)} is larger than the ${size(avail)} available on ${disk.device_node}`,
    );
  const existing = diskPartitions(disk, s);
  const last = existing.at(-1);
  // After the partitions already on the disk, and after those made here before.
  const number = Math.max(last?.number ?? 0, disk.found_last_partition ?? 0) + 1;
  const start = last?.end_mib ?? foundFreeStartMib(disk);
  return {
    uuid,
    idisk_uuid: disk.uuid,
    number,
    device_node: partitionNode(disk.device_node, number),
    device_path: partitionPath(disk.device_path, number),
    start_mib: start,
    end_mib: start + want,
    size_mib: want,
    type_guid: LVM_PV_GUID,
    type_name: LVM_PV_TYPE_NAME,
  };
}

function requireLast(p: Partition, s: HostStorage, what: string): void {
  const last = s.partitions
    .filter((x) => x.idisk_uuid === p.idisk_uuid)
    .reduce((a, b) => (b.number > a.number ? b : a));
  if (last.uuid !== p.uuid)
    invalid(
      'partition_uuid',
      `cannot ${what} ${p.device_node}: only the last partition of a disk can be (${last.device_node} is)`,
    );
}

function requireNotPv(p: Partition, s: HostStorage, what: string): void {
  const pv = partitionPv(p, s);
  if (pv) {
    const lvg = s.lvgs.find((g) => g.uuid === pv.ilvg_uuid);
    inUse(
      'partition_uuid',
      `cannot ${what} ${p.device_node}: it is a physical volume of ${lvg?.lvm_vg_name ?? 'a volume group'}`,
    );
  }
}

/** host-disk-partition-modify -s: partitions only grow, the last of their disk, while no physical
 *  volume uses them, into the disk's free space. Returns the new size and end. */
export function planPartitionResize(
  p: Partition,
  sizeMib: unknown,
  s: HostStorage,
): { size_mib: number; end_mib: number } {
  const want = wholeMib(sizeMib, 'size_mib');
  if (want <= p.size_mib)
    invalid(
      'size_mib',
      `a partition can only grow: requested ${size(want)} is not more than ${p.device_node}'s ${size(p.size_mib)}`,
    );
  requireNotPv(p, s, 'resize');
  requireLast(p, s, 'resize');
  const disk = s.disks.find((d) => d.uuid === p.idisk_uuid)!;
  const extra = want - p.size_mib;
  const avail = availableMib(disk, s);
  if (extra > avail)
    invalid(
      'size_mib',
      `requested extra size ${size(extra)} is larger than the ${size(avail)} available on ${disk.device_node}`,
    );
  return { size_mib: want, end_mib: p.start_mib + want };
}

/** host-disk-partition-delete: the last partition of its disk, and no physical volume on it. */
export function checkPartitionDelete(p: Partition, s: HostStorage): void {
  requireNotPv(p, s, 'delete');
  requireLast(p, s, 'delete');
}

/** Ready, or In-Use once a physical volume holds it. */
export const partitionStatus = (p: Partition, s: HostStorage): number =>
  partitionPv(p, s) ? PARTITION_IN_USE : PARTITION_READY;

// --- volume groups ------------------------------------------------------------------------------------

/** host-lvg-add (lvg.py _check_host, _check): cgts-vg or nova-local, once each per host; nova-local
 *  only where the host runs workloads (worker subfunction); no volume groups on storage hosts. */
export function checkNewLvg(input: Record<string, unknown>, s: HostStorage): LvgName {
  const name = ref(input.lvm_vg_name, 'lvm_vg_name');
  if (!(LVG_NAMES as readonly string[]).includes(name))
    invalid('lvm_vg_name', `volume group name (${name}) must be "nova-local" or "cgts-vg"`);
  const lvgName = name as LvgName;
  if (s.host.personality === null)
    invalid('ihost_uuid', `${hostName(s)} has no personality yet: provision it first`);
  if (subfunctions(s.host).includes('storage'))
    invalid('ihost_uuid', `volume groups cannot be added to storage host ${hostName(s)}`);
  if (lvgName === 'nova-local' && !subfunctions(s.host).includes('worker'))
    invalid(
      'lvm_vg_name',
      `nova-local can only be added to a host with the worker subfunction; ${hostName(s)} has ${s.host.subfunctions ?? s.host.personality}`,
    );
  if (s.lvgs.some((g) => g.lvm_vg_name === lvgName))
    inUse('lvm_vg_name', `volume group ${lvgName} already exists on ${hostName(s)}`);
  return lvgName;
}

/** host-lvg-delete. Deleting nova-local releases its physical volumes (StarlingX does the same).
 *  cgts-vg holds the platform's filesystems once it has a physical volume: it stays (lvg.py). */
export function checkLvgDelete(lvg: Lvg, s: HostStorage): void {
  if (lvg.lvm_vg_name === 'cgts-vg' && s.pvs.some((p) => p.ilvg_uuid === lvg.uuid))
    invalid(
      'lvm_vg_name',
      'the cgts-vg volume group cannot be deleted once it has physical volumes: the platform’s filesystems live on it',
    );
}

// --- physical volumes -----------------------------------------------------------------------------------

/** host-pv-add (pv.py _check_device): a whole disk that is not the OS disk, has no partitions and is
 *  not an OSD; or an LVM partition; used by no other physical volume; in a group of this host. */
export function planNewPv(input: Record<string, unknown>, s: HostStorage, uuid: string): Pv {
  const lvgRef = ref(input.ilvg_uuid, 'ilvg_uuid');
  const lvg =
    s.lvgs.find((g) => g.uuid === lvgRef || g.lvm_vg_name === lvgRef) ??
    invalid('ilvg_uuid', `${hostName(s)} has no volume group ${lvgRef}: add it first (host-lvg-add)`);
  const deviceRef = ref(input.disk_or_part_uuid, 'disk_or_part_uuid');
  const disk = findDisk(s, deviceRef);
  const part = disk ? undefined : findPartition(s, deviceRef);
  if (!disk && !part)
    return invalid('disk_or_part_uuid', `${hostName(s)} has no disk or partition ${deviceRef}`);
  const pvType = disk ? 'disk' : 'partition';
  if (input.pv_type !== undefined && input.pv_type !== null && input.pv_type !== pvType)
    invalid('pv_type', `pv_type is ${JSON.stringify(input.pv_type)} but ${deviceRef} is a ${pvType}`);
  if (lvg.lvm_vg_name === 'cgts-vg' && s.host.personality !== 'controller' && s.host.personality !== 'worker')
    invalid('ilvg_uuid', 'cgts-vg physical volumes are for controllers and workers only');
  if (disk) {
    if (isRootDisk(disk, s.host))
      invalid(
        'disk_or_part_uuid',
        `${disk.device_node} holds the OS (rootfs): it cannot be a physical volume; use a partition of it`,
      );
    const pv = diskPv(disk, s);
    if (pv) inUse('disk_or_part_uuid', `${disk.device_node} is already a physical volume (${pv.uuid})`);
    if (diskStor(disk, s)) inUse('disk_or_part_uuid', `${disk.device_node} is an OSD (storage function)`);
    if (diskPartitions(disk, s).length > 0)
      inUse(
        'disk_or_part_uuid',
        `${disk.device_node} has partitions: use one of them, or delete them to use the whole disk`,
      );
    const onHost = foundInUse(disk);
    if (onHost) inUse('disk_or_part_uuid', `${onHost}: a physical volume takes a whole, empty disk`);
    return { uuid, ilvg_uuid: lvg.uuid, idisk_uuid: disk.uuid, partition_uuid: null };
  }
  const p = part!;
  if (p.type_guid !== LVM_PV_GUID)
    invalid('disk_or_part_uuid', `${p.device_node} is not an LVM Physical Volume partition`);
  const pv = partitionPv(p, s);
  if (pv) inUse('disk_or_part_uuid', `${p.device_node} is already a physical volume (${pv.uuid})`);
  return { uuid, ilvg_uuid: lvg.uuid, idisk_uuid: null, partition_uuid: p.uuid };
}

/** host-pv-delete: cgts-vg never gives a physical volume back (pv.py _check_lvg). */
export function checkPvDelete(pv: Pv, s: HostStorage): void {
  const lvg = s.lvgs.find((g) => g.uuid === pv.ilvg_uuid);
  if (lvg?.lvm_vg_name === 'cgts-vg')
    invalid('ipv_uuid', 'physical volumes cannot be removed from the cgts-vg volume group');
}

/** The device under a physical volume, and its size. */
export function pvDevice(
  pv: Pv,
  s: HostStorage,
): { node: string; path: string | null; size_mib: number; type: 'disk' | 'partition' } {
  if (pv.idisk_uuid !== null) {
    const d = s.disks.find((x) => x.uuid === pv.idisk_uuid)!;
    return { node: d.device_node, path: d.device_path, size_mib: d.size_mib, type: 'disk' };
  }
  const p = s.partitions.find((x) => x.uuid === pv.partition_uuid)!;
  return { node: p.device_node, path: p.device_path, size_mib: p.size_mib, type: 'partition' };
}

/** A volume group's size: its physical volumes' (LVM's own figures need an agent that reads them). */
export function lvgSizeMib(lvg: Lvg, s: HostStorage): { size_mib: number; pvs: number } {
  const mine = s.pvs.filter((p) => p.ilvg_uuid === lvg.uuid);
  return { size_mib: mine.reduce((sum, p) => sum + pvDevice(p, s).size_mib, 0), pvs: mine.length };
}

// --- storage functions --------------------------------------------------------------------------------

const isAioController = (h: StorageHost): boolean =>
  h.personality === 'controller' && subfunctions(h).includes('worker');

/** host-stor-add (storage.py _check_host, _check_disk): an OSD on a storage host or an all-in-one
 *  controller, on a whole disk that is not the OS disk, has no partitions and is no physical volume.
 *  `usedOsdIds` are the cluster's; the new OSD takes the lowest free id, as Ceph hands them out. */
export function planNewStor(
  input: Record<string, unknown>,
  s: HostStorage,
  uuid: string,
  usedOsdIds: readonly number[],
): Stor {
  const fn = input.function ?? 'osd';
  if (fn !== 'osd')
    invalid(
      'function',
      `function ${JSON.stringify(fn)} is not supported: only osd (journal and monitor functions are not available)`,
    );
  if (s.host.personality !== 'storage' && !isAioController(s.host))
    invalid(
      'ihost_uuid',
      `OSDs go on storage hosts or all-in-one controllers; ${hostName(s)} is a ${s.host.personality ?? 'host without personality'}`,
    );
  const diskRef = ref(input.idisk_uuid, 'idisk_uuid');
  const disk = findDisk(s, diskRef) ?? invalid('idisk_uuid', `${hostName(s)} has no disk ${diskRef}`);
  if (isRootDisk(disk, s.host))
    invalid('idisk_uuid', `${disk.device_node} holds the OS (rootfs): it cannot be an OSD`);
  const stor = diskStor(disk, s);
  if (stor) inUse('idisk_uuid', `${disk.device_node} is already an OSD (osd.${stor.osdid})`);
  if (diskPv(disk, s)) inUse('idisk_uuid', `${disk.device_node} is a physical volume`);
  if (diskPartitions(disk, s).length > 0)
    inUse('idisk_uuid', `${disk.device_node} has partitions: an OSD takes a whole, empty disk`);
  const onHost = foundInUse(disk);
  if (onHost) inUse('idisk_uuid', `${onHost}: an OSD takes a whole, empty disk`);
  const used = new Set(usedOsdIds);
  let osdid = 0;
  while (used.has(osdid)) osdid++;
  return { uuid, idisk_uuid: disk.uuid, function: 'osd', osdid };
}
