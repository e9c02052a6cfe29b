// Memory per NUMA node as sysinv-agent reads it: totals from nodeN/meminfo, huge pages from
// nodeN/hugepages/hugepages-<size>kB; a kernel without NUMA gives one node 0 from /proc/meminfo.

import type { NumaTopology } from './numa.ts';
import type { Reader } from './reader.ts';
import type { HugepageCount, MemoryRow } from './types.ts';
import { kibToMib } from './values.ts';

/**
 * /proc/meminfo (`MemTotal:  16384 kB`) or a node's meminfo (`Node 0 MemTotal:  16384 kB`) → the
 * numbers by key (kB, or a count for HugePages_*). Lines that do not parse are left out.
 */
export function parseMeminfo(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^(?:Node\s+\d+\s+)?([A-Za-z0-9_()]+):\s+(\d+)(?:\s+kB)?\s*$/.exec(line.trim());
    if (m) out[m[1]!] = Number(m[2]);
  }
  return out;
}

/** `hugepages-2048kB` → 2048. */
export function hugepageSizeKib(dirName: string): number | undefined {
  const m = /^hugepages-(\d+)kB$/.exec(dirName);
  return m ? Number(m[1]) : undefined;
}

export function buildMemoryRow(
  numa_node: number,
  meminfo: Record<string, number> | undefined,
  hugepages: HugepageCount[],
): MemoryRow {
  const size = (kib: number) => hugepages.find((h) => h.size_kib === kib);
  const total = meminfo?.MemTotal;
  const free = meminfo?.MemFree;
  return {
    numa_node,
    memtotal_mib: total === undefined ? null : kibToMib(total),
    memavail_mib: free === undefined ? null : kibToMib(free),
    vm_hugepages_nr_2M: size(2048)?.nr ?? null,
    vm_hugepages_avail_2M: size(2048)?.free ?? null,
    vm_hugepages_nr_1G: size(1048576)?.nr ?? null,
    vm_hugepages_avail_1G: size(1048576)?.free ?? null,
    hugepages: [...hugepages].sort((a, b) => a.size_kib - b.size_kib),
  };
}

/**
 * The nodes' totals (GPU memory nodes included) against /proc/meminfo's MemTotal. Kernels before
 * 3.10 counted present pages per node but managed pages globally, 1.4–2 % apart on the captured
 * machines; beyond 5 % the kernel disagrees with itself (memory initialised lazily after boot, as on
 * some VM kernels: 7 GiB per node against 24 GiB), and the operator should know which was used.
 */
export function crossCheckTotal(
  nodeTotalsKib: number[],
  procMeminfo: Record<string, number> | undefined,
): string | undefined {
  const proc = procMeminfo?.MemTotal;
  if (proc === undefined || nodeTotalsKib.length === 0) return undefined;
  const sum = nodeTotalsKib.reduce((a, b) => a + b, 0);
  if (Math.abs(sum - proc) <= 0.05 * Math.max(sum, proc)) return undefined;
  return `proc/meminfo: MemTotal is ${kibToMib(proc)} MiB but the NUMA nodes' meminfo add up to ${kibToMib(sum)} MiB (the per-node figures are used)`;
}

export async function readMemory(r: Reader, numa: NumaTopology): Promise<MemoryRow[]> {
  if (numa.nodes.length === 0) {
    const meminfo = await readMeminfo(r, 'proc/meminfo');
    return [buildMemoryRow(0, meminfo, (await readHugepages(r, 'sys/kernel/mm/hugepages')) ?? [])];
  }
  const rows: MemoryRow[] = [];
  const totals: number[] = [];
  for (const n of numa.nodes) {
    const dir = `sys/devices/system/node/node${n}`;
    const meminfo = await readMeminfo(r, `${dir}/meminfo`);
    if (meminfo?.MemTotal !== undefined) totals.push(meminfo.MemTotal);
    if (numa.gpuMemoryNodes.includes(n)) continue;
    // Per-node huge page folders arrived in 2.6.33; on one node the global counts are that node's.
    let hugepages = await readHugepages(r, `${dir}/hugepages`);
    if (hugepages === undefined && numa.nodes.length === 1)
      hugepages = await readHugepages(r, 'sys/kernel/mm/hugepages');
    rows.push(buildMemoryRow(n, meminfo, hugepages ?? []));
  }
  const proc = await r.tree.read('proc/meminfo');
  const mismatch = crossCheckTotal(totals, proc === undefined ? undefined : parseMeminfo(proc));
  if (mismatch !== undefined) r.problems.add(mismatch);
  return rows;
}

async function readMeminfo(r: Reader, rel: string): Promise<Record<string, number> | undefined> {
  const text = await r.text(rel, 'required');
  if (text === undefined) return undefined;
  const meminfo = parseMeminfo(text);
  for (const key of ['MemTotal', 'MemFree'])
    if (meminfo[key] === undefined) r.problems.add(`${rel}: no readable ${key} line`);
  return meminfo;
}

/** Every page size in a hugepages folder; undefined when the folder is missing (kernel without huge pages). */
async function readHugepages(r: Reader, dir: string): Promise<HugepageCount[] | undefined> {
  const names = await r.tree.list(dir);
  if (names === undefined) return undefined;
  const out: HugepageCount[] = [];
  for (const name of names) {
    const size_kib = hugepageSizeKib(name);
    if (size_kib === undefined) continue;
    const nr = await r.int(`${dir}/${name}/nr_hugepages`, 'required');
    const free = await r.int(`${dir}/${name}/free_hugepages`, 'required');
    out.push({ size_kib, nr: nr ?? null, free: free ?? null });
  }
  return out;
}
