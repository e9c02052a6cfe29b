// Disks (idisks) from sys/block: whole disks only, with size, type, identity and by-path name.
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

export async function readDisks(r: Reader): Promise<DiskRow[]> {
  const block = await r.tree.list('sys/block');
  // Old kernels without sys/block entries for some devices (NVMe in a 2015 tree) still list them in sys/class/block.
  const classBlock = await r.tree.list('sys/class/block');
  if (block === undefined && classBlock === undefined) {
    r.problems.missing('sys/block', 'no disks read');
    return [];
  }
  const names = [...new Set([...(block ?? []), ...(classBlock ?? [])])].filter(isDiskName).sort();
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

    rows.push({
      device_node: `/dev/${name}`,
      device_type: diskType(name, rotational),
      // 512-byte sectors whatever the device's own block size (block/stat.c).
      size_mib: sectors === undefined ? null : Math.floor((sectors * 512) / 2 ** 20),
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
