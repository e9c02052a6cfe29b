// CPU function assignment (system host-cpu-modify): how many physical cores of each NUMA node
// (StarlingX's "processor") serve the platform, shared, vswitch and application-isolated
// functions; the rest run applications. Cores are laid out from the lowest core id in that order,
// every thread of a core with its core. StarlingX's rules (cpu_utils.py) checked. Pure.

import { StarlingError } from '../../../common/errors.ts';

export const CPU_FUNCTIONS = ['platform', 'shared', 'vswitch', 'application-isolated'] as const;
export type CpuFunction = (typeof CPU_FUNCTIONS)[number];

/** sysinv's allocated_function spelling. */
export const ALLOCATED: Record<CpuFunction | 'application', string> = {
  platform: 'Platform',
  shared: 'Shared',
  vswitch: 'Vswitch',
  'application-isolated': 'Application-isolated',
  application: 'Application',
};

export interface LogicalCpu {
  cpu: number;
  /** Core id within its socket (topology/core_id). */
  core: number;
  /** Physical package: core ids repeat across the sockets of one NUMA node. */
  socket?: number;
  thread: number;
  numa_node: number;
  allocated_function: string;
}

export interface CpuRequest {
  function: string;
  /** NUMA node ("processor") → physical cores for this function there. */
  sockets: Record<string, number>[];
}

export interface HostKind {
  /** e.g. `controller,worker` (AIO) or `worker`. */
  subfunctions: string;
  /** A vswitch type is configured (none in this release: vswitch cores are refused). */
  vswitchConfigured: boolean;
}

const fail = (field: string, message: string): never => {
  throw new StarlingError('VALIDATION_FAILED', message, { field });
};

/** The new allocated_function of every logical CPU, or the rule broken. */
export function assignCpuFunctions(cpus: LogicalCpu[], requests: CpuRequest[], host: HostKind): Map<number, string> {
  if (cpus.length === 0) fail('host', 'the host has no inventoried CPUs yet');
  const nodes = [...new Set(cpus.map((c) => c.numa_node))].sort((a, b) => a - b);
  /** Physical cores of each node, lowest core id first, each with its logical CPUs. */
  const coresOf = new Map<number, { core: number; cpus: LogicalCpu[] }[]>();
  for (const n of nodes) {
    // A physical core is (socket, core id); ordered by socket, then core id.
    const byCore = new Map<number, LogicalCpu[]>();
    for (const c of cpus.filter((x) => x.numa_node === n)) {
      const k = (c.socket ?? 0) * 1_000_000 + c.core;
      byCore.set(k, [...(byCore.get(k) ?? []), c]);
    }
    coresOf.set(n, [...byCore.entries()].sort((a, b) => a[0] - b[0]).map(([core, list]) => ({ core, cpus: list })));
  }

  // Start from what is allocated now (counted in cores), then apply the requests.
  const want = new Map<CpuFunction, Map<number, number>>();
  for (const f of CPU_FUNCTIONS) {
    want.set(
      f,
      new Map(nodes.map((n) => [n, coresOf.get(n)!.filter((k) => k.cpus[0]?.allocated_function === ALLOCATED[f]).length])),
    );
  }
  requests.forEach((r, i) => {
    if (!(CPU_FUNCTIONS as readonly string[]).includes(r.function)) {
      fail(`/${i}/function`, `function '${r.function}' must be one of ${CPU_FUNCTIONS.join(', ')} (application gets the rest)`);
    }
    for (const s of r.sockets) {
      for (const [node, count] of Object.entries(s)) {
        const n = Number(node);
        if (!nodes.includes(n)) fail(`/${i}/sockets`, `processor ${node} does not exist on this host (it has ${nodes.join(', ')})`);
        if (!Number.isInteger(count) || count < 0) fail(`/${i}/sockets`, `the core count for processor ${node} must be a whole number ≥ 0`);
        want.get(r.function as CpuFunction)!.set(n, count);
      }
    }
  });

  const aio = host.subfunctions.includes('controller') && host.subfunctions.includes('worker');
  const worker = host.subfunctions.includes('worker');
  const threadsPerCore = Math.max(...[...coresOf.values()].flat().map((k) => k.cpus.length));
  const total = (f: CpuFunction): number => [...want.get(f)!.values()].reduce((a, b) => a + b, 0);

  // StarlingX's rules.
  const platformThreads = total('platform') * threadsPerCore;
  if (aio && platformThreads < 2) fail('platform', `an all-in-one host needs at least 2 platform logical CPUs (it would have ${platformThreads})`);
  if (!aio && total('platform') < 1) fail('platform', 'a host needs at least 1 platform core');
  for (const n of nodes) {
    if ((want.get('shared')!.get(n) ?? 0) > 1) fail('shared', `at most 1 shared core per processor (processor ${n})`);
  }
  if (total('vswitch') > 0 && !host.vswitchConfigured) fail('vswitch', 'vswitch cores need a vswitch type, and none is configured');
  if (total('vswitch') > 8) fail('vswitch', 'at most 8 vswitch physical cores');

  const out = new Map<number, string>();
  for (const n of nodes) {
    const cores = coresOf.get(n)!;
    let next = 0;
    for (const f of CPU_FUNCTIONS) {
      const count = want.get(f)!.get(n) ?? 0;
      if (next + count > cores.length) {
        fail(f, `processor ${n} has ${cores.length} cores: ${CPU_FUNCTIONS.map((g) => `${g} ${want.get(g)!.get(n) ?? 0}`).join(', ')} do not fit`);
      }
      for (const k of cores.slice(next, next + count)) for (const c of k.cpus) out.set(c.cpu, ALLOCATED[f]);
      next += count;
    }
    for (const k of cores.slice(next)) for (const c of k.cpus) out.set(c.cpu, ALLOCATED.application);
  }
  if (worker && ![...out.values()].includes(ALLOCATED.application)) {
    fail('application', 'at least 1 core must remain for applications on a host with the worker function');
  }
  return out;
}

/**
 * An all-in-one controller's CPU functions when it is first registered: StarlingX reserves one
 * physical core of processor 0 for the platform when cores have two threads, two cores
 * otherwise (the AIO rule wants two platform logical CPUs), leaving at least one core for
 * applications; fewer when the machine is too small for that, none when it has one core.
 */
export function defaultAioPlatform(cpus: LogicalCpu[], host: HostKind): Map<number, string> | undefined {
  if (cpus.length === 0) return undefined;
  const node0 = Math.min(...cpus.map((c) => c.numa_node));
  const ht = cpus.some((c) => c.numa_node === node0 && c.thread > 0);
  for (const cores of ht ? [1] : [2, 1]) {
    try {
      return assignCpuFunctions(cpus, [{ function: 'platform', sockets: [{ [String(node0)]: cores }] }], host);
    } catch {
      // too few cores for this many: try fewer
    }
  }
  // Below StarlingX's minimum (e.g. two single-thread cores): one core for the platform anyway.
  const cores = new Map<number, number[]>();
  for (const c of cpus) cores.set(c.core, [...(cores.get(c.core) ?? []), c.cpu]);
  if (cores.size < 2) return undefined;
  const lowest = Math.min(...cpus.filter((c) => c.numa_node === node0).map((c) => c.core));
  return new Map(cpus.map((c) => [c.cpu, c.core === lowest && c.numa_node === node0 ? ALLOCATED.platform : ALLOCATED.application]));
}
