// What the agent tells the controller about its host: its management MAC (how the controller
// knows it, as StarlingX does) and its inventory, in the registration's shape.

import fs from 'node:fs/promises';
import path from 'node:path';
import { StarlingError } from '../common/errors.ts';
import type { Inventory } from './discovery/index.ts';
import type { RegisterBody } from '../agentlink/protocol.ts';

/** The registration (src/agentlink/protocol.ts RegisterBody) without where heartbeat answers. */
export type RegistrationBody = Omit<RegisterBody, 'heartbeat' | 'inventory'> & {
  inventory: Record<'icpus' | 'imemorys' | 'ethernet_ports' | 'idisks' | 'pci_devices', Record<string, unknown>[]>;
};

/** The interface of the default route in proc/net/route (the management network on a host that
 *  has one network), or undefined. */
export function defaultRouteInterface(routeTable: string): string | undefined {
  for (const line of routeTable.split('\n').slice(1)) {
    const [iface, destination, , , , , , mask] = line.trim().split(/\s+/);
    if (iface && destination === '00000000' && mask === '00000000') return iface;
  }
  return undefined;
}

/** The management MAC: of `mgmtInterface` if given, else of the default route's interface, else
 *  of the first discovered port. Read from sys/class/net so virtual interfaces (lab veths) work. */
export async function managementMac(root: string, inv: Inventory, mgmtInterface?: string): Promise<string> {
  const iface = mgmtInterface ?? defaultRouteInterface(await fs.readFile(path.join(root, 'proc/net/route'), 'utf8').catch(() => ''));
  if (iface !== undefined) {
    const mac = (await fs.readFile(path.join(root, 'sys/class/net', iface, 'address'), 'utf8').catch(() => '')).trim();
    if (/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(mac) && mac !== '00:00:00:00:00:00') return mac;
    if (mgmtInterface !== undefined) {
      throw new StarlingError('CONFIG_INVALID', `management interface ${mgmtInterface} has no MAC address under ${root}/sys/class/net`, { field: '--mgmt-interface' });
    }
  }
  const port = inv.ports.find((p) => p.mac !== null && p.mac !== '00:00:00:00:00:00');
  if (!port?.mac) throw new StarlingError('CONFIG_INVALID', 'no management interface found: give --mgmt-interface', { field: '--mgmt-interface' });
  return port.mac;
}

const n = (v: number | null): number => v ?? 0;
const ETHERNET_MAC = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i;

export function registrationBody(inv: Inventory, mac: string, opts: { hostname?: string; bootstrapController?: boolean }): RegistrationBody {
  return {
    mgmt_mac: mac,
    ...(opts.hostname !== undefined ? { hostname: opts.hostname } : {}),
    ...(opts.bootstrapController ? { bootstrap_controller: true } : {}),
    inventory: {
      icpus: inv.cpus.map((c) => ({ cpu: c.cpu, core: c.core, thread: c.thread, numa_node: c.numa_node, socket: c.socket, cpu_family: c.cpu_family, cpu_model: c.cpu_model })),
      imemorys: inv.memory.map((m) => ({
        numa_node: m.numa_node,
        memtotal_mib: n(m.memtotal_mib),
        memavail_mib: n(m.memavail_mib),
        vm_hugepages_nr_2M: n(m.vm_hugepages_nr_2M),
        vm_hugepages_avail_2M: n(m.vm_hugepages_avail_2M),
        vm_hugepages_nr_1G: n(m.vm_hugepages_nr_1G),
        vm_hugepages_avail_1G: n(m.vm_hugepages_avail_1G),
        // The node offers 1G pages only if the kernel lists that size for it.
        vm_hugepages_use_1G: m.hugepages.some((h) => h.size_kib === 1_048_576),
      })),
      // A port's MAC is the 6-byte Ethernet one; an InfiniBand port's 20-byte address is not kept.
      ethernet_ports: inv.ports.map((p) => ({
        ...p,
        mac: p.mac !== null && ETHERNET_MAC.test(p.mac) ? p.mac : null,
        link_mode: p.link_mode === null ? null : String(p.link_mode),
      })),
      idisks: inv.disks.map((d) => ({ ...d, size_mib: n(d.size_mib) })),
      pci_devices: inv.pci_devices.map((d) => ({ ...d })),
    },
  };
}
