// `starling agent`: run the host agent; `starling agent inventory`: what discovery finds.

import type { Command } from 'commander';
import type { AgentFlags } from '../../common/config.ts';
import type { CliContext } from '../context.ts';
import type { Rec } from '../output.ts';
import type { Inventory } from '../../agent/index.ts';

export function registerAgent(program: Command, ctx: CliContext): void {
  const agent = program
    .command('agent')
    .description(
      'run the host agent: connects to the controller and keeps its channel open (password in STARLING_AGENT_PASSWORD)',
    )
    .option(
      '--controller <url>',
      'controller URL (default: https://127.0.0.1:6385, or STARLING_CONTROLLER_URL)',
    )
    .option(
      '--controller-ca <file>',
      'the site CA given at enrolment (PEM): the only CA the controller’s certificate may chain to (or STARLING_CONTROLLER_CA)',
    )
    .option('--hostname <name>', 'name of this host on the agents’ channel (default: this machine’s)')
    .option('--root <dir>', 'root folder to discover the inventory from (default: /)')
    .option(
      '--mgmt-interface <ifname>',
      'interface whose MAC identifies this host (default: the default route’s)',
    )
    .option('--mgmt-mac <mac>', 'the management MAC itself (when the interface is not visible under --root)')
    .option(
      '--bootstrap-controller',
      'register as the site’s first controller (controller-0) if there is none',
    )
    .option(
      '--network <name=address[:port]>',
      'answer heartbeats on this network (mgmt, cluster-host, oam), repeatable; default mgmt=0.0.0.0:2103',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option(
      '--state-dir <dir>',
      'the agent’s folder: rendered configuration (default /var/lib/starling/agent-HOSTNAME)',
    )
    .option('--pmon-dir <dir>', 'process monitor configuration folder (default /etc/pmon.d)')
    .action(async (o: AgentFlags) => {
      const { runAgent } = await import('../../agent/index.ts');
      await runAgent(o);
    });

  // Local and read-only: no login, no controller, nothing registered (and, like `agent`, not audited).
  agent
    .command('inventory')
    .description(
      'show what inventory discovery finds on this host, or in a captured tree: CPUs, memory, ports, disks, PCI devices',
    )
    .option('--root <dir>', 'root folder holding proc/ and sys/', '/')
    .action(async (o: { root: string }) => {
      const { discoverInventory } = await import('../../agent/index.ts');
      printInventory(ctx, o.root, await discoverInventory(o.root));
    });

  // Local and read-only too: what the controller last told this host to be, as the agent rendered it.
  agent
    .command('config-show')
    .description(
      'show the host configuration the agent rendered at the last unlock (kernel arguments, interfaces, hostname)',
    )
    .option('--state-dir <dir>', 'the agent’s folder (as given to `starling agent`)')
    .option('--hostname <name>', 'the host’s name, to find the default folder /var/lib/starling/agent-NAME')
    .action(async (own: { stateDir?: string; hostname?: string }, cmd: Command) => {
      // `agent` itself has --state-dir and --hostname too; commander may hand them to it.
      const o = { ...(cmd.parent?.opts() as { stateDir?: string; hostname?: string }), ...own };
      const { loadAgentConfig } = await import('../../common/config.ts');
      const { readRenderedConfig } = await import('../../agent/index.ts');
      const config = loadAgentConfig({
        ...(o.stateDir ? { stateDir: o.stateDir } : {}),
        ...(o.hostname ? { hostname: o.hostname } : {}),
      });
      const files = await readRenderedConfig(config.stateDir);
      if (ctx.format === 'json') {
        ctx.io.out(JSON.stringify(files, null, 2));
        return;
      }
      for (const [name, text] of Object.entries(files)) ctx.io.out(`== ${name}\n${text.trimEnd()}\n`);
    });
}

function printInventory(ctx: CliContext, root: string, inv: Inventory): void {
  if (ctx.format === 'json') {
    ctx.io.out(JSON.stringify(inv, null, 2));
    return;
  }
  if (ctx.format === 'yaml') {
    ctx.show(inv as unknown as Rec, [
      'summary',
      'cpus',
      'memory',
      'ports',
      'disks',
      'pci_devices',
      'problems',
    ]);
    return;
  }
  const s = inv.summary;
  const section = (title: string): void => {
    if (ctx.format === 'table') ctx.io.out(`\n${title}`);
  };
  ctx.show(
    {
      hostname: s.hostname,
      sockets: s.sockets,
      cores: s.cores,
      threads: s.threads,
      smt: s.smt ? `on (${s.threads_per_core} threads per core)` : 'off',
      offline_cpus: s.offline_cpus.length > 0 ? s.offline_cpus.join(',') : 'none',
      cpu_model: s.cpu_model,
      numa_nodes: s.numa_nodes,
      memory_mib: inv.memory.map((m) => `node${m.numa_node}: ${m.memtotal_mib ?? '?'}`).join(', '),
      ports: s.ports,
      disks: s.disks,
      pci_devices: s.pci_devices,
      gpus: s.gpus,
      crypto_devices: s.crypto_devices,
      fpgas: s.fpgas,
      problems: inv.problems.length,
    },
    [
      'hostname',
      'sockets',
      'cores',
      'threads',
      'smt',
      'offline_cpus',
      'cpu_model',
      'numa_nodes',
      'memory_mib',
      'ports',
      'disks',
      'pci_devices',
      'gpus',
      'crypto_devices',
      'fpgas',
      'problems',
    ],
  );
  // Column labels follow StarlingX's host-cpu-list, host-memory-list, host-port-list, host-disk-list, host-device-list.
  section('CPUs');
  ctx.list(inv.cpus as unknown as Rec[], [
    ['cpu', 'log_core'],
    ['socket', 'processor'],
    ['core', 'phy_core'],
    ['thread', 'thread'],
    ['numa_node', 'numa_node'],
    ['cpu_model', 'processor_model'],
  ]);
  section('Memory');
  ctx.list(
    inv.memory.map((m) => ({ ...m, page_sizes: m.hugepages.map((h) => kibLabel(h.size_kib)).join(',') })),
    [
      ['numa_node', 'processor'],
      ['memtotal_mib', 'mem_total(MiB)'],
      ['memavail_mib', 'mem_avail(MiB)'],
      ['vm_hugepages_nr_2M', 'vm_hp_total_2M'],
      ['vm_hugepages_avail_2M', 'vm_hp_avail_2M'],
      ['vm_hugepages_nr_1G', 'vm_hp_total_1G'],
      ['vm_hugepages_avail_1G', 'vm_hp_avail_1G'],
      ['page_sizes', 'hugepage_sizes'],
    ],
  );
  section('Ports');
  ctx.list(
    inv.ports.map((p) => ({ ...p, ids: p.pvendor && p.pdevice ? `${p.pvendor}:${p.pdevice}` : null })),
    [
      ['name', 'name'],
      ['type', 'type'],
      ['mac', 'mac address'],
      ['pciaddr', 'pci address'],
      ['numa_node', 'processor'],
      ['driver', 'driver'],
      ['speed', 'speed'],
      ['mtu', 'mtu'],
      ['operstate', 'operstate'],
      ['sriov_totalvfs', 'sriov_totalvfs'],
      ['ids', 'device id'],
    ],
  );
  section('Disks');
  ctx.list(inv.disks as unknown as Rec[], [
    ['device_node', 'device_node'],
    ['device_type', 'device_type'],
    ['size_mib', 'size_mib'],
    ['serial_id', 'serial_id'],
    ['model', 'model'],
    ['device_path', 'device_path'],
  ]);
  section('PCI devices');
  ctx.list(inv.pci_devices as unknown as Rec[], [
    ['pciaddr', 'address'],
    ['pclass_id', 'class id'],
    ['pvendor_id', 'vendor id'],
    ['pdevice_id', 'device id'],
    ['pclass', 'class name'],
    ['kind', 'kind'],
    ['numa_node', 'numa_node'],
    ['driver', 'driver'],
    ['sriov_totalvfs', 'sriov_totalvfs'],
  ]);
  if (inv.problems.length > 0) {
    ctx.io.err(`warning: ${inv.problems.length} problem(s) reading ${root}:`);
    for (const p of inv.problems) ctx.io.err(`  ${p}`);
  }
}

/** 2048 → 2M, 1048576 → 1G, 64 → 64K. */
function kibLabel(kib: number): string {
  if (kib % 1048576 === 0) return `${kib / 1048576}G`;
  if (kib % 1024 === 0) return `${kib / 1024}M`;
  return `${kib}K`;
}
