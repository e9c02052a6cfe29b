import { describe, expect, it } from 'vitest';
import { StarlingError } from '../../../common/errors.ts';
import {
  checkInterfaceDelete,
  interfaceView,
  planInterfaceChange,
  planNewInterface,
  type HostNetworking,
  type Iface,
  type Network,
  type Port,
} from './interfaces.ts';

// Test data: a locked worker with two ports (eth0, eth1; eth1 has SR-IOV), each with its Ethernet
// interface of class none, and the site's networks.
const port = (name: string, extra: Partial<Port> = {}): Port => ({
  uuid: `port-${name}`,
  name,
  mac: `08:00:27:00:00:0${name.slice(-1)}`,
  sriov_totalvfs: null,
  driver: 'e1000',
  ...extra,
});
const ethernet = (name: string, extra: Partial<Iface> = {}): Iface => ({
  uuid: `if-${name}`,
  ifname: name,
  iftype: 'ethernet',
  ifclass: null,
  imtu: 1500,
  aemode: null,
  txhashpolicy: null,
  vlan_id: null,
  sriov_numvfs: null,
  sriov_vf_driver: null,
  uses: [],
  ports: [`port-${name}`],
  networks: [],
  ...extra,
});
const networks: Network[] = [
  { uuid: 'net-mgmt', id: 1, name: 'mgmt', type: 'mgmt' },
  { uuid: 'net-ch', id: 2, name: 'cluster-host', type: 'cluster-host' },
  { uuid: 'net-oam', id: 3, name: 'oam', type: 'oam' },
  { uuid: 'net-data', id: 4, name: 'physnet0', type: 'data' },
  { uuid: 'net-pod', id: 5, name: 'cluster-pod', type: 'cluster-pod' },
];
const worker = (
  interfaces: Iface[] = [ethernet('eth0'), ethernet('eth1'), ethernet('eth2')],
): HostNetworking => ({
  host: { hostname: 'worker-0', personality: 'worker', subfunctions: 'worker' },
  interfaces,
  ports: [port('eth0'), port('eth1', { sriov_totalvfs: 8, driver: 'ixgbe' }), port('eth2')],
  networks,
});

/** Applies a plan to the site, as the service stores it. */
function apply(site: HostNetworking, plan: ReturnType<typeof planNewInterface>): HostNetworking {
  const rest = site.interfaces
    .filter((i) => i.uuid !== plan.iface.uuid)
    .map((i) => ({ ...i, imtu: plan.mtu.find((m) => m.uuid === i.uuid)?.imtu ?? i.imtu }));
  return { ...site, interfaces: [...rest, plan.iface] };
}

function refusal(fn: () => unknown): { field?: string; message: string } {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(StarlingError);
    expect((e as StarlingError).code).toBe('VALIDATION_FAILED');
    return { field: (e as StarlingError).field, message: (e as StarlingError).message };
  }
  throw new Error('expected a refusal');
}

/** The operator's story: a bond of both ports, a VLAN on it carrying mgmt. */
function bondAndVlan(): HostNetworking {
  let site = worker();
  site = apply(
    site,
    planNewInterface(
      {
        ifname: 'bond0',
        iftype: 'ae',
        aemode: '802.3ad',
        txhashpolicy: 'layer2',
        uses: ['eth0', 'eth1'],
        imtu: '9000',
      },
      site,
      'if-bond0',
    ),
  );
  site = apply(
    site,
    planNewInterface(
      {
        ifname: 'mgmt0',
        iftype: 'vlan',
        ifclass: 'platform',
        vlan_id: 11,
        uses: 'bond0',
        networks: ['mgmt'],
      },
      site,
      'if-mgmt0',
    ),
  );
  return site;
}

describe('interfaces: a bond with a VLAN carrying mgmt', () => {
  it('builds the bond (members take its MTU) and the VLAN (its lower’s MTU), and shows them as sysinv does', () => {
    const site = bondAndVlan();
    const bond = site.interfaces.find((i) => i.ifname === 'bond0')!;
    expect(bond).toMatchObject({
      iftype: 'ae',
      aemode: '802.3ad',
      txhashpolicy: 'layer2',
      imtu: 9000,
      uses: ['if-eth0', 'if-eth1'],
    });
    expect(site.interfaces.filter((i) => bond.uses.includes(i.uuid)).map((i) => i.imtu)).toEqual([
      9000, 9000,
    ]);
    const vlan = site.interfaces.find((i) => i.ifname === 'mgmt0')!;
    expect(vlan).toMatchObject({ vlan_id: 11, imtu: 1500, networks: ['net-mgmt'] });
    expect(interfaceView(bond, site)).toMatchObject({
      uses: ['eth0', 'eth1'],
      used_by: ['mgmt0'],
      imac: '08:00:27:00:00:00',
      ports: [],
    });
    expect(interfaceView(vlan, site)).toMatchObject({
      uses: ['bond0'],
      used_by: [],
      networks: ['1'],
      networktype: 'mgmt',
      imac: '08:00:27:00:00:00',
    });
    expect(
      interfaceView(
        site.interfaces.find((i) => i.ifname === 'eth0')!,
        site,
      ),
    ).toMatchObject({ ports: ['eth0'], used_by: ['bond0'] });
  });

  it.each([
    [
      'a second interface named like one',
      { ifname: 'bond0', iftype: 'vlan', ifclass: 'platform', vlan_id: 12, uses: ['bond0'] },
      'ifname',
      'already has an interface named bond0',
    ],
    [
      'an upper-case name',
      { ifname: 'Data0', iftype: 'vlan', ifclass: 'data', vlan_id: 12, uses: ['bond0'] },
      'ifname',
      'lower-case',
    ],
    [
      'a name too long',
      { ifname: 'averylongname', iftype: 'ae', aemode: 'active_standby', uses: ['eth2'] },
      'ifname',
      'longer than 10',
    ],
    [
      'the same VLAN id on the same lower interface',
      { ifname: 'ch0', iftype: 'vlan', ifclass: 'platform', vlan_id: 11, uses: ['bond0'] },
      'vlan_id',
      'already in use on bond0',
    ],
    [
      'a VLAN id out of range',
      { ifname: 'ch0', iftype: 'vlan', ifclass: 'platform', vlan_id: 4095, uses: ['bond0'] },
      'vlan_id',
      '1-4094',
    ],
    [
      'a VLAN without vlan_id',
      { ifname: 'ch0', iftype: 'vlan', ifclass: 'platform', uses: ['bond0'] },
      'vlan_id',
      'needs a vlan_id',
    ],
    [
      'a VLAN on two lower interfaces',
      { ifname: 'ch0', iftype: 'vlan', ifclass: 'platform', vlan_id: 12, uses: ['bond0', 'eth2'] },
      'uses',
      'exactly one',
    ],
    [
      'a VLAN over a VLAN',
      { ifname: 'ch0', iftype: 'vlan', ifclass: 'platform', vlan_id: 12, uses: ['mgmt0'] },
      'uses',
      'over VLAN',
    ],
    [
      'a VLAN over a bond member',
      { ifname: 'ch0', iftype: 'vlan', ifclass: 'platform', vlan_id: 12, uses: ['eth0'] },
      'uses',
      'member of AE interface bond0',
    ],
    [
      'a VLAN of class none',
      { ifname: 'ch0', iftype: 'vlan', vlan_id: 12, uses: ['bond0'] },
      'ifclass',
      'needs a class',
    ],
    [
      'a VLAN MTU above its lower’s',
      { ifname: 'ch0', iftype: 'vlan', ifclass: 'platform', vlan_id: 12, uses: ['bond0'], imtu: 9216 },
      'imtu',
      'cannot exceed',
    ],
    [
      'an MTU below 576',
      { ifname: 'ch0', iftype: 'vlan', ifclass: 'platform', vlan_id: 12, uses: ['bond0'], imtu: 500 },
      'imtu',
      '576-9216',
    ],
    [
      'an MTU that is no number',
      { ifname: 'ch0', iftype: 'vlan', ifclass: 'platform', vlan_id: 12, uses: ['bond0'], imtu: 'big' },
      'imtu',
      'whole number',
    ],
    [
      'a port already used',
      { ifname: 'eth0b', iftype: 'ethernet', ports: ['eth2'] },
      'ports',
      'already used by interface eth2',
    ],
    ['an unknown port', { ifname: 'eth9', iftype: 'ethernet', ports: ['eth9'] }, 'ports', 'no port eth9'],
    [
      'an unknown lower interface',
      { ifname: 'ch0', iftype: 'vlan', ifclass: 'platform', vlan_id: 12, uses: ['bond7'] },
      'uses',
      'no interface bond7',
    ],
    [
      'a bond member already in a bond',
      { ifname: 'bond1', iftype: 'ae', aemode: 'active_standby', uses: ['eth0'] },
      'uses',
      'already used by AE interface bond0',
    ],
    [
      'a bond without members',
      { ifname: 'bond1', iftype: 'ae', aemode: 'active_standby' },
      'uses',
      'at least one member',
    ],
    [
      'a bond of a VLAN',
      { ifname: 'bond1', iftype: 'ae', aemode: 'active_standby', uses: ['mgmt0'] },
      'uses',
      'Ethernet interfaces',
    ],
    ['a bond without aemode', { ifname: 'bond1', iftype: 'ae', uses: ['eth2'] }, 'aemode', 'needs an aemode'],
    [
      'an unknown aemode',
      { ifname: 'bond1', iftype: 'ae', aemode: 'roundrobin', uses: ['eth2'] },
      'aemode',
      'active_standby, balanced, 802.3ad',
    ],
    [
      'a balanced bond without hash policy',
      { ifname: 'bond1', iftype: 'ae', aemode: 'balanced', uses: ['eth2'] },
      'txhashpolicy',
      'needs a txhashpolicy',
    ],
    [
      'an active_standby bond with a hash policy',
      { ifname: 'bond1', iftype: 'ae', aemode: 'active_standby', txhashpolicy: 'layer2', uses: ['eth2'] },
      'txhashpolicy',
      'takes no txhashpolicy',
    ],
    [
      'a data network on a platform interface',
      {
        ifname: 'ch0',
        iftype: 'vlan',
        ifclass: 'platform',
        vlan_id: 12,
        uses: ['bond0'],
        networks: ['physnet0'],
      },
      'networks',
      'needs an interface of class data',
    ],
    [
      'mgmt twice on one host',
      {
        ifname: 'ch0',
        iftype: 'vlan',
        ifclass: 'platform',
        vlan_id: 12,
        uses: ['bond0'],
        networks: ['mgmt'],
      },
      'networks',
      'already on interface mgmt0',
    ],
    [
      'oam on a worker',
      {
        ifname: 'oam0',
        iftype: 'vlan',
        ifclass: 'platform',
        vlan_id: 12,
        uses: ['bond0'],
        networks: ['oam'],
      },
      'networks',
      'controllers only',
    ],
    [
      'a network not for interfaces',
      {
        ifname: 'ch0',
        iftype: 'vlan',
        ifclass: 'platform',
        vlan_id: 12,
        uses: ['bond0'],
        networks: ['cluster-pod'],
      },
      'networks',
      'not assigned to interfaces',
    ],
    [
      'an unknown network',
      {
        ifname: 'ch0',
        iftype: 'vlan',
        ifclass: 'platform',
        vlan_id: 12,
        uses: ['bond0'],
        networks: ['storage9'],
      },
      'networks',
      'no network storage9',
    ],
    [
      'vlan_id on an AE',
      { ifname: 'bond1', iftype: 'ae', aemode: 'active_standby', vlan_id: 3, uses: ['eth2'] },
      'vlan_id',
      'VLAN interfaces only',
    ],
    ['an unknown type', { ifname: 'x0', iftype: 'virtual' }, 'iftype', 'ethernet, vlan, ae, vf'],
    [
      'an unknown class',
      { ifname: 'ch0', iftype: 'vlan', ifclass: 'storage', vlan_id: 12, uses: ['bond0'] },
      'ifclass',
      'platform, data',
    ],
  ])('refuses %s, naming the field', (_, input, field, words) => {
    const r = refusal(() => planNewInterface(input, bondAndVlan(), 'if-new'));
    expect(r.field).toBe(field);
    expect(r.message).toContain(words);
  });

  it('refuses deleting an interface another one uses, and a port’s Ethernet interface', () => {
    const site = bondAndVlan();
    const bond = site.interfaces.find((i) => i.ifname === 'bond0')!;
    expect(refusal(() => checkInterfaceDelete(bond, site))).toMatchObject({
      field: 'used_by',
      message: expect.stringContaining('used by mgmt0'),
    });
    expect(
      refusal(() =>
        checkInterfaceDelete(
          site.interfaces.find((i) => i.ifname === 'eth0')!,
          site,
        ),
      ).field,
    ).toBe('used_by');
    expect(refusal(() => checkInterfaceDelete(ethernet('eth2'), worker([ethernet('eth2')]))).field).toBe(
      'iftype',
    );
    expect(() =>
      checkInterfaceDelete(
        site.interfaces.find((i) => i.ifname === 'mgmt0')!,
        site,
      ),
    ).not.toThrow();
  });
});

describe('interfaces: changes', () => {
  it('an AE’s new MTU reaches its members; it cannot go below its VLAN’s', () => {
    const site = bondAndVlan();
    const bond = site.interfaces.find((i) => i.ifname === 'bond0')!;
    expect(planInterfaceChange(bond, { imtu: '1600' }, site).mtu).toEqual([
      { uuid: 'if-eth0', imtu: 1600 },
      { uuid: 'if-eth1', imtu: 1600 },
    ]);
    expect(refusal(() => planInterfaceChange(bond, { imtu: 1400 }, site))).toMatchObject({
      field: 'imtu',
      message: expect.stringContaining('VLAN interface mgmt0'),
    });
    const member = site.interfaces.find((i) => i.ifname === 'eth0')!;
    expect(refusal(() => planInterfaceChange(member, { imtu: 1500 }, site)).message).toContain(
      'follows bond0',
    );
    expect(refusal(() => planInterfaceChange(member, { ifclass: 'platform' }, site)).message).toContain(
      'its class stays none',
    );
  });

  it('back to class none drops the networks; the type and ports stay', () => {
    const site = bondAndVlan();
    const vlan = site.interfaces.find((i) => i.ifname === 'mgmt0')!;
    expect(planInterfaceChange(vlan, { networks: ['mgmt', 'cluster-host'] }, site).iface.networks).toEqual([
      'net-mgmt',
      'net-ch',
    ]);
    const eth2 = ethernet('eth2', { ifclass: 'platform', networks: ['net-ch'] });
    const s2 = worker([ethernet('eth0'), eth2]);
    expect(planInterfaceChange(eth2, { ifclass: 'none' }, s2).iface).toMatchObject({
      ifclass: null,
      networks: [],
    });
    expect(refusal(() => planInterfaceChange(eth2, { iftype: 'ae' }, s2)).field).toBe('iftype');
    expect(refusal(() => planInterfaceChange(eth2, { ports: ['eth0'] }, s2)).field).toBe('ports');
    expect(refusal(() => planInterfaceChange(eth2, { colour: 'red' }, s2)).field).toBe('colour');
    // switching a bond to active_standby drops its hash policy
    const bond = site.interfaces.find((i) => i.ifname === 'bond0')!;
    expect(planInterfaceChange(bond, { aemode: 'active_standby' }, site).iface).toMatchObject({
      aemode: 'active_standby',
      txhashpolicy: null,
    });
    const fresh = worker();
    const balancedMgmt = {
      ifname: 'bond1',
      iftype: 'ae',
      aemode: 'balanced',
      txhashpolicy: 'layer2',
      ifclass: 'platform',
      uses: ['eth2'],
      networks: ['mgmt'],
    };
    expect(refusal(() => planNewInterface(balancedMgmt, fresh, 'x'))).toMatchObject({
      field: 'aemode',
      message: expect.stringContaining('carrying mgmt'),
    });
  });
});

describe('interfaces: SR-IOV and data', () => {
  it('a pci-sriov port interface gets at most the port’s VFs; VF interfaces share them', () => {
    let site = worker();
    const eth1 = site.interfaces.find((i) => i.ifname === 'eth1')!;
    expect(
      refusal(() => planInterfaceChange(eth1, { ifclass: 'pci-sriov', sriov_numvfs: 9 }, site)),
    ).toMatchObject({ field: 'sriov_numvfs', message: expect.stringContaining('at most 8') });
    expect(refusal(() => planInterfaceChange(eth1, { ifclass: 'pci-sriov' }, site)).field).toBe(
      'sriov_numvfs',
    );
    const eth0 = site.interfaces.find((i) => i.ifname === 'eth0')!;
    expect(
      refusal(() => planInterfaceChange(eth0, { ifclass: 'pci-sriov', sriov_numvfs: 2 }, site)).message,
    ).toContain('does not support SR-IOV');
    expect(refusal(() => planInterfaceChange(eth0, { sriov_numvfs: 2 }, site)).field).toBe('sriov_numvfs');
    site = apply(
      site,
      planInterfaceChange(eth1, { ifclass: 'pci-sriov', sriov_numvfs: '8', sriov_vf_driver: 'vfio' }, site),
    );
    site = apply(
      site,
      planNewInterface(
        { ifname: 'vf0', iftype: 'vf', ifclass: 'pci-sriov', uses: ['eth1'], sriov_numvfs: 6 },
        site,
        'if-vf0',
      ),
    );
    expect(
      refusal(() =>
        planNewInterface(
          { ifname: 'vf1', iftype: 'vf', ifclass: 'pci-sriov', uses: ['eth1'], sriov_numvfs: 3 },
          site,
          'if-vf1',
        ),
      ),
    ).toMatchObject({
      field: 'sriov_numvfs',
      message: expect.stringContaining('6 already taken'),
    });
    expect(
      refusal(() =>
        planNewInterface(
          { ifname: 'vf1', iftype: 'vf', ifclass: 'pci-sriov', uses: ['eth0'], sriov_numvfs: 1 },
          site,
          'if-vf1',
        ),
      ).field,
    ).toBe('uses');
    const sriov = site.interfaces.find((i) => i.ifname === 'eth1')!;
    expect(refusal(() => planInterfaceChange(sriov, { sriov_numvfs: 4 }, site)).message).toContain(
      'take 6 VFs',
    );
  });

  it('data networks go on data interfaces, and data interfaces on hosts with the worker function', () => {
    // An Ethernet interface of a port that has none yet (the port's own was not made).
    const site = worker([ethernet('eth0'), ethernet('eth1')]);
    const withData = apply(
      site,
      planNewInterface(
        { ifname: 'data0', iftype: 'ethernet', ports: 'eth2', ifclass: 'data', networks: '4' },
        site,
        'if-data0',
      ),
    );
    expect(withData.interfaces.find((i) => i.ifname === 'data0')!.networks).toEqual(['net-data']);
    const controller: HostNetworking = {
      ...site,
      host: { hostname: 'controller-1', personality: 'controller', subfunctions: 'controller' },
    };
    expect(
      refusal(() =>
        planNewInterface(
          { ifname: 'data0', iftype: 'ethernet', ports: ['eth2'], ifclass: 'data' },
          controller,
          'if-data0',
        ),
      ).message,
    ).toContain('worker function');
    expect(
      planNewInterface(
        { ifname: 'oam0', iftype: 'ethernet', ports: ['eth2'], ifclass: 'platform', networks: ['oam'] },
        controller,
        'if-oam0',
      ).iface.networks,
    ).toEqual(['net-oam']);
    expect(
      refusal(() =>
        planNewInterface(
          {
            ifname: 'oam0',
            iftype: 'ethernet',
            ports: ['eth2'],
            ifclass: 'platform',
            networks: ['oam', 'mgmt'],
          },
          controller,
          'x',
        ),
      ).message,
    ).toContain('cannot share');
    expect(
      refusal(() =>
        planNewInterface({ ifname: 'two', iftype: 'ethernet', ports: ['eth2', 'eth1'] }, site, 'x'),
      ).field,
    ).toBe('ports');
  });
});
