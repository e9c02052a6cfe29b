// `starling system host-*`: hosts, their inventory and labels (sysinv's cgtsclient commands).

import fs from 'node:fs/promises';
import type { Command } from 'commander';
import { StarlingError } from '../../common/errors.ts';
import type { CliContext } from '../context.ts';
import { platformApi } from './platform.ts';
import type { Rec } from '../output.ts';

const HOST_FIELDS = [
  'action',
  'administrative',
  'availability',
  'bm_ip',
  'bm_type',
  'bm_username',
  'boot_device',
  'capabilities',
  'console',
  'created_at',
  'hostname',
  'id',
  'install_output',
  'inv_state',
  'invprovision',
  'location',
  'mgmt_ip',
  'mgmt_mac',
  'operational',
  'personality',
  'rootfs_device',
  'subfunctions',
  'task',
  'updated_at',
  'uptime',
  'uuid',
];

/** host-cpu-list's columns (cgtsclient's labels), also shown after host-cpu-modify. */
const CPU_COLUMNS: [string, string][] = [
  ['uuid', 'uuid'],
  ['cpu', 'log_core'],
  ['numa_node', 'processor'],
  ['core', 'phy_core'],
  ['thread', 'thread'],
  ['cpu_model', 'processor_model'],
  ['allocated_function', 'assigned_function'],
];

export function registerHosts(system: Command, ctx: CliContext): void {
  const get = async <T>(path: string, query?: Record<string, string | undefined>): Promise<T> => (await ctx.client()).get<T>('platform', path, query);
  const { host } = platformApi(ctx);
  const patch = async (ref: string, ops: { op: string; path: string; value: unknown }[]): Promise<Rec> => {
    const h = await host(ref);
    return (await (await ctx.client()).request<Rec>('PATCH', 'platform', `/ihosts/${h.uuid}`, { body: ops })).body;
  };

  system
    .command('host-list')
    .description('list hosts')
    .option('--personality <p>', 'only controller, worker or storage hosts')
    .action(async (o: { personality?: string }) => {
      const { ihosts } = await get<{ ihosts: Rec[] }>('/ihosts', { personality: o.personality });
      ctx.list(ihosts, [
        ['id', 'id'],
        ['hostname', 'hostname'],
        ['personality', 'personality'],
        ['administrative', 'administrative'],
        ['operational', 'operational'],
        ['availability', 'availability'],
        ['task', 'task'],
      ]);
    });

  system
    .command('host-show <host>')
    .description('show a host (hostname, id or uuid)')
    .action(async (ref: string) => ctx.show(await host(ref), HOST_FIELDS));

  system
    .command('host-add')
    .description('add a host')
    .option('-n, --hostname <name>', 'host name')
    .option('-p, --personality <p>', 'controller, worker or storage')
    .option('-s, --subfunctions <list>', 'subfunctions (default from the personality)')
    .option('-m, --mgmt_mac <mac>', 'management MAC address')
    .option('-i, --mgmt_ip <ip>', 'management IP address')
    .option('-I, --bm_ip <ip>', 'BMC address')
    .option('-T, --bm_type <type>', 'BMC type: none, ipmi, redfish, dynamic')
    .option('-U, --bm_username <user>', 'BMC user')
    .option('-P, --bm_password <password>', 'BMC password (stored encrypted, never shown)')
    .option('-b, --boot_device <dev>', 'boot device, e.g. /dev/sda')
    .option('-r, --rootfs_device <dev>', 'root file system device')
    .option('-o, --install_output <o>', 'text or graphical')
    .option('-c, --console <console>', 'console, e.g. ttyS0,115200')
    .option('-l, --location <text>', 'location')
    .action(async (o: Record<string, string | undefined>) => {
      const body = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
      if (Object.keys(body).length === 0) throw new StarlingError('USAGE', 'give at least --hostname and --personality, or --mgmt_mac');
      const h = (await (await ctx.client()).request<Rec & { uuid: string; hostname: string | null }>('POST', 'platform', '/ihosts', { body })).body;
      ctx.target = h.hostname ?? h.uuid;
      ctx.show(h, HOST_FIELDS);
    });

  system
    .command('host-update <host> <attributes...>')
    .description('change host attributes: host-update worker-0 location=rack4 bm_type=ipmi …')
    .action(async (ref: string, attrs: string[]) => {
      const ops = attrs.map((a) => {
        const eq = a.indexOf('=');
        if (eq < 1) throw new StarlingError('USAGE', `'${a}' is not attribute=value`, { field: a });
        return { op: 'replace', path: `/${a.slice(0, eq)}`, value: a.slice(eq + 1) };
      });
      ctx.show(await patch(ref, ops), HOST_FIELDS);
    });

  system
    .command('host-delete <hosts...>')
    .description('delete hosts (they must be locked)')
    .action(async (refs: string[]) => {
      for (const ref of refs) {
        const h = await host(ref);
        await (await ctx.client()).request('DELETE', 'platform', `/ihosts/${h.uuid}`);
        ctx.io.out(`Deleted host ${h.hostname ?? h.uuid}`);
      }
    });

  const action = (name: string, description: string, pick: (o: { force?: boolean; unsafe?: boolean }) => string, force = false) => {
    const c = system.command(`${name} <host>`).description(description);
    if (force) c.option('-f, --force', 'force the action');
    c.action(async (ref: string, o: { force?: boolean }) => {
      ctx.show(await patch(ref, [{ op: 'replace', path: '/action', value: pick(o) }]), HOST_FIELDS);
    });
  };
  action('host-lock', 'lock a host', (o) => (o.force ? 'force-lock' : 'lock'), true);
  action('host-unlock', 'unlock a host', (o) => (o.force ? 'force-unlock' : 'unlock'), true);
  action('host-swact', 'swap the active controller', (o) => (o.force ? 'force-swact' : 'swact'), true);
  action('host-reboot', 'reboot a locked host', () => 'reboot');
  action('host-reset', 'reset a locked host through its BMC', () => 'reset');
  action('host-reinstall', 'reinstall a locked host', () => 'reinstall');
  action('host-power-on', 'power on a locked host through its BMC', () => 'power-on');
  action('host-power-off', 'power off a locked host through its BMC', () => 'power-off');

  system
    .command('host-bulk-add <file>')
    .description('add the hosts of a StarlingX hosts XML file: all of them, or none')
    .action(async (file: string) => {
      let xml: string;
      try {
        xml = await fs.readFile(file, 'utf8');
      } catch (e) {
        throw new StarlingError('USAGE', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { field: 'file' });
      }
      const r = (await (await ctx.client()).request<{ success: string; error: string; ihosts: Rec[] }>('POST', 'platform', '/ihosts/bulk_add', { raw: { body: xml, contentType: 'application/xml' } })).body;
      ctx.target = file;
      if (r.error) ctx.io.err(r.error);
      ctx.list(r.ihosts, [
        ['id', 'id'],
        ['hostname', 'hostname'],
        ['personality', 'personality'],
        ['mgmt_mac', 'mgmt_mac'],
        ['bm_type', 'bm_type'],
      ]);
    });

  system
    .command('host-bulk-export')
    .description('write all hosts in the bulk-add XML format (BMC passwords are not exported)')
    .option('--filename <file>', 'write to this file instead of standard output')
    .action(async (o: { filename?: string }) => {
      const { content } = await get<{ content: string }>('/ihosts/bulk_export');
      if (o.filename) {
        await fs.writeFile(o.filename, content);
        ctx.io.out(`Hosts written to ${o.filename}`);
      } else ctx.io.out(content);
    });

  const inventoryList = (name: string, path: string, key: string, description: string, columns: [string, string][]) =>
    system
      .command(`${name} <host>`)
      .description(description)
      .action(async (ref: string) => {
        const h = await host(ref);
        const body = await get<Record<string, Rec[]>>(`/ihosts/${h.uuid}/${path}`);
        ctx.list(body[key] ?? [], columns);
      });
  inventoryList('host-cpu-list', 'icpus', 'icpus', 'list a host’s logical CPUs', CPU_COLUMNS);
  inventoryList('host-memory-list', 'imemorys', 'imemorys', 'list a host’s memory per NUMA node', [
    ['numa_node', 'processor'],
    ['memtotal_mib', 'mem_total(MiB)'],
    ['platform_reserved_mib', 'mem_platform(MiB)'],
    ['memavail_mib', 'mem_avail(MiB)'],
    ['hugepages_configured', 'hugepages(hp)_configured'],
    ['vm_hugepages_nr_2M', 'vm_total_2M'],
    ['vm_hugepages_avail_2M', 'vm_avail_2M'],
    ['vm_hugepages_nr_1G', 'vm_total_1G'],
    ['vm_hugepages_avail_1G', 'vm_avail_1G'],
    ['vm_hugepages_nr_2M_pending', 'vm_hp_pending_2M'],
    ['vm_hugepages_nr_1G_pending', 'vm_hp_pending_1G'],
    ['vm_hugepages_use_1G', 'vm_hp_use_1G'],
  ]);
  inventoryList('host-port-list', 'ethernet_ports', 'ethernet_ports', 'list a host’s Ethernet ports', [
    ['uuid', 'uuid'],
    ['name', 'name'],
    ['mac', 'mac address'],
    ['pciaddr', 'pci address'],
    ['numa_node', 'processor'],
    ['speed', 'speed'],
    ['mtu', 'mtu'],
    ['driver', 'driver'],
    ['sriov_totalvfs', 'sriov_totalvfs'],
    ['sriov_numvfs', 'sriov_numvfs'],
  ]);
  inventoryList('host-disk-list', 'idisks', 'idisks', 'list a host’s disks', [
    ['uuid', 'uuid'],
    ['device_node', 'device_node'],
    ['device_type', 'device_type'],
    ['size_mib', 'size_mib'],
    ['available_mib', 'available_mib'],
    ['serial_id', 'serial_id'],
    ['device_path', 'device_path'],
  ]);
  inventoryList('host-device-list', 'pci_devices', 'pci_devices', 'list a host’s PCI devices (GPUs, accelerators…)', [
    ['pciaddr', 'address'],
    ['pclass_id', 'class id'],
    ['pvendor_id', 'vendor id'],
    ['pdevice_id', 'device id'],
    ['pclass', 'class'],
    ['kind', 'kind'],
    ['numa_node', 'numa_node'],
    ['driver', 'driver'],
    ['enabled', 'enabled'],
  ]);

  system
    .command('host-cpu-modify <host>')
    .description('assign physical cores per processor to a function (the host must be locked): host-cpu-modify worker-0 -f platform -p0 1')
    .requiredOption('-f, --function <f>', 'platform, shared, vswitch or application-isolated (application gets the rest)')
    .option('--p0 <cores>', 'physical cores on processor 0 (also -p0, as in StarlingX)')
    .option('--p1 <cores>', 'physical cores on processor 1 (also -p1, as in StarlingX)')
    .option('--p2 <cores>', 'physical cores on processor 2 (also -p2, as in StarlingX)')
    .option('--p3 <cores>', 'physical cores on processor 3 (also -p3, as in StarlingX)')
    .action(async (ref: string, o: { function: string; p0?: string; p1?: string; p2?: string; p3?: string }) => {
      const sockets = (['p0', 'p1', 'p2', 'p3'] as const).flatMap((k, i) => {
        const v = o[k];
        if (v === undefined) return [];
        if (!/^\d+$/.test(v)) throw new StarlingError('USAGE', `-${k} must be a number of cores, got '${v}'`, { field: `-${k}` });
        return [{ [String(i)]: Number(v) }];
      });
      if (sockets.length === 0) throw new StarlingError('USAGE', 'give the cores of at least one processor: -p0 N');
      const h = await host(ref);
      const { icpus } = (await (await ctx.client()).request<{ icpus: Rec[] }>('PUT', 'platform', `/ihosts/${h.uuid}/state/host_cpus_modify`, { body: [{ function: o.function, sockets }] })).body;
      ctx.list(icpus, CPU_COLUMNS);
    });

  system
    .command('host-label-list <host>')
    .description('list a host’s labels')
    .action(async (ref: string) => {
      const h = await host(ref);
      const { labels } = await get<{ labels: Rec[] }>(`/ihosts/${h.uuid}/labels`);
      ctx.list(labels.map((l) => ({ ...l, hostname: h.hostname })), [
        ['hostname', 'hostname'],
        ['label_key', 'label key'],
        ['label_value', 'label value'],
      ]);
    });
  system
    .command('host-label-assign <host> <labels...>')
    .description('assign labels: host-label-assign worker-0 sriov=enabled openstack-compute-node=enabled')
    .option('--overwrite', 'give a label the host already has a new value')
    .action(async (ref: string, pairs: string[], opts: { overwrite?: boolean }) => {
      const body: Record<string, string> = {};
      for (const p of pairs) {
        const eq = p.indexOf('=');
        if (eq < 1) throw new StarlingError('USAGE', `'${p}' is not key=value`, { field: p });
        body[p.slice(0, eq)] = p.slice(eq + 1);
      }
      const h = await host(ref);
      const { labels } = (await (await ctx.client()).request<{ labels: Rec[] }>('POST', 'platform', `/labels/${h.uuid}?overwrite=${opts.overwrite ? 'True' : 'False'}`, { body })).body;
      ctx.list(labels, [
        ['uuid', 'uuid'],
        ['label_key', 'label_key'],
        ['label_value', 'label_value'],
      ]);
    });
  system
    .command('host-label-remove <host> <keys...>')
    .description('remove labels by key')
    .action(async (ref: string, keys: string[]) => {
      const h = await host(ref);
      const { labels } = await get<{ labels: { uuid: string; label_key: string }[] }>(`/ihosts/${h.uuid}/labels`);
      for (const k of keys) {
        const l = labels.find((x) => x.label_key === k);
        if (!l) throw new StarlingError('NOT_FOUND', `${h.hostname ?? h.uuid} has no label ${k}`, { field: k });
        await (await ctx.client()).request('DELETE', 'platform', `/labels/${l.uuid}`);
        ctx.io.out(`Deleted host label ${k} for host ${h.hostname ?? h.uuid}`);
      }
    });
}
