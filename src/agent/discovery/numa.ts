// NUMA nodes (sys/devices/system/node/nodeN) and which CPUs each holds; shared by the CPU and
// memory parts. Also finds the nodes that are GPU memory rather than host memory.

import type { Reader } from './reader.ts';

export interface NumaTopology {
  /** Node ids with a nodeN folder, sorted; empty on a kernel without NUMA (then everything is node 0). */
  nodes: number[];
  cpusByNode: Map<number, number[]>;
  /**
   * Nodes that are the memory of NVLink-attached NVIDIA GPUs (POWER9 + V100: the driver onlines
   * each GPU's memory as a CPU-less node, named in /proc/driver/nvidia/gpus/<pciaddr>/numa_status).
   * It is not memory the platform can plan with, so imemory leaves it out, as hwloc does.
   */
  gpuMemoryNodes: number[];
}

const NODE_DIR = 'sys/devices/system/node';

/** /proc/driver/nvidia/gpus/<pciaddr>/numa_status → the node id (`Node: 250`). */
export function parseNvidiaNumaStatus(text: string): number | undefined {
  const m = /^Node:\s*(\d+)\s*$/m.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** nodeN → N (anything else in the folder, like has_cpu or possible, is not a node). */
export function nodeIds(names: string[]): number[] {
  return names
    .map((n) => /^node(\d+)$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

export async function readNumaTopology(r: Reader): Promise<NumaTopology> {
  const nodes = nodeIds((await r.tree.list(NODE_DIR)) ?? []);
  const cpusByNode = new Map<number, number[]>();
  for (const n of nodes) {
    const dir = `${NODE_DIR}/node${n}`;
    // cpulist appeared in 2.6.2x; older kernels only have the cpumap mask.
    const cpus =
      (await r.cpuList(`${dir}/cpulist`, 'optional')) ?? (await r.cpuMask(`${dir}/cpumap`, 'optional'));
    if (cpus === undefined)
      r.problems.add(`${dir}: neither cpulist nor cpumap can be read (its CPUs are not placed)`);
    cpusByNode.set(n, cpus ?? []);
  }

  const gpuMemoryNodes: number[] = [];
  for (const gpu of (await r.tree.list('proc/driver/nvidia/gpus')) ?? []) {
    const rel = `proc/driver/nvidia/gpus/${gpu}/numa_status`;
    const text = await r.tree.read(rel);
    if (text === undefined) continue; // GPUs without coherent memory have no numa_status
    const node = parseNvidiaNumaStatus(text);
    // Only a CPU-less node can be GPU memory; a node with CPUs stays host memory whatever the driver says.
    if (node !== undefined && nodes.includes(node) && (cpusByNode.get(node) ?? []).length === 0)
      gpuMemoryNodes.push(node);
  }
  return { nodes, cpusByNode, gpuMemoryNodes: gpuMemoryNodes.sort((a, b) => a - b) };
}
