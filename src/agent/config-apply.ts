// The host configuration the controller sends at unlock, rendered by the agent into the files a
// host boots with (kernel arguments for isolated CPUs and huge pages, network addresses). They are
// written to the agent's dry-run folder; installing them into the real OS is left to the
// operator's image tooling (we never rewrite a machine's boot loader from a test or a lab).

import fs from 'node:fs/promises';
import path from 'node:path';
import type { AgentNetwork } from '../common/config.ts';
import { StarlingError } from '../common/errors.ts';
import type { HostConfig, InterfaceConfig } from '../agentlink/protocol.ts';

// What the controller sends (the apply-config command's host) is defined by the protocol.
export type { HostConfig, InterfaceConfig } from '../agentlink/protocol.ts';

/** StarlingX's aemode → the Linux bonding mode. */
const BOND_MODE: Record<string, string> = {
  active_standby: 'active-backup',
  balanced: 'balance-xor',
  '802.3ad': '802.3ad',
};

/** The host's interfaces in Debian ifupdown's format: the configured ones (a class set), and the
 *  members of bonds they are built on. An interface with addresses from its networks' pools is
 *  `inet static` (`inet6` for IPv6) with the first, and adds the others when it comes up; one
 *  without is `inet manual`. The networks are named in a comment. Pure. */
export function renderInterfaces(all: InterfaceConfig[]): string {
  const byName = new Map(all.map((i) => [i.ifname, i]));
  const wanted = new Set<string>();
  const want = (i: InterfaceConfig): void => {
    if (wanted.has(i.ifname)) return;
    wanted.add(i.ifname);
    for (const l of i.uses) {
      const lower = byName.get(l);
      if (lower) want(lower);
    }
  };
  for (const i of all) if (i.ifclass !== null) want(i);
  const bondOf = new Map<string, string>();
  for (const i of all) if (i.iftype === 'ae') for (const m of i.uses) bondOf.set(m, i.ifname);
  const out: string[] = [
    "# Rendered by the Starling agent from the host's interfaces (system host-if-list).",
  ];
  for (const i of all.filter((x) => wanted.has(x.ifname))) {
    // An ethernet interface is its port under the interface's name.
    const dev = i.iftype === 'ethernet' ? (i.ports[0] ?? i.ifname) : i.ifname;
    const [first, ...more] = i.addresses ?? [];
    const lines = first
      ? [
          `auto ${dev}`,
          `iface ${dev} ${first.includes(':') ? 'inet6' : 'inet'} static`,
          `    address ${first}`,
          `    mtu ${i.imtu}`,
        ]
      : [`auto ${dev}`, `iface ${dev} inet manual`, `    mtu ${i.imtu}`];
    for (const a of more) lines.push(`    up ip addr add ${a} dev ${dev}`);
    if (i.iftype === 'ethernet' && dev !== i.ifname) lines.push(`    # interface ${i.ifname}`);
    if (i.iftype === 'ae') {
      lines.push(
        `    bond-slaves ${i.uses.map((m) => byName.get(m)?.ports[0] ?? m).join(' ')}`,
        `    bond-mode ${BOND_MODE[i.aemode ?? ''] ?? 'active-backup'}`,
        '    bond-miimon 100',
      );
      if (i.txhashpolicy !== null) lines.push(`    bond-xmit-hash-policy ${i.txhashpolicy}`);
    }
    if (i.iftype === 'vlan') {
      const lower = byName.get(i.uses[0] ?? '');
      lines.push(
        `    vlan-raw-device ${lower?.iftype === 'ethernet' ? (lower.ports[0] ?? lower.ifname) : (lower?.ifname ?? '')}`,
        `    vlan-id ${i.vlan_id}`,
      );
    }
    const bond = bondOf.get(i.ifname);
    if (bond !== undefined) lines.push(`    bond-master ${bond}`);
    if (i.networks.length > 0) lines.push(`    # networks: ${i.networks.join(', ')}`);
    out.push('', ...lines);
  }
  return `${out.join('\n')}\n`;
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
    interfaces: renderInterfaces(c.interfaces ?? []),
    'host.json': `${JSON.stringify(c, null, 2)}\n`,
  };
}

/** Where each rendered file goes on a real (Debian) host, relative to the OS root. */
export const OS_FILES: Record<string, string> = {
  // GRUB reads /etc/default/grub.d/*.cfg; the host's next boot takes the arguments.
  'kernel-args': 'etc/default/grub.d/50-starling.cfg',
  interfaces: 'etc/network/interfaces.d/starling',
  hostname: 'etc/hostname',
};

const osText = (name: string, text: string): string =>
  name === 'kernel-args'
    ? `# Written by the Starling agent.\nGRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX ${text.trim()}"\n`
    : text;

async function writeAtomic(file: string, text: string, mode: number): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(`${file}.starling-tmp`, text, { mode });
  await fs.rename(`${file}.starling-tmp`, file);
}

/**
 * Writes the rendered files into `<stateDir>/dry-run/` (always: what the host was told), and, when
 * `osRoot` is given (`STARLING_AGENT_APPLY_ROOT=/` on a real host, as root), also into the OS's
 * own files under it. Each file is replaced atomically. Answers the paths written.
 */
export async function applyHostConfig(
  stateDir: string,
  c: HostConfig,
  networks: AgentNetwork[],
  osRoot?: string,
): Promise<string[]> {
  const dir = path.join(stateDir, 'dry-run');
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const written: string[] = [];
  const files = renderHostConfig(c, networks);
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(dir, name);
    await writeAtomic(file, text, 0o600);
    written.push(file);
  }
  if (osRoot !== undefined) {
    for (const [name, rel] of Object.entries(OS_FILES)) {
      const file = path.join(osRoot, rel);
      await writeAtomic(file, osText(name, files[name] ?? ''), 0o644);
      written.push(file);
    }
  }
  return written;
}

/** The files the agent rendered last (its dry-run folder), by name; NOT_FOUND when it never did. */
export async function readRenderedConfig(stateDir: string): Promise<Record<string, string>> {
  const dir = path.join(stateDir, 'dry-run');
  let names: string[];
  try {
    names = (await fs.readdir(dir)).filter((n) => !n.endsWith('.starling-tmp')).sort();
  } catch {
    throw new StarlingError(
      'NOT_FOUND',
      `no rendered configuration in ${dir}: the host has not been unlocked by this agent yet`,
      { field: '--state-dir' },
    );
  }
  const out: Record<string, string> = {};
  for (const n of names) out[n] = await fs.readFile(path.join(dir, n), 'utf8');
  return out;
}
