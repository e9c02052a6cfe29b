import { describe, expect, it } from 'vitest';
import { StarlingError } from '../common/errors.ts';
import {
  isLabNamespace,
  labBlock,
  labMac,
  orderHosts,
  parseNetworks,
  planLab,
  type LabOptions,
} from './topology.ts';

const base: LabOptions = {
  name: 'stl',
  hosts: ['controller-0', 'worker-0'],
  networks: ['mgmt', 'cluster-host', 'oam'],
  bmc: 'mixed',
  ipmiAvailable: true,
};

describe('lab topology', () => {
  it('plans a controller and a worker: namespaces, interfaces, MACs and addresses from the name', () => {
    const t = planLab(base);
    const b = labBlock('stl');
    expect(t.switchNamespace).toBe('stl-sw');
    expect(t.bmcNamespace).toBe('stl-bmc');
    expect(t.bridges).toEqual({ mgmt: 'br-mgmt', 'cluster-host': 'br-ch', oam: 'br-oam', bmc: 'br-bmc' });
    expect(t.subnets).toEqual({
      mgmt: `169.254.${b}`,
      'cluster-host': `169.254.${b + 1}`,
      oam: `169.254.${b + 2}`,
      bmc: `169.254.${b + 3}`,
    });
    const [c0, w0] = t.hosts;
    expect(c0).toMatchObject({
      hostname: 'controller-0',
      index: 0,
      personality: 'controller',
      namespace: 'stl-controller-0',
      bmc: { type: 'redfish', address: `169.254.${b + 3}.100`, port: 80 },
    });
    expect(c0!.interfaces.map((i) => [i.ifname, i.switchPort, i.address, i.mac])).toEqual([
      ['mgmt0', 'h0-mgmt', `169.254.${b}.10`, labMac('stl', 0, 'mgmt')],
      ['ch0', 'h0-ch', `169.254.${b + 1}.10`, labMac('stl', 0, 'cluster-host')],
      ['oam0', 'h0-oam', `169.254.${b + 2}.10`, labMac('stl', 0, 'oam')],
      ['bmc0', 'h0-bmc', `169.254.${b + 3}.10`, labMac('stl', 0, 'bmc')],
    ]);
    // A worker is not on OAM (StarlingX) nor on the BMC network; odd index → IPMI in a mixed lab.
    expect(w0!.interfaces.map((i) => [i.ifname, i.address])).toEqual([
      ['mgmt0', `169.254.${b}.11`],
      ['ch0', `169.254.${b + 1}.11`],
    ]);
    expect(w0!.bmc).toEqual({ type: 'ipmi', address: `169.254.${b + 3}.101`, port: 623 });
    expect(t.root).toEqual({
      ifname: 'stl-oam',
      switchPort: 'root-oam',
      wire: 'oam',
      address: `169.254.${b + 2}.254`,
      prefixLength: 24,
    });
    expect(t.apiUrl).toBe(`https://169.254.${b + 2}.10:6385`);
    expect(t.mgmtApiUrl).toBe(`https://169.254.${b}.10:6385`);
    expect(t.bmcInterface.addresses).toEqual([`169.254.${b + 3}.100`, `169.254.${b + 3}.101`]);
  });

  it.each([
    [
      'mixed without ipmi_sim: all Redfish',
      { bmc: 'mixed', ipmiAvailable: false },
      ['redfish', 'redfish', 'redfish'],
    ],
    [
      'mixed with ipmi_sim: even Redfish, odd IPMI',
      { bmc: 'mixed', ipmiAvailable: true },
      ['redfish', 'ipmi', 'redfish'],
    ],
    ['all IPMI', { bmc: 'ipmi', ipmiAvailable: true }, ['ipmi', 'ipmi', 'ipmi']],
    ['all Redfish', { bmc: 'redfish', ipmiAvailable: true }, ['redfish', 'redfish', 'redfish']],
  ] as const)('BMC types: %s', (_label, o, types) => {
    const t = planLab({ ...base, ...o, hosts: ['controller-0', 'worker-0', 'worker-1'] });
    expect(t.hosts.map((h) => h.bmc.type)).toEqual(types);
  });

  it('orders hosts the same whatever order they are given in: addresses depend only on the set', () => {
    expect(orderHosts(['worker-10', 'worker-2', 'storage-0', 'controller-1', 'controller-0'])).toEqual([
      'controller-0',
      'controller-1',
      'storage-0',
      'worker-2',
      'worker-10',
    ]);
    const a = planLab({ ...base, hosts: ['worker-0', 'controller-0'] });
    expect(a).toEqual(planLab(base));
  });

  it('spreads labs over 55 blocks by name (1 in 55 collide: `lab up` then refuses), never the one holding 169.254.169.0/24', () => {
    const names = ['stl', 'ci1', 'ci2', 'lab', 'a', 'zz9'];
    const blocks = names.map(labBlock);
    for (const b of blocks) {
      expect(b).toBeGreaterThanOrEqual(16);
      expect(b + 3).toBeLessThanOrEqual(239);
      expect(b % 4).toBe(0);
      expect(b <= 169 && 169 <= b + 3).toBe(false);
    }
    expect(new Set(blocks).size).toBe(names.length);
    expect(new Set(Array.from({ length: 500 }, (_, i) => labBlock(`lab${i}`))).size).toBe(55);
    expect(labMac('stl', 1, 'mgmt')).not.toBe(labMac('ci1', 1, 'mgmt'));
    expect(labMac('stl', 1, 'mgmt')).toMatch(/^02:5e(:[0-9a-f]{2}){2}:01:00$/);
  });

  it('without an OAM network the root veth joins mgmt', () => {
    const t = planLab({ ...base, networks: ['mgmt'] });
    expect(t.root.wire).toBe('mgmt');
    expect(t.root.ifname).toBe('stl-mgmt');
    expect(t.apiUrl).toBe(t.mgmtApiUrl);
    expect(t.hosts[0]!.interfaces.map((i) => i.ifname)).toEqual(['mgmt0', 'bmc0']);
  });

  it.each([
    ['a name too long for a 15-character interface', { name: 'abcdefghijkl' }, '--name'],
    ['a name with a dash', { name: 'my-lab' }, '--name'],
    ['no controller-0', { hosts: ['worker-0'] }, '--hosts'],
    ['an unknown host kind', { hosts: ['controller-0', 'compute-0'] }, '--hosts'],
    ['a host twice', { hosts: ['controller-0', 'controller-0'] }, '--hosts'],
    ['no mgmt network', { networks: ['oam'] }, '--networks'],
    ['an unknown network', { networks: ['mgmt', 'storage'] }, '--networks'],
    ['ipmi without ipmi_sim', { bmc: 'ipmi', ipmiAvailable: false }, '--bmc'],
    ['an unknown BMC kind', { bmc: 'idrac' }, '--bmc'],
  ] as const)('refuses %s, naming the option', (_label, o, field) => {
    let err: unknown;
    try {
      planLab({ ...base, ...(o as Partial<LabOptions>) });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StarlingError);
    expect((err as StarlingError).field).toBe(field);
  });

  it('recognises its own namespaces only', () => {
    expect(isLabNamespace('stl', 'stl-sw')).toBe(true);
    expect(isLabNamespace('stl', 'stl-bmc')).toBe(true);
    expect(isLabNamespace('stl', 'stl-worker-12')).toBe(true);
    expect(isLabNamespace('stl', 'stl2-sw')).toBe(false);
    expect(isLabNamespace('stl', 'stl-something')).toBe(false);
    expect(isLabNamespace('stl', 'other-worker-0')).toBe(false);
  });

  it('reads network names as operators type them', () => {
    const t = planLab(base);
    expect(parseNetworks(t, ['mgmt', 'ch', 'cluster-host'])).toEqual([
      'mgmt',
      'cluster-host',
      'cluster-host',
    ]);
    expect(() => parseNetworks(planLab({ ...base, networks: ['mgmt'] }), ['oam'])).toThrow(
      /not a network of this lab/,
    );
  });
});
