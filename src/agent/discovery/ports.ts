// Network ports (ethernet_ports) from sys/class/net: every interface backed by a device; lo,
// bridges, VLANs, bonds and tunnels have no `device` link and are interfaces, not ports.

import { readPciFunction } from './pci.ts';
import type { Reader } from './reader.ts';
import type { PortRow } from './types.ts';
import { parseHexValue, pciAncestor } from './values.ts';

const NET_DIR = 'sys/class/net';

/** ARPHRD_* (include/uapi/linux/if_arp.h) → sysinv's port type. */
export function portType(arphrd: number | undefined): string {
  if (arphrd === 1) return 'ethernet';
  if (arphrd === 32) return 'infiniband';
  return arphrd === undefined ? 'unknown' : `arphrd-${arphrd}`;
}

/** sysfs speed: Mb/s; -1 (or 4294967295 from older drivers) when the link is down or unknown. */
export function parseSpeed(text: string | undefined): number | null {
  const n = text === undefined ? NaN : Number(text.trim());
  return Number.isInteger(n) && n > 0 && n < 4294967295 ? n : null;
}

export async function readPorts(r: Reader): Promise<PortRow[]> {
  const names = await r.tree.list(NET_DIR);
  if (names === undefined) {
    r.problems.missing(NET_DIR, 'no network ports read');
    return [];
  }
  const rows: PortRow[] = [];
  for (const name of names) {
    if (name === 'lo') continue;
    const dir = `${NET_DIR}/${name}`;
    const device = await r.tree.resolve(`${dir}/device`);
    if (device === undefined) {
      const target = await r.tree.readlink(`${dir}/device`);
      if (target !== undefined)
        r.problems.add(`${dir}/device: link to ${target} leads nowhere (port left out)`);
      continue; // virtual
    }
    // The device may be the PCI function itself, or a bus device under it (virtio2 under 0000:00:03.0).
    const pci = pciAncestor(device);
    // Read through sys/bus/pci/devices, as the PCI part does, so a bad file is one problem, not two.
    const pciDir =
      pci && (await r.tree.resolve(`sys/bus/pci/devices/${pci.pciaddr}`)) !== undefined
        ? `sys/bus/pci/devices/${pci.pciaddr}`
        : pci?.dir;
    const f = pciDir === undefined ? undefined : await readPciFunction(r, pciDir);
    const devId = await r.line(`${dir}/dev_id`, 'optional');
    rows.push({
      name,
      type: portType(await r.int(`${dir}/type`, 'required')),
      mac: (await r.line(`${dir}/address`, 'required')) ?? null,
      mtu: (await r.int(`${dir}/mtu`, 'required')) ?? null,
      speed: parseSpeed(await r.tree.read(`${dir}/speed`)),
      link_mode: (await r.int(`${dir}/link_mode`, 'optional')) ?? null,
      operstate: (await r.line(`${dir}/operstate`, 'optional')) ?? null,
      pciaddr: pci?.pciaddr ?? null,
      dev_id: devId === undefined ? null : (parseHexValue(devId) ?? null),
      driver: await r.linkName(`${dir}/device/driver`),
      numa_node: f?.numa_node ?? null,
      sriov_totalvfs: f?.sriov_totalvfs ?? null,
      sriov_numvfs: f?.sriov_numvfs ?? null,
      pvendor: f?.pvendor_id ?? null,
      pdevice: f?.pdevice_id ?? null,
      psvendor: f?.psvendor ?? null,
      psdevice: f?.psdevice ?? null,
    });
  }
  return rows;
}
