// Disks (idisks) from sys/block: whole disks only, with size, type, identity, by-path name and the
// space their partitions and users leave free.
// Like sysinv-agent, identity comes from udev's database (run/udev/data) where the tree has one,
// and from sysfs otherwise.

import type { Reader } from './reader.ts';
import type { DiskRow, DiskType } from './types.ts';
import { pciAncestor } from './values.ts';

/**
 * Block devices that are not disks of the host: loop and ram/zram (memory), dm- and md (device
 * mapper and software RAID are built on the disks listed, as sysinv lists physical disks only),
 * sr/fd (removable media drives), nbd (network), pmem (NVDIMM namespaces: memory, not disks).
 */
const NOT_A_DISK = /^(loop|ram|zram|dm-|md|sr|fd|nbd|pmem)/;

export function isDiskName(name: string): boolean {
  return !NOT_A_DISK.test(name);
}

/** sysinv's device_type: NVMe by name, else the queue's rotational flag. */
export function diskType(name: string, rotational: number | undefined): DiskType | null {
  if (name.startsWith('nvme')) return 'NVMe';
  if (rotational === 1) return 'HDD';
  if (rotational === 0) return 'SSD';
  return null;
}

/** A udev database entry (`E:ID_SERIAL_SHORT=…` lines) → its properties. */
export function parseUdevData(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^E:([^=]+)=(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

export interface ByPathFacts {
  /** The lowest SCSI host number under the same PCI function (udev numbers hosts from it). */
  hostBase?: number;
  /** libata's port_no of the ataN the disk hangs off. */
  ataPort?: number;
}

/**
 * udev's by-path name (path_id) from the disk's resolved sysfs path, for the buses seen on
 * servers: NVMe (`pci-<addr>-nvme-<nsid>`), virtio (`pci-<addr>`), ATA (`pci-<addr>-ata-<port>`,
 * the form of udev before v253, StarlingX's), SCSI/RAID (`pci-<addr>-scsi-<host>:<chan>:<target>:<lun>`).
 * SAS and USB names need more than the path (SAS addresses, USB ports): null, as for anything else.
 */
export function byPath(name: string, resolved: string, facts: ByPathFacts = {}): string | null {
  const pci = pciAncestor(resolved);
  if (!pci) return null;
  const rest = resolved.slice(pci.dir.length).split('/').filter(Boolean);
  const base = `pci-${pci.pciaddr}`;
  const nvme = /^nvme\d+n(\d+)$/.exec(name);
  if (nvme) return `${base}-nvme-${nvme[1]}`;
  if (rest.some((p) => /^(usb\d+|port-|end_device-|expander-)/.test(p))) return null;
  if (rest.some((p) => /^ata\d+$/.test(p)))
    return facts.ataPort === undefined ? null : `${base}-ata-${facts.ataPort}`;
  const hctl = rest.map((p) => /^(\d+):(\d+):(\d+):(\d+)$/.exec(p)).find((m) => m);
  if (hctl) {
    const host = Number(hctl[1]) - (facts.hostBase ?? Number(hctl[1]));
    return `${base}-scsi-${host}:${hctl[2]}:${hctl[3]}:${hctl[4]}`;
  }
  if (rest[0] !== undefined && /^virtio\d+$/.test(rest[0])) return base;
  return null;
}

/** MiB a GPT takes: its header and table at the start (the first MiB) and its backup at the end. */
export const GPT_MIB = 2;
const MIB_SECTORS = 2048; // sys/block counts 512-byte sectors

/**
 * A disk's available_mib: 0 if it is used whole; otherwise what follows its last partition (the
 * end rounded up to a MiB), less the backup GPT's last MiB; a disk without partitions keeps all
 * but the GPT's two MiB.
 */
export function availableMib(sizeMib: number, partitionEnds: number[], usedWhole: boolean): number {
  if (usedWhole) return 0;
  if (partitionEnds.length === 0) return Math.max(0, sizeMib - GPT_MIB);
  const endMib = Math.ceil(Math.max(...partitionEnds) / MIB_SECTORS);
  return Math.max(0, sizeMib - 1 - endMib);
}

/** Devices with a filesystem mounted (proc/mounts' first column), when the tree has it. */
async function mountedDevices(r: Reader): Promise<Set<string>> {
  const text = await r.tree.read('proc/mounts');
  return new Set(
    (text ?? '')
      .split('\n')
      .map((l) => l.split(' ')[0] ?? '')
      .filter((d) => d.startsWith('/dev/')),
  );
}

/** The partitions on a disk (sys/block/<disk>/<part>/{partition,start,size}): their end sectors
 *  and highest number. */
async function readPartitions(
  r: Reader,
  dir: string,
  entries: string[],
): Promise<{ ends: number[]; last: number }> {
  const ends: number[] = [];
  let last = 0;
  for (const e of entries) {
    if (!((await r.tree.list(`${dir}/${e}`)) ?? []).includes('partition')) continue;
    const number = await r.int(`${dir}/${e}/partition`, 'required');
    const start = await r.int(`${dir}/${e}/start`, 'required');
    const size = await r.int(`${dir}/${e}/size`, 'required');
    if (number !== undefined) last = Math.max(last, number);
    if (start !== undefined && size !== undefined) ends.push(start + size);
  }
  return { ends, last };
}

export async function readDisks(r: Reader): Promise<DiskRow[]> {
  const block = await r.tree.list('sys/block');
  // Old kernels without sys/block entries for some devices (NVMe in a 2015 tree) still list them in sys/class/block.
  const classBlock = await r.tree.list('sys/class/block');
  if (block === undefined && classBlock === undefined) {
    r.problems.missing('sys/block', 'no disks read');
    return [];
  }
  const names = [...new Set([...(block ?? []), ...(classBlock ?? [])])].filter(isDiskName).sort();
  const mounted = await mountedDevices(r);
  const rows: DiskRow[] = [];
  for (const name of names) {
    const dir = block?.includes(name) ? `sys/block/${name}` : `sys/class/block/${name}`;
    const resolved = await r.tree.resolve(dir);
    if (resolved === undefined) {
      r.problems.add(`${dir}: link leads nowhere (disk left out)`);
      continue;
    }
    const entries = (await r.tree.list(dir)) ?? [];
    if (entries.includes('partition')) continue;
    if ((await r.int(`${dir}/hidden`, 'optional')) === 1) continue; // an NVMe multipath controller path
    const sectors = await r.int(`${dir}/size`, 'required');
    const rotational = await r.int(
      `${dir}/queue/rotational`,
      name.startsWith('nvme') ? 'optional' : 'required',
    );
    const devno = await r.line(`${dir}/dev`, 'optional');
    const udevText = devno === undefined ? undefined : await r.tree.read(`run/udev/data/b${devno}`);
    const udev = udevText === undefined ? {} : parseUdevData(udevText);

    const device = await r.tree.resolve(`${dir}/device`);
    if (device === undefined) {
      const target = await r.tree.readlink(`${dir}/device`);
      if (target !== undefined)
        r.problems.add(`${dir}/device: link to ${target} leads nowhere (no model or serial from it)`);
    }
    const fromDevice = async (file: string) =>
      device === undefined ? undefined : r.line(`${device}/${file}`, 'optional');

    // 512-byte sectors whatever the device's own block size (block/stat.c).
    const sizeMib = sectors === undefined ? null : Math.floor(sectors / MIB_SECTORS);
    const usedWhole =
      mounted.has(`/dev/${name}`) ||
      ((await r.tree.list(`${dir}/holders`)) ?? []).length > 0 ||
      (udev.ID_FS_TYPE !== undefined && udev.ID_PART_TABLE_TYPE === undefined);
    const parts = await readPartitions(r, dir, entries);
    rows.push({
      device_node: `/dev/${name}`,
      device_type: diskType(name, rotational),
      size_mib: sizeMib,
      serial_id:
        udev.ID_SERIAL_SHORT ??
        (await r.line(`${dir}/serial`, 'optional')) ??
        (await fromDevice('serial')) ??
        null,
      model: udev.ID_MODEL ?? (await fromDevice('model')) ?? null,
      device_wwn:
        udev.ID_WWN ?? (await r.line(`${dir}/wwid`, 'optional')) ?? (await fromDevice('wwid')) ?? null,
      device_path:
        udev.ID_PATH ??
        byPath(name, resolved, await byPathFacts(r, resolved)) ??
        (device ? byPath(name, device) : null),
      available_mib: sizeMib === null ? null : availableMib(sizeMib, parts.ends, usedWhole),
      last_partition: parts.last,
    });
  }
  return rows;
}

async function byPathFacts(r: Reader, resolved: string): Promise<ByPathFacts> {
  const pci = pciAncestor(resolved);
  if (!pci) return {};
  const facts: ByPathFacts = {};
  const hosts = ((await r.tree.list(pci.dir)) ?? [])
    .map((n) => /^host(\d+)$/.exec(n))
    .filter((m) => m !== null);
  if (hosts.length > 0) facts.hostBase = Math.min(...hosts.map((m) => Number(m[1])));
  const ata = resolved
    .slice(pci.dir.length)
    .split('/')
    .find((p) => /^ata\d+$/.test(p));
  if (ata) facts.ataPort = await r.int(`${pci.dir}/${ata}/ata_port/${ata}/port_no`, 'optional');
  return facts;
}
