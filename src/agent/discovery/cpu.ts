// CPUs as sysinv-agent reads them: one icpu row per online logical CPU, socket/core/thread from
// sys/devices/system/cpu/cpuN/topology, NUMA node from the node cpulists, model from /proc/cpuinfo.

import type { NumaTopology } from './numa.ts';
import type { Reader } from './reader.ts';
import type { CpuRow } from './types.ts';
import { formatCpuList } from './values.ts';

const CPU_DIR = 'sys/devices/system/cpu';

export interface Cpuinfo {
  /** `processor : N` blocks, by N. */
  processors: Map<number, Record<string, string>>;
  /** Keys outside any processor block (POWER's `timebase`, `platform`, `machine`; old ARM's `Processor`). */
  global: Record<string, string>;
}

/**
 * /proc/cpuinfo: `key : value` lines in blank-line separated blocks. A block with a `processor`
 * line describes that logical CPU (x86, POWER, ARM64 all number them so); other lines are global.
 */
export function parseCpuinfo(text: string): Cpuinfo {
  const processors = new Map<number, Record<string, string>>();
  const global: Record<string, string> = {};
  for (const block of text.split(/\n\s*\n/)) {
    const fields: Record<string, string> = {};
    for (const line of block.split('\n')) {
      const i = line.indexOf(':');
      if (i <= 0) continue;
      const key = line.slice(0, i).trim();
      if (key !== '' && !(key in fields)) fields[key] = line.slice(i + 1).trim();
    }
    const id =
      fields.processor !== undefined && /^\d+$/.test(fields.processor) ? Number(fields.processor) : undefined;
    if (id !== undefined) processors.set(id, fields);
    else Object.assign(global, fields);
  }
  return { processors, global };
}

/** The model name sysinv shows: x86 `model name`, POWER `cpu`, old ARM's global `Processor`. */
export function cpuModel(info: Cpuinfo, cpu: number): string | null {
  const p = info.processors.get(cpu) ?? {};
  const v = p['model name'] ?? p.cpu ?? info.global['model name'] ?? info.global.Processor;
  return v === undefined || v === '' ? null : v;
}

/** The feature flags (x86 `flags`, ARM `Features`), from the first processor that lists them. */
export function cpuFlags(info: Cpuinfo): string[] {
  for (const p of info.processors.values()) {
    const f = p.flags ?? p.Features;
    if (f !== undefined) return f.split(/\s+/).filter((s) => s !== '');
  }
  return [];
}

/** What sysfs says about one logical CPU; undefined where the file was missing or malformed. */
export interface CpuObservation {
  cpu: number;
  online: boolean;
  socket?: number;
  core?: number;
  /** thread_siblings_list: the logical CPUs of this CPU's physical core, itself included. */
  siblings?: number[];
  numa_node?: number;
}

export interface CpuTopology {
  rows: CpuRow[];
  offline: number[];
  sockets: number;
  cores: number;
  threads_per_core: number;
  problems: string[];
}

/**
 * Rows from observations, filling gaps the way the kernel's own data allows: socket and core from
 * cpuinfo's `physical id`/`core id` (x86) when topology files are missing, the core's threads from
 * CPUs sharing socket and core when thread_siblings is missing. Physical cores are counted as
 * distinct sibling sets, the kernel's own statement of which CPUs share a core.
 */
export function buildCpus(observations: CpuObservation[], info: Cpuinfo): CpuTopology {
  const problems: string[] = [];
  const online = observations.filter((o) => o.online).sort((a, b) => a.cpu - b.cpu);
  const onlineIds = new Set(online.map((o) => o.cpu));
  const fromInfo = (cpu: number, key: string): number | undefined => {
    const v = info.processors.get(cpu)?.[key];
    return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
  };
  const placed = online.map((o) => ({
    o,
    // physical_package_id is -1 where firmware does not say (some ARM and VMs): one socket then.
    socket: (o.socket !== undefined && o.socket >= 0 ? o.socket : fromInfo(o.cpu, 'physical id')) ?? 0,
    core: o.core ?? fromInfo(o.cpu, 'core id') ?? o.siblings?.[0] ?? o.cpu,
  }));
  const byCore = new Map<string, number[]>();
  for (const p of placed) {
    const k = `${p.socket}:${p.core}`;
    byCore.set(k, [...(byCore.get(k) ?? []), p.o.cpu]);
  }
  const cores = new Set<string>();
  let threadsPerCore = 0;
  const rows: CpuRow[] = placed.map(({ o, socket, core }) => {
    let siblings = (o.siblings ?? byCore.get(`${socket}:${core}`) ?? [o.cpu]).filter((c) => onlineIds.has(c));
    if (!siblings.includes(o.cpu)) {
      problems.push(
        `${CPU_DIR}/cpu${o.cpu}/topology: thread siblings ${siblings.join(',')} leave out cpu${o.cpu} itself`,
      );
      siblings = [...siblings, o.cpu];
    }
    siblings.sort((a, b) => a - b);
    cores.add(`${socket}:${siblings.join(',')}`);
    threadsPerCore = Math.max(threadsPerCore, siblings.length);
    return {
      cpu: o.cpu,
      core,
      thread: siblings.indexOf(o.cpu),
      numa_node: o.numa_node ?? 0,
      socket,
      cpu_family: info.processors.get(o.cpu)?.['cpu family'] ?? null,
      cpu_model: cpuModel(info, o.cpu),
    };
  });
  return {
    rows,
    offline: observations
      .filter((o) => !o.online)
      .map((o) => o.cpu)
      .sort((a, b) => a - b),
    sockets: new Set(rows.map((r) => r.socket)).size,
    cores: cores.size,
    threads_per_core: threadsPerCore,
    problems,
  };
}

export interface CpuDiscovery extends CpuTopology {
  model: string | null;
  flags: string[];
}

export async function readCpus(r: Reader, numa: NumaTopology): Promise<CpuDiscovery> {
  const infoText = await r.text('proc/cpuinfo', 'required');
  const info = parseCpuinfo(infoText ?? '');
  const nodeOf = new Map<number, number>();
  for (const [node, cpus] of numa.cpusByNode) for (const c of cpus) nodeOf.set(c, node);

  const names = await r.tree.list(CPU_DIR);
  let ids: number[];
  if (names === undefined) {
    r.problems.missing(CPU_DIR, 'CPUs taken from /proc/cpuinfo without topology');
    ids = [...info.processors.keys()].sort((a, b) => a - b);
  } else {
    ids = names
      .map((n) => /^cpu(\d+)$/.exec(n))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    const unseen = [...info.processors.keys()].filter((c) => !ids.includes(c));
    if (unseen.length > 0) {
      r.problems.add(
        `${CPU_DIR}: no cpuN folder for ${unseen.length} processor(s) /proc/cpuinfo lists (${formatCpuList(unseen)})`,
      );
    }
  }
  // Per-CPU `online` is absent for CPUs that cannot be unplugged (usually cpu0); the global list decides then.
  const onlineList = names === undefined ? undefined : await r.cpuList(`${CPU_DIR}/online`, 'optional');

  const observations: CpuObservation[] = [];
  for (const cpu of ids) {
    const dir = `${CPU_DIR}/cpu${cpu}`;
    const flag = names === undefined ? undefined : await r.int(`${dir}/online`, 'optional');
    const online = flag !== undefined ? flag !== 0 : onlineList === undefined || onlineList.includes(cpu);
    const o: CpuObservation = { cpu, online };
    if (online && names !== undefined) {
      const topo = `${dir}/topology`;
      if ((await r.tree.list(topo)) === undefined) {
        r.problems.missing(topo, 'socket and core taken from /proc/cpuinfo');
      } else {
        o.socket = await r.int(`${topo}/physical_package_id`, 'required');
        o.core = await r.int(`${topo}/core_id`, 'required');
        // thread_siblings_list appeared in 2.6.26; before, only the mask.
        o.siblings =
          (await r.cpuList(`${topo}/thread_siblings_list`, 'optional')) ??
          (await r.cpuMask(`${topo}/thread_siblings`, 'required'));
      }
    }
    if (online) o.numa_node = nodeOf.get(cpu) ?? (await nodeFromCpuDir(r, dir, numa));
    observations.push(o);
  }
  const built = buildCpus(observations, info);
  built.problems.forEach((p) => r.problems.add(p));
  return { ...built, model: built.rows[0]?.cpu_model ?? null, flags: cpuFlags(info) };
}

/** Without node cpulists, a CPU's node is the nodeN link in its own folder; without NUMA at all, node 0. */
async function nodeFromCpuDir(r: Reader, dir: string, numa: NumaTopology): Promise<number | undefined> {
  if (numa.nodes.length === 0) return 0;
  const link = ((await r.tree.list(dir)) ?? []).find((n) => /^node\d+$/.test(n));
  if (link !== undefined) return Number(link.slice('node'.length));
  r.problems.add(`${dir}: in no NUMA node's cpulist (node 0 assumed)`);
  return undefined;
}
