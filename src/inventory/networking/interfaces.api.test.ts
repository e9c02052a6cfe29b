// A node's configuration as an operator sets it through sysinv's API and the CLI: address pools
// and networks, a locked worker's two ports bonded with a VLAN carrying mgmt, huge pages per
// NUMA node; StarlingX's refusals named, and nothing half-written.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startSite, type TestSite } from '../../../test/support/site.ts';
import { runCli } from '../../cli/index.ts';

const WORKER_MAC = '08:00:27:10:00:01';
const workerInventory = (ports = ['enp0s3', 'enp0s8']) => ({
  icpus: [0, 1, 2, 3].map((cpu) => ({ cpu, core: cpu, thread: 0, numa_node: cpu >> 1 })),
  imemorys: [
    {
      numa_node: 0,
      memtotal_mib: 16_384,
      memavail_mib: 14_000,
      vm_hugepages_nr_2M: 0,
      vm_hugepages_avail_2M: 0,
      vm_hugepages_nr_1G: 0,
      vm_hugepages_avail_1G: 0,
      vm_hugepages_use_1G: true,
    },
    {
      numa_node: 1,
      memtotal_mib: 8_192,
      memavail_mib: 7_000,
      vm_hugepages_nr_2M: 0,
      vm_hugepages_avail_2M: 0,
      vm_hugepages_nr_1G: 0,
      vm_hugepages_avail_1G: 0,
    },
  ],
  ethernet_ports: ports.map((name, i) => ({
    name,
    mac: `08:00:27:10:00:0${i + 1}`,
    mtu: 1500,
    speed: 10_000,
    pciaddr: `0000:00:0${i + 3}.0`,
    driver: 'ixgbe',
    sriov_totalvfs: 8,
  })),
});

describe('node configuration (sysinv addrpools, networks, iinterfaces, imemorys)', () => {
  let site: TestSite;
  let token: string;
  let env: Record<string, string>;
  const call = (method: string, path: string, body?: unknown) =>
    site.call(method, path, { token, ...(body === undefined ? {} : { body }) });
  const ifaces = async (host = 'worker-0') =>
    (await call('GET', `/v1/ihosts/${host}/iinterfaces`)).body.iinterfaces as any[];
  const ifByName = async (name: string, host = 'worker-0') =>
    (await ifaces(host)).find((i) => i.ifname === name);
  async function cli(args: string[]): Promise<{ code: number; out: string }> {
    const out: string[] = [];
    const code = await runCli(args, { out: (t) => out.push(t), err: (t) => out.push(t) }, env);
    return { code, out: out.join('\n') };
  }

  beforeAll(async () => {
    site = await startSite();
    token = await site.token();
    env = { OS_AUTH_URL: `${site.url}/v3`, OS_USERNAME: 'admin', OS_PASSWORD: ADMIN_PASSWORD };
    // controller-0 (unlocked, as `starling up` registers it), then a worker discovered and provisioned.
    expect(
      (
        await call('POST', '/v1/agents/register', {
          mgmt_mac: '08:00:27:00:00:10',
          bootstrap_controller: true,
          inventory: workerInventory(['enp0s3']),
        })
      ).status,
    ).toBe(200);
    const sys = (await call('GET', '/v1/isystems')).body.isystems[0];
    await call('PATCH', `/v1/isystems/${sys.uuid}`, [
      { op: 'replace', path: '/system_mode', value: 'duplex' },
    ]);
    const w = await call('POST', '/v1/agents/register', {
      mgmt_mac: WORKER_MAC,
      inventory: workerInventory(),
    });
    expect(w.status).toBe(200);
    const prov = await call('PATCH', `/v1/ihosts/${w.body.uuid}`, [
      { op: 'replace', path: '/hostname', value: 'worker-0' },
      { op: 'replace', path: '/personality', value: 'worker' },
    ]);
    expect(prov.body).toMatchObject({ hostname: 'worker-0', administrative: 'locked' });
  });
  afterAll(async () => site?.stop());

  it('each discovered port has its Ethernet interface, and registering again makes no second one', async () => {
    const list = await ifaces();
    expect(list.map((i) => [i.ifname, i.iftype, i.ifclass, i.ports, i.imtu, i.imac])).toEqual([
      ['enp0s3', 'ethernet', null, ['enp0s3'], 1500, '08:00:27:10:00:01'],
      ['enp0s8', 'ethernet', null, ['enp0s8'], 1500, '08:00:27:10:00:02'],
    ]);
    const ports = (await call('GET', '/v1/ihosts/worker-0/ethernet_ports')).body.ethernet_ports as any[];
    expect(ports.map((p) => p.interface_uuid)).toEqual(list.map((i) => i.uuid));
    expect(
      (await call('POST', '/v1/agents/register', { mgmt_mac: WORKER_MAC, inventory: workerInventory() }))
        .status,
    ).toBe(200);
    expect((await ifaces()).map((i) => i.uuid)).toEqual(list.map((i) => i.uuid));
    const portsOf = (await call('GET', `/v1/iinterfaces/${list[0].uuid}/ports`)).body.ports as any[];
    expect(portsOf.map((p) => p.name)).toEqual(['enp0s3']);
  });

  it('address pools: IPv4 and IPv6, StarlingX’s default range, overlaps and bad input refused by field', async () => {
    const mgmt = await call('POST', '/v1/addrpools', {
      name: 'management',
      network: '192.168.204.0',
      prefix: 24,
      ranges: [['192.168.204.2', '192.168.204.254']],
      gateway_address: '192.168.204.1',
    });
    expect(mgmt.status).toBe(201);
    expect(mgmt.body).toMatchObject({
      name: 'management',
      network: '192.168.204.0',
      prefix: 24,
      order: 'random',
      ranges: [['192.168.204.2', '192.168.204.254']],
      gateway_address: '192.168.204.1',
    });
    const ch = await call('POST', '/v1/addrpools', {
      name: 'cluster-host-v6',
      network: 'FD02:0::',
      prefix: '64',
    });
    expect(ch.status).toBe(201);
    expect(ch.body).toMatchObject({
      network: 'fd02::',
      prefix: 64,
      ranges: [['fd02::1', 'fd02::ffff:ffff:ffff:fffe']],
    });
    const overlap = await call('POST', '/v1/addrpools', {
      name: 'rogue',
      network: '192.168.0.0',
      prefix: 16,
    });
    expect(overlap.status).toBe(409);
    expect(overlap.body.error).toMatchObject({
      field: 'network',
      message: expect.stringContaining('overlaps address pool management'),
    });
    const hostBits = await call('POST', '/v1/addrpools', { name: 'oam', network: '10.10.10.1', prefix: 24 });
    expect(hostBits.status).toBe(400);
    expect(hostBits.body.error.field).toBe('network');
    const badRange = await call('POST', '/v1/addrpools', {
      name: 'oam',
      network: '10.10.10.0',
      prefix: 24,
      ranges: [['10.10.10.2', '10.10.11.9']],
    });
    expect(badRange.body.error.field).toBe('ranges/0');
    const names = ((await call('GET', '/v1/addrpools')).body.addrpools as any[]).map((p) => p.name);
    expect(names).toEqual(['management', 'cluster-host-v6']);
    expect((await call('GET', `/v1/addrpools/${mgmt.body.uuid}`)).body.name).toBe('management');
  });

  it('networks: one per platform type, each on its own pool', async () => {
    const pools = (await call('GET', '/v1/addrpools')).body.addrpools as any[];
    const mgmt = await call('POST', '/v1/networks', {
      name: 'mgmt',
      type: 'mgmt',
      dynamic: true,
      pool_uuid: pools[0].uuid,
    });
    expect(mgmt.status).toBe(201);
    expect(mgmt.body).toMatchObject({ name: 'mgmt', type: 'mgmt', dynamic: true, pool_uuid: pools[0].uuid });
    expect(
      (
        await call('POST', '/v1/networks', {
          name: 'cluster-host',
          type: 'cluster-host',
          dynamic: 'true',
          pool_uuid: pools[1].uuid,
        })
      ).status,
    ).toBe(201);
    expect(
      (await call('POST', '/v1/networks', { name: 'physnet0', type: 'data', dynamic: false })).status,
    ).toBe(201);
    const again = await call('POST', '/v1/networks', {
      name: 'mgmt-b',
      type: 'mgmt',
      pool_uuid: pools[1].uuid,
    });
    expect(again.status).toBe(409);
    expect(again.body.error.field).toBe('type');
    const noPool = await call('POST', '/v1/networks', { name: 'oam', type: 'oam' });
    expect(noPool.status).toBe(400);
    expect(noPool.body.error.field).toBe('pool_uuid');
    const inUse = await call('DELETE', `/v1/addrpools/${pools[0].uuid}`);
    expect(inUse.status).toBe(409);
    expect(inUse.body.error.message).toContain('used by network mgmt');
    expect(
      ((await call('GET', '/v1/networks')).body.networks as any[]).map((n) => [n.id, n.name, n.type]),
    ).toEqual([
      [mgmt.body.id, 'mgmt', 'mgmt'],
      [mgmt.body.id + 1, 'cluster-host', 'cluster-host'],
      [mgmt.body.id + 2, 'physnet0', 'data'],
    ]);
  });

  it('addrpool-modify: the changed pool is checked whole; a pool a network uses keeps its subnet', async () => {
    const spare = await call('POST', '/v1/addrpools', { name: 'spare', network: '10.20.0.0', prefix: 24 });
    expect(spare.status).toBe(201);
    const patch = (ref: string, ops: unknown[]) => call('PATCH', `/v1/addrpools/${ref}`, ops);
    const changed = await patch(spare.body.uuid, [
      { op: 'replace', path: '/name', value: 'spare2' },
      { op: 'replace', path: '/ranges', value: [['10.20.0.10', '10.20.0.20']] },
      { op: 'replace', path: '/order', value: 'sequential' },
      { op: 'replace', path: '/gateway_address', value: '10.20.0.1' },
    ]);
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({
      uuid: spare.body.uuid,
      name: 'spare2',
      network: '10.20.0.0',
      ranges: [['10.20.0.10', '10.20.0.20']],
      order: 'sequential',
      gateway_address: '10.20.0.1',
      updated_at: expect.any(String),
    });
    // Refused by field, and nothing changed.
    for (const [ops, status, field] of [
      [[{ op: 'replace', path: '/ranges', value: [['10.20.0.10', '10.21.0.1']] }], 400, 'ranges/0'],
      [
        [
          { op: 'replace', path: '/network', value: '192.168.204.0' },
          { op: 'replace', path: '/ranges', value: [] },
          { op: 'remove', path: '/gateway_address' },
        ],
        409,
        'network',
      ],
      [[{ op: 'replace', path: '/name', value: 'management' }], 409, 'name'],
      [[{ op: 'replace', path: '/order', value: 'lifo' }], 400, 'order'],
      [[{ op: 'replace', path: '/colour', value: 'red' }], 400, 'colour'],
    ] as const) {
      const r = await patch(spare.body.uuid, [...ops]);
      expect([r.status, r.body.error?.field], JSON.stringify(ops)).toEqual([status, field]);
    }
    expect((await call('GET', `/v1/addrpools/${spare.body.uuid}`)).body).toMatchObject({
      name: 'spare2',
      ranges: [['10.20.0.10', '10.20.0.20']],
    });
    // A new subnet (with ranges inside it) for a pool no network uses; remove clears an address.
    const moved = await patch('spare2', [
      { op: 'replace', path: '/network', value: '10.30.0.0' },
      { op: 'replace', path: '/ranges', value: [['10.30.0.2', '10.30.0.9']] },
      { op: 'remove', path: '/gateway_address' },
    ]);
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({
      network: '10.30.0.0',
      prefix: 24,
      ranges: [['10.30.0.2', '10.30.0.9']],
      gateway_address: null,
    });
    // The management pool carries the mgmt network: its subnet stays.
    const inUse = await patch('management', [
      { op: 'replace', path: '/prefix', value: 23 },
      { op: 'replace', path: '/ranges', value: [] },
    ]);
    expect(inUse.status).toBe(409);
    expect(inUse.body.error).toMatchObject({
      field: 'prefix',
      message: expect.stringContaining('used by network mgmt'),
    });
    expect((await call('GET', '/v1/addrpools/management')).body.prefix).toBe(24);
    expect((await call('DELETE', `/v1/addrpools/${spare.body.uuid}`)).status).toBe(204);
  });

  it('a locked worker with two ports gets a bond, and a VLAN on it carrying mgmt', async () => {
    const host = (await call('GET', '/v1/ihosts/worker-0')).body;
    const bond = await call('POST', '/v1/iinterfaces', {
      ihost_uuid: host.uuid,
      ifname: 'bond0',
      iftype: 'ae',
      aemode: '802.3ad',
      txhashpolicy: 'layer2',
      uses: ['enp0s3', 'enp0s8'],
      imtu: 9000,
    });
    expect(bond.status).toBe(201);
    expect(bond.body).toMatchObject({
      ifname: 'bond0',
      iftype: 'ae',
      ifclass: null,
      aemode: '802.3ad',
      imtu: 9000,
      uses: ['enp0s3', 'enp0s8'],
      imac: '08:00:27:10:00:01',
      ihost_uuid: host.uuid,
    });
    // cgtsclient's shape: numbers as strings, uses as a list
    const vlan = await call('POST', '/v1/iinterfaces', {
      ihost_uuid: host.uuid,
      ifname: 'mgmt0',
      iftype: 'vlan',
      ifclass: 'platform',
      vlan_id: '11',
      uses: ['bond0'],
      ports: null,
      networks: ['mgmt'],
    });
    expect(vlan.status).toBe(201);
    expect(vlan.body).toMatchObject({
      ifname: 'mgmt0',
      iftype: 'vlan',
      vlan_id: 11,
      imtu: 1500,
      uses: ['bond0'],
      networktype: 'mgmt',
      imac: '08:00:27:10:00:01',
    });
    const list = await ifaces();
    expect(list.map((i) => [i.ifname, i.imtu, i.uses, i.used_by])).toEqual([
      ['bond0', 9000, ['enp0s3', 'enp0s8'], ['mgmt0']],
      ['enp0s3', 9000, [], ['bond0']],
      ['enp0s8', 9000, [], ['bond0']],
      ['mgmt0', 1500, ['bond0'], []],
    ]);
    expect((await call('GET', `/v1/iinterfaces/${vlan.body.uuid}`)).body.networks).toEqual([
      String((await call('GET', '/v1/networks/mgmt')).body.id),
    ]);
    // The mgmt network is dynamic: the host got an address from its pool, on the VLAN.
    const { addresses } = (await call('GET', '/v1/ihosts/worker-0/addresses')).body as { addresses: any[] };
    expect(addresses).toEqual([
      expect.objectContaining({
        ifname: 'mgmt0',
        interface_uuid: vlan.body.uuid,
        networktype: 'mgmt',
        prefix: 24,
        name: 'worker-0-mgmt',
      }),
    ]);
    const last = Number(addresses[0].address.split('.')[3]);
    expect(addresses[0].address.startsWith('192.168.204.')).toBe(true);
    expect(last >= 2 && last <= 254).toBe(true); // the pool's range; .1 is its gateway
    expect((await call('GET', `/v1/addresses/${addresses[0].uuid}`)).body.address).toBe(addresses[0].address);
    expect((await call('GET', '/v1/ihosts/worker-0')).body.mgmt_ip).toBe(addresses[0].address);
    // The pool cannot shrink away from an address it gave.
    const other = last === 250 ? 251 : 250;
    const shrink = await call('PATCH', '/v1/addrpools/management', [
      { op: 'replace', path: '/ranges', value: [[`192.168.204.${other}`, `192.168.204.${other}`]] },
    ]);
    expect([shrink.status, shrink.body.error?.field]).toEqual([409, 'ranges']);
    expect(shrink.body.error.message).toContain(addresses[0].address);
    // A pool with no address left to give: the interface is refused, naming networks, and not made.
    const tiny = await call('POST', '/v1/addrpools', {
      name: 'tiny',
      network: '10.50.0.0',
      prefix: 30,
      ranges: [['10.50.0.1', '10.50.0.1']],
      gateway_address: '10.50.0.1',
    });
    expect(tiny.status).toBe(201);
    const storage = await call('POST', '/v1/networks', {
      name: 'storage',
      type: 'storage',
      dynamic: true,
      pool_uuid: tiny.body.uuid,
    });
    expect(storage.status).toBe(201);
    const none = await call('POST', '/v1/iinterfaces', {
      ihost_uuid: host.uuid,
      ifname: 'stor0',
      iftype: 'vlan',
      ifclass: 'platform',
      vlan_id: 12,
      uses: ['bond0'],
      networks: ['storage'],
    });
    expect([none.status, none.body.error?.field]).toEqual([409, 'networks']);
    expect(none.body.error.message).toContain('address pool tiny has no free address left for worker-0');
    expect((await ifaces()).map((i) => i.ifname)).not.toContain('stor0');
    expect((await call('DELETE', `/v1/networks/${storage.body.uuid}`)).status).toBe(204);
    expect((await call('DELETE', `/v1/addrpools/${tiny.body.uuid}`)).status).toBe(204);
  });

  it.each([
    [
      'the same VLAN id on bond0',
      { ifname: 'ch0', iftype: 'vlan', ifclass: 'platform', vlan_id: 11, uses: ['bond0'] },
      'vlan_id',
    ],
    [
      'a VLAN id of 0',
      { ifname: 'ch0', iftype: 'vlan', ifclass: 'platform', vlan_id: 0, uses: ['bond0'] },
      'vlan_id',
    ],
    [
      'a VLAN with a larger MTU than bond0',
      { ifname: 'ch0', iftype: 'vlan', ifclass: 'platform', vlan_id: 12, uses: ['bond0'], imtu: 9216 },
      'imtu',
    ],
    [
      'a taken name',
      { ifname: 'mgmt0', iftype: 'vlan', ifclass: 'platform', vlan_id: 12, uses: ['bond0'] },
      'ifname',
    ],
    ['a port another interface has', { ifname: 'eth9', iftype: 'ethernet', ports: ['enp0s3'] }, 'ports'],
    [
      'a bond of a bond member',
      { ifname: 'bond1', iftype: 'ae', aemode: 'active_standby', uses: ['enp0s8'] },
      'uses',
    ],
    [
      'mgmt on a second interface',
      {
        ifname: 'ch0',
        iftype: 'vlan',
        ifclass: 'platform',
        vlan_id: 12,
        uses: ['bond0'],
        networks: ['mgmt'],
      },
      'networks',
    ],
    [
      'a data network on a platform VLAN',
      {
        ifname: 'ch0',
        iftype: 'vlan',
        ifclass: 'platform',
        vlan_id: 12,
        uses: ['bond0'],
        networks: ['physnet0'],
      },
      'networks',
    ],
    [
      'an MTU of 100',
      { ifname: 'ch0', iftype: 'vlan', ifclass: 'platform', vlan_id: 12, uses: ['bond0'], imtu: 100 },
      'imtu',
    ],
    [
      'a host that does not exist',
      {
        ifname: 'ch0',
        iftype: 'vlan',
        ifclass: 'platform',
        vlan_id: 12,
        uses: ['bond0'],
        ihost_uuid: 'worker-9',
      },
      'ihost_uuid',
    ],
  ])('refuses %s (400, field named, nothing written)', async (_, body, field) => {
    const host = (await call('GET', '/v1/ihosts/worker-0')).body;
    const before = await ifaces();
    const r = await call('POST', '/v1/iinterfaces', { ihost_uuid: host.uuid, ...body });
    expect(r.status).toBe(400);
    expect(r.body.error.field).toBe(field);
    expect(await ifaces()).toEqual(before);
  });

  it('modify: a bond’s MTU reaches its members but cannot drop below its VLAN’s; a bond in use cannot be deleted', async () => {
    const bond = await ifByName('bond0');
    const ok = await call('PATCH', `/v1/iinterfaces/${bond.uuid}`, [
      { op: 'replace', path: '/imtu', value: '1600' },
    ]);
    expect(ok.status).toBe(200);
    expect((await ifaces()).filter((i) => i.ifname.startsWith('enp')).map((i) => i.imtu)).toEqual([
      1600, 1600,
    ]);
    const low = await call('PATCH', `/v1/iinterfaces/${bond.uuid}`, [
      { op: 'replace', path: '/imtu', value: 1400 },
    ]);
    expect(low.status).toBe(400);
    expect(low.body.error).toMatchObject({ field: 'imtu', message: expect.stringContaining('mgmt0') });
    const del = await call('DELETE', `/v1/iinterfaces/${bond.uuid}`);
    expect(del.status).toBe(400);
    expect(del.body.error).toMatchObject({
      field: 'used_by',
      message: expect.stringContaining('used by mgmt0'),
    });
    const portIf = await call('DELETE', `/v1/iinterfaces/${(await ifByName('enp0s3')).uuid}`);
    expect(portIf.status).toBe(400);
    expect((await ifByName('bond0')).imtu).toBe(1600);
  });

  it('an unlocked host’s interfaces and memory do not change', async () => {
    const c0 = (await ifaces('controller-0'))[0];
    const r = await call('PATCH', `/v1/iinterfaces/${c0.uuid}`, [
      { op: 'replace', path: '/imtu', value: 9000 },
    ]);
    expect(r.status).toBe(409);
    expect(r.body.error).toMatchObject({
      error_code: 'HOST_NOT_LOCKED',
      message: expect.stringContaining('controller-0 must be locked'),
    });
    const mem = (await call('GET', '/v1/ihosts/controller-0/imemorys')).body.imemorys[0];
    const m = await call('PATCH', `/v1/imemorys/${mem.uuid}`, [
      { op: 'replace', path: '/vm_hugepages_nr_2M_pending', value: 10 },
    ]);
    expect(m.status).toBe(409);
    expect(m.body.error.error_code).toBe('HOST_NOT_LOCKED');
  });

  it('networks assigned to an interface cannot be deleted until the interface leaves them', async () => {
    const mgmtNet = (await call('GET', '/v1/networks/mgmt')).body;
    const busy = await call('DELETE', `/v1/networks/${mgmtNet.uuid}`);
    expect(busy.status).toBe(409);
    expect(busy.body.error.message).toContain('worker-0:mgmt0');
    const vlan = await ifByName('mgmt0');
    const moved = await call('PATCH', `/v1/iinterfaces/${vlan.uuid}`, [
      { op: 'replace', path: '/networks', value: ['cluster-host'] },
    ]);
    expect(moved.body).toMatchObject({ networktype: 'cluster-host' });
    // The mgmt address went back to its pool; cluster-host's (IPv6, random) came with the network.
    const { addresses } = (await call('GET', '/v1/ihosts/worker-0/addresses')).body as { addresses: any[] };
    expect(addresses.map((a) => [a.networktype, a.ifname, a.prefix])).toEqual([
      ['cluster-host', 'mgmt0', 64],
    ]);
    expect(addresses[0].address).toMatch(/^fd02::/);
    expect((await call('GET', '/v1/ihosts/worker-0')).body.mgmt_ip).toBeNull();
    const add = await call('POST', '/v1/networks', { name: 'oam', type: 'oam', pool_uuid: 'no-such-pool' });
    expect(add.body.error.field).toBe('pool_uuid');
    expect((await call('DELETE', `/v1/networks/${mgmtNet.uuid}`)).status).toBe(204);
    expect((await call('DELETE', `/v1/addrpools/${mgmtNet.pool_uuid}`)).status).toBe(204);
    // a pool that no longer overlaps anything can now take the space
    expect(
      (await call('POST', '/v1/addrpools', { name: 'management', network: '192.168.204.0', prefix: 24 }))
        .status,
    ).toBe(201);
  });

  it('memory: huge pages within the node are pending, beyond it or 1G where unsupported are refused by field', async () => {
    const [n0, n1] = (await call('GET', '/v1/ihosts/worker-0/imemorys')).body.imemorys as any[];
    expect(n0).toMatchObject({
      numa_node: 0,
      vm_hugepages_use_1G: true,
      vm_hugepages_possible_2M: 8192,
      vm_hugepages_possible_1G: 16,
    });
    const ok = await call('PATCH', `/v1/imemorys/${n0.uuid}`, [
      { op: 'replace', path: '/platform_reserved_mib', value: '2048' },
      { op: 'replace', path: '/vm_hugepages_nr_1G_pending', value: '10' },
      { op: 'replace', path: '/vm_hugepages_nr_2M_pending', value: 2048 },
    ]);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      platform_reserved_mib: 2048,
      vm_hugepages_nr_1G_pending: 10,
      vm_hugepages_nr_2M_pending: 2048,
      vm_hugepages_nr_1G: 0,
    });
    const beyond = await call('PATCH', `/v1/imemorys/${n0.uuid}`, [
      { op: 'replace', path: '/vm_hugepages_nr_2M_pending', value: 2049 },
    ]);
    expect(beyond.status).toBe(400);
    expect(beyond.body.error).toMatchObject({
      field: '/vm_hugepages_nr_2M_pending',
      message: expect.stringContaining('do not fit'),
    });
    const no1G = await call('PATCH', `/v1/imemorys/${n1.uuid}`, [
      { op: 'replace', path: '/vm_hugepages_nr_1G_pending', value: 1 },
    ]);
    expect(no1G.status).toBe(400);
    expect(no1G.body.error).toMatchObject({
      field: '/vm_hugepages_nr_1G_pending',
      message: expect.stringContaining('does not support 1G'),
    });
    const negative = await call('PATCH', `/v1/imemorys/${n1.uuid}`, [
      { op: 'replace', path: '/platform_reserved_mib', value: -5 },
    ]);
    expect(negative.body.error.field).toBe('/platform_reserved_mib');
    const other = await call('PATCH', `/v1/imemorys/${n1.uuid}`, [
      { op: 'replace', path: '/memtotal_mib', value: 99_999 },
    ]);
    expect(other.body.error.field).toBe('/memtotal_mib');
    expect((await call('GET', `/v1/imemorys/${n0.uuid}`)).body).toMatchObject({
      vm_hugepages_nr_2M_pending: 2048,
      vm_hugepages_nr_1G_pending: 10,
    });
    // the agent reporting again keeps what the operator asked for
    await call('POST', '/v1/agents/register', { mgmt_mac: WORKER_MAC, inventory: workerInventory() });
    expect((await call('GET', `/v1/imemorys/${n0.uuid}`)).body).toMatchObject({
      platform_reserved_mib: 2048,
      vm_hugepages_nr_2M_pending: 2048,
    });
  });

  it('CLI: addrpool-*, network-*, host-if-*, host-memory-* round trips', async () => {
    const pool = await cli([
      'system',
      'addrpool-add',
      'oam',
      '10.10.10.0',
      '24',
      '--ranges',
      '10.10.10.2-10.10.10.100',
      '--gateway-address',
      '10.10.10.1',
    ]);
    expect(pool.code, pool.out).toBe(0);
    expect(pool.out).toMatch(/\| ranges +\| 10\.10\.10\.2-10\.10\.10\.100 +\|/);
    const net = await cli(['system', 'network-add', 'oam', 'oam', 'false', 'oam']);
    expect(net.code, net.out).toBe(0);
    expect((await cli(['system', 'network-list'])).out).toMatch(/\| oam +\| oam +\| false +\|/);
    const overlap = await cli(['system', 'addrpool-add', 'oam2', '10.10.0.0', '16']);
    expect(overlap.code).toBe(1);
    expect(overlap.out).toContain('overlaps address pool oam');
    const modified = await cli([
      'system',
      'addrpool-modify',
      'oam',
      '--ranges',
      '10.10.10.2-10.10.10.50',
      '--floating-address',
      '10.10.10.3',
    ]);
    expect(modified.code, modified.out).toBe(0);
    expect(modified.out).toMatch(/\| ranges +\| 10\.10\.10\.2-10\.10\.10\.50 +\|/);
    expect(modified.out).toMatch(/\| floating_address +\| 10\.10\.10\.3 +\|/);
    const subnetInUse = await cli(['system', 'addrpool-modify', 'oam', '--prefix', '23']);
    expect(subnetInUse.code).toBe(1);
    expect(subnetInUse.out).toContain('used by network oam');
    expect((await cli(['system', 'addrpool-modify', 'oam'])).code).toBe(2);
    const addrs = await cli(['system', 'host-addr-list', 'worker-0']);
    expect(addrs.code, addrs.out).toBe(0);
    expect(addrs.out).toMatch(/\| mgmt0 +\| fd02::[0-9a-f:]+ +\| 64 +\| cluster-host +\|/);

    const oamOnWorker = await cli([
      'system',
      'host-if-add',
      'worker-0',
      '-c',
      'platform',
      '-V',
      '22',
      '--networks',
      'oam',
      'oam0',
      'vlan',
      'bond0',
    ]);
    expect(oamOnWorker.code).toBe(1);
    expect(oamOnWorker.out).toContain('the oam network is for controllers only (networks)');
    const data = await cli([
      'system',
      'host-if-add',
      'worker-0',
      '-c',
      'data',
      '-V',
      '22',
      '--networks',
      'physnet0',
      'data0',
      'vlan',
      'bond0',
    ]);
    expect(data.code, data.out).toBe(0);
    expect(data.out).toMatch(/\| vlan_id +\| 22 +\|/);
    expect(data.out).toMatch(/\| networks +\| \["physnet0"\] +\|/);
    const list = await cli(['system', 'host-if-list', 'worker-0']);
    expect(list.out).toMatch(
      /\| bond0 +\| None +\| ae +\| None +\| \[\] +\| \["enp0s3","enp0s8"\] +\| \["data0","mgmt0"\] +\| \[\] +\| MTU=1600,AE_MODE=802\.3ad,AE_XMIT_POLICY=layer2 +\|/,
    );
    expect(list.out).toMatch(/\| data0 +\| data +\| vlan +\| 22 +\|/);
    expect((await cli(['system', 'host-if-modify', 'worker-0', 'data0', '-m', '1500'])).code).toBe(0);
    const tooBig = await cli(['system', 'host-if-modify', 'worker-0', 'data0', '-m', '9000']);
    expect(tooBig.code).toBe(1);
    expect(tooBig.out).toContain("cannot exceed its lower interface's (bond0: 1600)");
    const del = await cli(['system', 'host-if-delete', 'worker-0', 'data0']);
    expect(del.out).toBe('Deleted interface: host worker-0 if data0');
    expect((await ifByName('data0')) ?? null).toBeNull();

    const mem = await cli(['system', 'host-memory-modify', 'worker-0', '1', '-2M', '1024', '-m', '1000']);
    expect(mem.code, mem.out).toBe(0);
    expect(mem.out).toMatch(/\| vm_hugepages_nr_2M_pending +\| 1024 +\|/);
    expect(mem.out).toMatch(/\| platform_reserved_mib +\| 1000 +\|/);
    const g1 = await cli(['system', 'host-memory-modify', 'worker-0', '1', '-1G', '1']);
    expect(g1.code).toBe(1);
    expect(g1.out).toContain('processor 1 does not support 1G huge pages');
    expect(
      (await cli(['system', 'host-memory-modify', 'worker-0', '0', '-f', 'vswitch', '-2M', '1'])).out,
    ).toContain('vswitch huge pages need a vswitch type');
    expect((await cli(['system', 'host-memory-show', 'worker-0', '0'])).out).toMatch(
      /\| vm_hugepages_nr_1G_pending +\| 10 +\|/,
    );
    expect((await cli(['system', 'host-memory-show', 'worker-0', '7'])).out).toContain('processor not found');
    const help = await cli(['system', 'host-if-add', '--help']);
    expect(help.out).toContain('<portsorifaces...>');
    expect(help.out).toContain('--vlan_id <id>');
  });

  it('deleting the locked worker removes its interfaces with it', async () => {
    const uuids = (await ifaces()).map((i) => i.uuid);
    const del = await call('DELETE', '/v1/ihosts/worker-0');
    expect(del.status, JSON.stringify(del.body)).toBe(204);
    for (const u of uuids) expect((await call('GET', `/v1/iinterfaces/${u}`)).status).toBe(404);
  });
});
