// The host configuration the controller sends at unlock, rendered by the agent into the files a
// host boots with (kernel arguments for isolated CPUs and huge pages, network addresses). They are
// written to the agent's dry-run folder; installing them into the real OS is left to the
// operator's image tooling (we never rewrite a machine's boot loader from a test or a lab).

import fs from 'node:fs/promises';
import path from 'node:path';
import type { AgentNetwork } from '../common/config.ts';

export interface HostConfig {
  hostname: string;
  personality?: string | null;
  subfunctions?: string | null;
  cpus?: { cpu: number; allocated_function: string }[];
  memory?: { numa_node: number; vm_hugepages_nr_2M?: number; vm_hugepages_nr_1G?: number }[];
}

/** Compresses CPU numbers into a kernel cpulist: [0,1,2,5] → "0-2,5". */
export function cpuList(cpus: number[]): string {
  const sorted = [...new Set(cpus)].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    out.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return out.join(',');
}

/** The files of a host's configuration, by name. Pure. */
export function renderHostConfig(c: HostConfig, networks: AgentNetwork[]): Record<string, string> {
  const isolated = (c.cpus ?? [])
    .filter((x) => x.allocated_function === 'Application-isolated')
    .map((x) => x.cpu);
  const platform = (c.cpus ?? []).filter((x) => x.allocated_function === 'Platform').map((x) => x.cpu);
  const pages2M = (c.memory ?? []).reduce((n, m) => n + (m.vm_hugepages_nr_2M ?? 0), 0);
  const pages1G = (c.memory ?? []).reduce((n, m) => n + (m.vm_hugepages_nr_1G ?? 0), 0);
  const args: string[] = [];
  // StarlingX isolates application-isolated CPUs from the scheduler and from timer/RCU work.
  if (isolated.length > 0) {
    const l = cpuList(isolated);
    args.push(`isolcpus=nohz,domain,managed_irq,${l}`, `nohz_full=${l}`, `rcu_nocbs=${l}`);
  }
  if (platform.length > 0) args.push(`kthread_cpus=${cpuList(platform)}`, `irqaffinity=${cpuList(platform)}`);
  if (pages1G > 0) args.push('hugepagesz=1G', `hugepages=${pages1G}`);
  if (pages2M > 0) args.push('hugepagesz=2M', `hugepages=${pages2M}`);
  const net = networks.map((n) => `# ${n.network}: heartbeat on ${n.address} port ${n.port}\n`).join('');
  return {
    'kernel-args': `${args.join(' ')}\n`,
    hostname: `${c.hostname}\n`,
    'networks.conf': net,
    'host.json': `${JSON.stringify(c, null, 2)}\n`,
  };
}

/** Writes the rendered files into `<stateDir>/dry-run/` (atomically, file by file); answers their paths. */
export async function applyHostConfig(
  stateDir: string,
  c: HostConfig,
  networks: AgentNetwork[],
): Promise<string[]> {
  const dir = path.join(stateDir, 'dry-run');
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const written: string[] = [];
  for (const [name, text] of Object.entries(renderHostConfig(c, networks))) {
    const file = path.join(dir, name);
    await fs.writeFile(`${file}.tmp`, text, { mode: 0o600 });
    await fs.rename(`${file}.tmp`, file);
    written.push(file);
  }
  return written;
}
