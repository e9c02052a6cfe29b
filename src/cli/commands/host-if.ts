// `starling system host-memory-show|modify`, `host-if-*`, `addrpool-*`, `network-*`: a node's
// memory, interfaces and the site's networks, with cgtsclient's argument shapes.

import type { Command } from 'commander';
import { StarlingError } from '../../common/errors.ts';
import type { CliContext } from '../context.ts';
import { platformApi, type Host } from './platform.ts';
import type { Rec } from '../output.ts';

type Iface = Rec & {
  uuid: string;
  ifname: string;
  iftype: string;
  ifclass: string | null;
  networks: string[];
  used_by: string[];
};

const MEMORY_FIELDS = [
  'numa_node',
  'memtotal_mib',
  'platform_reserved_mib',
  'memavail_mib',
  'hugepages_configured',
  'vm_hugepages_nr_2M',
  'vm_hugepages_nr_2M_pending',
  'vm_hugepages_avail_2M',
  'vm_hugepages_possible_2M',
  'vm_hugepages_nr_1G',
  'vm_hugepages_nr_1G_pending',
  'vm_hugepages_avail_1G',
  'vm_hugepages_possible_1G',
  'vm_hugepages_use_1G',
  'uuid',
  'host_uuid',
];

const IF_FIELDS = [
  'ifname',
  'iftype',
  'ports',
  'imac',
  'imtu',
  'ifclass',
  'networks',
  'aemode',
  'txhashpolicy',
  'uuid',
  'ihost_uuid',
  'vlan_id',
  'uses',
  'used_by',
  'created_at',
  'updated_at',
  'sriov_numvfs',
  'sriov_vf_driver',
];
const POOL_FIELDS = [
  'uuid',
  'name',
  'network',
  'prefix',
  'order',
  'ranges',
  'floating_address',
  'controller0_address',
  'controller1_address',
  'gateway_address',
];
const NETWORK_FIELDS = ['id', 'uuid', 'name', 'type', 'dynamic', 'pool_uuid'];

/** cgtsclient's range spelling: start-end pairs. */
const rangesText = (ranges: unknown): string =>
  Array.isArray(ranges) ? (ranges as string[][]).map((r) => r.join('-')).join(',') : '';

export function registerHostInterfaces(system: Command, ctx: CliContext): void {
  const { api, host } = platformApi(ctx);
  const memoryOf = async (
    ref: string,
    processor: string,
  ): Promise<{ h: Host; m: Rec & { uuid: string } }> => {
    if (!/^\d+$/.test(processor))
      throw new StarlingError('USAGE', `<processor> is a NUMA node number, got '${processor}'`, {
        field: 'processor',
      });
    const h = await host(ref);
    const { imemorys } = await api<{ imemorys: (Rec & { uuid: string })[] }>(
      'GET',
      `/ihosts/${h.uuid}/imemorys`,
    );
    const m = imemorys.find((x) => x.numa_node === Number(processor));
    if (!m)
      throw new StarlingError(
        'NOT_FOUND',
        `processor not found: host ${h.hostname ?? h.uuid} processor ${processor}`,
        { field: 'processor' },
      );
    return { h, m };
  };
  const interfaces = async (h: Host): Promise<Iface[]> =>
    (await api<{ iinterfaces: Iface[] }>('GET', `/ihosts/${h.uuid}/iinterfaces`)).iinterfaces;
  const findInterface = async (h: Host, ref: string): Promise<Iface> => {
    const i = (await interfaces(h)).find((x) => x.ifname === ref || x.uuid === ref);
    if (!i)
      throw new StarlingError('NOT_FOUND', `interface not found: host ${h.hostname ?? h.uuid} if ${ref}`, {
        field: 'interface',
      });
    return i;
  };
  /** Network ids → names, for showing interfaces. */
  const withNetworkNames = async <T extends Iface>(list: T[]): Promise<T[]> => {
    if (!list.some((i) => i.networks.length > 0)) return list;
    const { networks } = await api<{ networks: { id: number; name: string }[] }>('GET', '/networks');
    return list.map((i) => ({
      ...i,
      networks: i.networks.map((id) => networks.find((n) => String(n.id) === id)?.name ?? id),
    }));
  };
  const showInterface = async (i: Iface): Promise<void> =>
    ctx.show((await withNetworkNames([i]))[0]!, IF_FIELDS);
  const int = (flag: string, v: string | undefined): string | undefined => {
    if (v !== undefined && !/^\d+$/.test(v))
      throw new StarlingError('USAGE', `${flag} must be a whole number, got '${v}'`, { field: flag });
    return v;
  };

  // --- memory -------------------------------------------------------------------------------------
  system
    .command('host-memory-show <host> <processor>')
    .description('show the memory of one processor (NUMA node) of a host')
    .action(async (ref: string, processor: string) =>
      ctx.show((await memoryOf(ref, processor)).m, MEMORY_FIELDS),
    );

  system
    .command('host-memory-modify <host> <processor>')
    .description(
      'set a processor’s application huge pages and platform memory (the host must be locked): host-memory-modify worker-0 0 -2M 1024 -1G 2',
    )
    .option('-m, --platform_reserved_mib <mib>', 'platform memory (MiB) of the processor')
    .option(
      '--hugepages_nr_2M_pending <n>',
      'number of 2M huge pages for applications (also -2M, as in StarlingX)',
    )
    .option(
      '--hugepages_nr_1G_pending <n>',
      'number of 1G huge pages for applications (also -1G, as in StarlingX)',
    )
    .option(
      '--function <f>',
      'vm (application pages, the default) or vswitch (also -f, as in StarlingX)',
      'vm',
    )
    .action(
      async (
        ref: string,
        processor: string,
        o: {
          platform_reserved_mib?: string;
          hugepages_nr_2M_pending?: string;
          hugepages_nr_1G_pending?: string;
          function: string;
        },
      ) => {
        if (o.function === 'vswitch')
          throw new StarlingError(
            'NOT_AVAILABLE',
            'vswitch huge pages need a vswitch type, and none is configured',
            { field: '--function' },
          );
        if (o.function !== 'vm')
          throw new StarlingError('USAGE', `--function must be vm or vswitch, got '${o.function}'`, {
            field: '--function',
          });
        const ops = (
          [
            ['platform_reserved_mib', int('-m', o.platform_reserved_mib)],
            ['vm_hugepages_nr_2M_pending', int('-2M', o.hugepages_nr_2M_pending)],
            ['vm_hugepages_nr_1G_pending', int('-1G', o.hugepages_nr_1G_pending)],
          ] as const
        )
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => ({ op: 'replace', path: `/${k}`, value: Number(v) }));
        if (ops.length === 0) throw new StarlingError('USAGE', 'nothing to modify: give -2M, -1G or -m');
        const { m } = await memoryOf(ref, processor);
        ctx.show(await api<Rec>('PATCH', `/imemorys/${m.uuid}`, ops), MEMORY_FIELDS);
      },
    );

  // --- interfaces ---------------------------------------------------------------------------------
  system
    .command('host-if-list <host>')
    .description(
      'list a host’s interfaces (without --all, those of class none that nothing uses are left out)',
    )
    .option('-a, --all', 'list all interfaces, including unconfigured ones')
    .action(async (ref: string, o: { all?: boolean }) => {
      const h = await host(ref);
      const list = (await withNetworkNames(await interfaces(h)))
        .filter((i) => o.all || i.ifclass !== null || i.used_by.length > 0)
        .map((i) => {
          let attrs = `MTU=${String(i.imtu)}`;
          if (i.iftype === 'ae')
            attrs += `,AE_MODE=${String(i.aemode)}${i.aemode === 'active_standby' ? '' : `,AE_XMIT_POLICY=${String(i.txhashpolicy)}`}`;
          return { ...i, attrs };
        });
      ctx.list(list, [
        ['uuid', 'uuid'],
        ['ifname', 'name'],
        ['ifclass', 'class'],
        ['iftype', 'type'],
        ['vlan_id', 'vlan id'],
        ['ports', 'ports'],
        ['uses', 'uses i/f'],
        ['used_by', 'used by i/f'],
        ['networks', 'networks'],
        ['attrs', 'attributes'],
      ]);
    });

  system
    .command('host-if-show <host> <interface>')
    .description('show an interface (name or uuid)')
    .action(async (ref: string, ifref: string) => showInterface(await findInterface(await host(ref), ifref)));

  system
    .command('host-if-add <host> <ifname> <iftype> <portsorifaces...>')
    .description(
      'add an interface (the host must be locked). <iftype> is ethernet (then give its port), ae (give its member interfaces), ' +
        'vlan (give the lower interface) or vf (give the pci-sriov interface): host-if-add worker-0 -c platform -V 11 --networks mgmt mgmt0 vlan bond0',
    )
    .option('-a, --aemode <mode>', 'AE mode: active_standby, balanced or 802.3ad')
    .option(
      '-x, --txhashpolicy <policy>',
      'AE transmit hash policy: layer2, layer2+3 or layer3+4 (balanced and 802.3ad)',
    )
    .option('-V, --vlan_id <id>', 'VLAN id, 1-4094')
    .option('-m, --imtu <mtu>', 'MTU, 576-9216 (default 1500; a VLAN or VF: its lower interface’s)')
    .option('-c, --ifclass <class>', 'class: platform, data, pci-sriov, pci-passthrough or none')
    .option('-N, --num-vfs <n>', 'number of SR-IOV VFs (pci-sriov and vf interfaces)')
    .option('--vf-driver <driver>', 'SR-IOV VF driver: netdevice or vfio')
    .option(
      '--networks <names>',
      'networks to carry, comma-separated names, ids or uuids (platform: mgmt, cluster-host, oam…; data: data networks)',
    )
    .action(
      async (
        ref: string,
        ifname: string,
        iftype: string,
        portsOrIfaces: string[],
        o: Record<string, string | undefined>,
      ) => {
        const h = await host(ref);
        const body: Record<string, unknown> = { ihost_uuid: h.uuid, ifname, iftype };
        // An Ethernet interface is made of its port; the others of interfaces (cgtsclient's portsorifaces).
        if (iftype === 'ethernet') body.ports = portsOrIfaces;
        else body.uses = portsOrIfaces;
        const map: [string, string][] = [
          ['aemode', 'aemode'],
          ['txhashpolicy', 'txhashpolicy'],
          ['vlan_id', 'vlan_id'],
          ['imtu', 'imtu'],
          ['ifclass', 'ifclass'],
          ['numVfs', 'sriov_numvfs'],
          ['vfDriver', 'sriov_vf_driver'],
          ['networks', 'networks'],
        ];
        for (const [opt, field] of map)
          if (o[opt] !== undefined)
            body[field] = field === 'networks' ? o[opt].split(',').filter(Boolean) : o[opt];
        ctx.target = `${h.hostname ?? h.uuid}:${ifname}`;
        await showInterface(await api<Iface>('POST', '/iinterfaces', body));
      },
    );

  system
    .command('host-if-modify <host> <interface>')
    .description(
      'change an interface (the host must be locked): host-if-modify worker-0 enp0s8 -c platform --networks cluster-host',
    )
    .option('-n, --ifname <name>', 'new interface name')
    .option('-m, --imtu <mtu>', 'MTU, 576-9216')
    .option('-a, --aemode <mode>', 'AE mode: active_standby, balanced or 802.3ad')
    .option('-x, --txhashpolicy <policy>', 'AE transmit hash policy: layer2, layer2+3 or layer3+4')
    .option(
      '-c, --ifclass <class>',
      'class: platform, data, pci-sriov, pci-passthrough or none (none also removes its networks)',
    )
    .option('-N, --num-vfs <n>', 'number of SR-IOV VFs')
    .option('--vf-driver <driver>', 'SR-IOV VF driver: netdevice or vfio')
    .option('--networks <names>', 'the networks it carries from now on, comma-separated ("" for none)')
    .action(async (ref: string, ifref: string, o: Record<string, string | undefined>) => {
      const map: [string, string][] = [
        ['ifname', 'ifname'],
        ['imtu', 'imtu'],
        ['aemode', 'aemode'],
        ['txhashpolicy', 'txhashpolicy'],
        ['ifclass', 'ifclass'],
        ['numVfs', 'sriov_numvfs'],
        ['vfDriver', 'sriov_vf_driver'],
        ['networks', 'networks'],
      ];
      const ops = map
        .filter(([opt]) => o[opt] !== undefined)
        .map(([opt, field]) => ({
          op: 'replace',
          path: `/${field}`,
          value: field === 'networks' ? o[opt]!.split(',').filter(Boolean) : o[opt],
        }));
      if (ops.length === 0)
        throw new StarlingError('USAGE', 'nothing to modify: give at least one option (see --help)');
      const h = await host(ref);
      const i = await findInterface(h, ifref);
      ctx.target = `${h.hostname ?? h.uuid}:${i.ifname}`;
      await showInterface(await api<Iface>('PATCH', `/iinterfaces/${i.uuid}`, ops));
    });

  system
    .command('host-if-delete <host> <interface>')
    .description(
      'delete an interface (the host must be locked; not one another interface uses, nor a port’s Ethernet interface)',
    )
    .action(async (ref: string, ifref: string) => {
      const h = await host(ref);
      const i = await findInterface(h, ifref);
      ctx.target = `${h.hostname ?? h.uuid}:${i.ifname}`;
      await api('DELETE', `/iinterfaces/${i.uuid}`);
      ctx.io.out(`Deleted interface: host ${h.hostname ?? h.uuid} if ${i.ifname}`);
    });

  // --- addresses ------------------------------------------------------------------------------------
  system
    .command('host-addr-list <host>')
    .description('list the addresses a host has from the pools (one per dynamic platform network it carries)')
    .action(async (ref: string) => {
      const h = await host(ref);
      const { addresses } = await api<{ addresses: Rec[] }>('GET', `/ihosts/${h.uuid}/addresses`);
      ctx.list(addresses, [
        ['uuid', 'uuid'],
        ['ifname', 'ifname'],
        ['address', 'address'],
        ['prefix', 'prefix'],
        ['networktype', 'network'],
      ]);
    });

  // --- address pools ------------------------------------------------------------------------------
  const poolRec = (p: Rec): Rec => ({ ...p, ranges: rangesText(p.ranges) });
  /** The pool's address options (commander's camelCase key → API field). */
  const POOL_ADDRESSES: [string, string, string][] = [
    ['--floating-address <ip>', 'floatingAddress', 'floating_address'],
    ['--controller0-address <ip>', 'controller0Address', 'controller0_address'],
    ['--controller1-address <ip>', 'controller1Address', 'controller1_address'],
    ['--gateway-address <ip>', 'gatewayAddress', 'gateway_address'],
  ];
  const poolAddressOptions = (c: Command): Command =>
    POOL_ADDRESSES.reduce((cmd, [flags, , field]) => cmd.option(flags, field.replace('_', ' ')), c);
  /** The API fields of --ranges, --order and the address options given. */
  const poolBody = (o: Record<string, string | undefined>): Record<string, unknown> => {
    const body: Record<string, unknown> = {};
    if (o.ranges !== undefined)
      body.ranges = o.ranges.split(',').map((r) => r.split('-').map((x) => x.trim()));
    if (o.order !== undefined) body.order = o.order;
    for (const [, opt, field] of POOL_ADDRESSES) if (o[opt] !== undefined) body[field] = o[opt];
    return body;
  };
  system
    .command('addrpool-list')
    .description('list IP address pools')
    .action(async () => {
      const { addrpools } = await api<{ addrpools: Rec[] }>('GET', '/addrpools');
      ctx.list(
        addrpools.map(poolRec),
        POOL_FIELDS.map((f) => [f, f]),
      );
    });
  system
    .command('addrpool-show <pool>')
    .description('show an IP address pool (uuid or name)')
    .action(async (ref: string) =>
      ctx.show(poolRec(await api<Rec>('GET', `/addrpools/${encodeURIComponent(ref)}`)), POOL_FIELDS),
    );
  const addPool = system
    .command('addrpool-add <name> <network> <prefix>')
    .description(
      'add an IP address pool, IPv4 or IPv6: addrpool-add management 192.168.204.0 24 --ranges 192.168.204.2-192.168.204.254',
    )
    .option(
      '--ranges <ranges>',
      'addresses to allocate: start-end[,start-end…] (default: the whole subnet but its first and last address)',
    )
    .option('--order <order>', 'allocation order: random (default) or sequential');
  poolAddressOptions(addPool).action(
    async (name: string, network: string, prefix: string, o: Record<string, string | undefined>) => {
      const body: Record<string, unknown> = {
        name,
        network,
        prefix: int('<prefix>', prefix),
        ...poolBody(o),
      };
      ctx.target = name;
      ctx.show(poolRec(await api<Rec>('POST', '/addrpools', body)), POOL_FIELDS);
    },
  );
  const modifyPool = system
    .command('addrpool-modify <pool>')
    .description(
      'change an IP address pool (uuid or name): addrpool-modify management --ranges 192.168.204.2-192.168.204.100',
    )
    .option('--name <name>', 'new name')
    .option('--network <network>', 'new network address (not while a network uses the pool)')
    .option('--prefix <prefix>', 'new prefix length (not while a network uses the pool)')
    .option('--ranges <ranges>', 'addresses to allocate: start-end[,start-end…]')
    .option('--order <order>', 'allocation order: random or sequential');
  poolAddressOptions(modifyPool).action(async (ref: string, o: Record<string, string | undefined>) => {
    const fields: Record<string, unknown> = poolBody(o);
    if (o.name !== undefined) fields.name = o.name;
    if (o.network !== undefined) fields.network = o.network;
    if (o.prefix !== undefined) fields.prefix = int('--prefix', o.prefix);
    if (Object.keys(fields).length === 0)
      throw new StarlingError('USAGE', 'nothing to change: give at least one option', {
        field: 'addrpool-modify',
      });
    ctx.target = ref;
    const patch = Object.entries(fields).map(([k, v]) => ({ op: 'replace', path: `/${k}`, value: v }));
    ctx.show(poolRec(await api<Rec>('PATCH', `/addrpools/${encodeURIComponent(ref)}`, patch)), POOL_FIELDS);
  });
  system
    .command('addrpool-delete <pool>')
    .description('delete an IP address pool (uuid or name) no network uses')
    .action(async (ref: string) => {
      ctx.target = ref;
      await api('DELETE', `/addrpools/${encodeURIComponent(ref)}`);
      ctx.io.out(`Deleted address pool: ${ref}`);
    });

  // --- networks -----------------------------------------------------------------------------------
  system
    .command('network-list')
    .description('list networks')
    .action(async () => {
      const { networks } = await api<{ networks: Rec[] }>('GET', '/networks');
      ctx.list(
        networks,
        NETWORK_FIELDS.map((f) => [f, f]),
      );
    });
  system
    .command('network-show <network>')
    .description('show a network (uuid, id or name)')
    .action(async (ref: string) =>
      ctx.show(await api<Rec>('GET', `/networks/${encodeURIComponent(ref)}`), NETWORK_FIELDS),
    );
  system
    .command('network-add <name> <type> <dynamic> [pool]')
    .description(
      'add a network: network-add mgmt mgmt true <pool uuid or name>. Types: mgmt, pxeboot, oam, cluster-host, cluster-pod, cluster-service, storage, admin, multicast (one each, with a pool) and data (no pool needed)',
    )
    .action(async (name: string, type: string, dynamic: string, pool: string | undefined) => {
      if (!/^(true|false)$/i.test(dynamic))
        throw new StarlingError('USAGE', `<dynamic> is true or false, got '${dynamic}'`, {
          field: 'dynamic',
        });
      let poolUuid: string | undefined;
      if (pool !== undefined)
        poolUuid = (await api<{ uuid: string }>('GET', `/addrpools/${encodeURIComponent(pool)}`)).uuid;
      ctx.target = name;
      ctx.show(
        await api<Rec>('POST', '/networks', {
          name,
          type,
          dynamic: dynamic.toLowerCase() === 'true',
          ...(poolUuid ? { pool_uuid: poolUuid } : {}),
        }),
        NETWORK_FIELDS,
      );
    });
  system
    .command('network-delete <network>')
    .description('delete a network (uuid, id or name) no interface carries')
    .action(async (ref: string) => {
      ctx.target = ref;
      await api('DELETE', `/networks/${encodeURIComponent(ref)}`);
      ctx.io.out(`Deleted Network: ${ref}`);
    });
}
