// Inventory discovery, sysinv-agent's job: what a host has (CPUs, memory per NUMA node, ports,
// disks, PCI devices), read from a root folder holding proc/ and sys/. Reads only; never throws
// for a bad tree, it lists what it could not read in `problems`.

import { stat } from 'node:fs/promises';
import { StarlingError } from '../../common/errors.ts';
import { readCpus } from './cpu.ts';
import { readDisks } from './disks.ts';
import { readMemory } from './memory.ts';
import { readNumaTopology } from './numa.ts';
import { readPciDevices } from './pci.ts';
import { readPorts } from './ports.ts';
import { Problems, Reader } from './reader.ts';
import { RootTree, type SysTree } from './tree.ts';
import type { Inventory } from './types.ts';

export type * from './types.ts';
export { RootTree, type SysTree } from './tree.ts';

/** Discovers the inventory of the root folder `root` (`/` for this host). */
export async function discoverInventory(root: string): Promise<Inventory> {
  const st = await stat(root).catch(() => undefined);
  if (!st?.isDirectory())
    throw new StarlingError('NOT_FOUND', `no such root folder: ${root}`, { field: '--root' });
  return discoverFrom(new RootTree(root));
}

/** The same, from any tree (tests hand in their own). */
export async function discoverFrom(tree: SysTree): Promise<Inventory> {
  const r = new Reader(tree, new Problems());
  const numa = await readNumaTopology(r);
  const cpu = await readCpus(r, numa);
  const memory = await readMemory(r, numa);
  const ports = await readPorts(r);
  const disks = await readDisks(r);
  const pci_devices = await readPciDevices(r);
  const hostname =
    (await r.line('proc/sys/kernel/hostname', 'optional')) ??
    (await r.line('etc/hostname', 'optional')) ??
    null;
  const numaNodes = new Set([...memory.map((m) => m.numa_node), ...cpu.rows.map((c) => c.numa_node)]);
  const count = (kind: string) => pci_devices.filter((d) => d.kind === kind).length;
  return {
    cpus: cpu.rows,
    memory,
    ports,
    disks,
    pci_devices,
    problems: r.problems.lines,
    summary: {
      hostname,
      sockets: cpu.sockets,
      cores: cpu.cores,
      threads: cpu.rows.length,
      threads_per_core: cpu.threads_per_core,
      smt: cpu.threads_per_core > 1,
      offline_cpus: cpu.offline,
      numa_nodes: numaNodes.size,
      gpu_memory_nodes: numa.gpuMemoryNodes,
      cpu_model: cpu.model,
      cpu_flags: cpu.flags,
      memtotal_mib: memory.reduce((sum, m) => sum + (m.memtotal_mib ?? 0), 0),
      ports: ports.length,
      disks: disks.length,
      pci_devices: pci_devices.length,
      gpus: count('gpu'),
      crypto_devices: count('crypto'),
      fpgas: count('fpga'),
    },
  };
}
