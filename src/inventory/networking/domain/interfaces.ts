// Host interfaces (system host-if-*): Ethernet (one port), VLAN, aggregated Ethernet (AE/bond)
// and SR-IOV VF, their class and networks. StarlingX's rules (interface.py), checked on the whole
// host's interfaces as they would be after the change. Pure.

import { StarlingError } from '../../../common/errors.ts';
import { PLATFORM_NETWORK_TYPES, type NetworkType } from './networks.ts';

export const IFTYPES = ['ethernet', 'vlan', 'ae', 'vf'] as const;
export type IfType = (typeof IFTYPES)[number];
export const IFCLASSES = ['platform', 'data', 'pci-sriov', 'pci-passthrough', 'none'] as const;
/** Stored class: StarlingX's "none" is null. */
export type IfClass = Exclude<(typeof IFCLASSES)[number], 'none'> | null;
export const AEMODES = ['active_standby', 'balanced', '802.3ad'] as const;
export const TX_HASH_POLICIES = ['layer2', 'layer2+3', 'layer3+4'] as const;
export const VF_DRIVERS = ['netdevice', 'vfio'] as const;
export const MTU_MIN = 576;
export const MTU_MAX = 9216;
export const DEFAULT_MTU = 1500;
/** Kernel names have 15 characters; StarlingX keeps 5 of them for a VLAN id suffix (interface.py). */
const MAX_IFNAME = 10;
const MAX_VLAN_IFNAME = 15;
/** Classes that may carry data networks (StarlingX's interface-datanetwork-assign). */
const DATA_CLASSES: readonly IfClass[] = ['data', 'pci-sriov', 'pci-passthrough'];

export interface Iface {
  uuid: string;
  ifname: string;
  iftype: IfType;
  ifclass: IfClass;
  imtu: number;
  aemode: (typeof AEMODES)[number] | null;
  txhashpolicy: (typeof TX_HASH_POLICIES)[number] | null;
  vlan_id: number | null;
  sriov_numvfs: number | null;
  sriov_vf_driver: (typeof VF_DRIVERS)[number] | null;
  /** Lower interfaces (uuids). */
  uses: string[];
  /** Ports (uuids). */
  ports: string[];
  /** Networks (uuids). */
  networks: string[];
}

export interface Port {
  uuid: string;
  name: string;
  mac: string | null;
  sriov_totalvfs: number | null;
  driver: string | null;
}

export interface Network {
  uuid: string;
  id: number;
  name: string;
  type: NetworkType;
}

/** Everything the rules look at: the host and, as they are now, its interfaces and ports, and the
 *  site's networks. */
export interface HostNetworking {
  host: { hostname: string | null; personality: string | null; subfunctions: string | null };
  interfaces: Iface[];
  ports: Port[];
  networks: Network[];
}

export interface InterfacePlan {
  iface: Iface;
  /** Other interfaces whose MTU follows (an AE's members take the AE's MTU, as in StarlingX). */
  mtu: { uuid: string; imtu: number }[];
}

const fail = (field: string, message: string): never => {
  throw new StarlingError('VALIDATION_FAILED', message, { field });
};

// --- reading a request ------------------------------------------------------------------------------

function int(v: unknown, field: string): number {
  const n = typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n))
    return fail(field, `${field} must be a whole number, got ${JSON.stringify(v)}`);
  return n;
}

function oneOf<T extends string>(v: unknown, field: string, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v))
    return fail(field, `${field} must be one of ${allowed.join(', ')}`);
  return v as T;
}

/** A list as JSON (array) or as cgtsclient sends ports ("eth0,eth1"); null = empty. */
function list(v: unknown, field: string): string[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string')
    return v
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number'))
    return v.map(String);
  return fail(field, `${field} must be a list of names`);
}

const optional = (v: unknown): boolean => v === undefined || v === null || v === '';

function resolveAll<T>(
  refs: string[],
  field: string,
  find: (ref: string) => T | undefined,
  what: string,
  where: string,
): T[] {
  return refs.map((r) => find(r) ?? fail(field, `${where} has no ${what} ${r}`));
}

const hostName = (s: HostNetworking): string => s.host.hostname ?? 'the host';

// --- the rules ---------------------------------------------------------------------------------------

/** host-if-add: the new interface from the request (StarlingX field names), checked. */
export function planNewInterface(
  input: Record<string, unknown>,
  site: HostNetworking,
  uuid: string,
): InterfacePlan {
  if (typeof input.ifname !== 'string') fail('ifname', 'ifname is required');
  const iftype = oneOf(input.iftype ?? 'ethernet', 'iftype', IFTYPES);
  const portRefs = list(input.ports, 'ports');
  const useRefs = list(input.uses, 'uses');
  const ports = resolveAll(
    portRefs,
    'ports',
    (r) => site.ports.find((p) => p.name === r || p.uuid === r),
    'port',
    hostName(site),
  );
  const uses = resolveAll(
    useRefs,
    'uses',
    (r) => findInterface(site.interfaces, r),
    'interface',
    hostName(site),
  );
  const lower = uses[0];
  const iface: Iface = {
    uuid,
    ifname: input.ifname as string,
    iftype,
    ifclass: optional(input.ifclass) ? null : className(input.ifclass),
    // A VLAN or VF starts with its lower interface's MTU; others with 1500.
    imtu: optional(input.imtu)
      ? (iftype === 'vlan' || iftype === 'vf') && lower
        ? Math.min(lower.imtu, DEFAULT_MTU)
        : DEFAULT_MTU
      : int(input.imtu, 'imtu'),
    aemode: optional(input.aemode) ? null : oneOf(input.aemode, 'aemode', AEMODES),
    txhashpolicy: optional(input.txhashpolicy)
      ? null
      : oneOf(input.txhashpolicy, 'txhashpolicy', TX_HASH_POLICIES),
    vlan_id: optional(input.vlan_id) ? null : int(input.vlan_id, 'vlan_id'),
    sriov_numvfs: optional(input.sriov_numvfs) ? null : int(input.sriov_numvfs, 'sriov_numvfs'),
    sriov_vf_driver: optional(input.sriov_vf_driver)
      ? null
      : oneOf(input.sriov_vf_driver, 'sriov_vf_driver', VF_DRIVERS),
    uses: uses.map((u) => u.uuid),
    ports: ports.map((p) => p.uuid),
    networks: resolveNetworks(input.networks, site),
  };
  return check(iface, undefined, site);
}

export const MODIFIABLE = [
  'ifname',
  'imtu',
  'ifclass',
  'aemode',
  'txhashpolicy',
  'vlan_id',
  'uses',
  'sriov_numvfs',
  'sriov_vf_driver',
  'networks',
] as const;

/** host-if-modify: the interface with `changes` (field → raw value) applied, checked. */
export function planInterfaceChange(
  current: Iface,
  changes: Record<string, unknown>,
  site: HostNetworking,
): InterfacePlan {
  const next: Iface = { ...current };
  for (const [field, v] of Object.entries(changes)) {
    switch (field) {
      case 'ifname':
        if (typeof v !== 'string') fail('ifname', 'ifname must be a string');
        next.ifname = v as string;
        break;
      case 'imtu':
        next.imtu = int(v, 'imtu');
        break;
      case 'ifclass':
        next.ifclass = optional(v) ? null : className(v);
        // Back to none: the interface leaves its networks (cgtsclient's host-if-modify -c none).
        if (next.ifclass === null && changes.networks === undefined) next.networks = [];
        break;
      case 'aemode':
        next.aemode = optional(v) ? null : oneOf(v, 'aemode', AEMODES);
        // active_standby has no hash policy: an old one goes unless one is given.
        if (next.aemode === 'active_standby' && changes.txhashpolicy === undefined) next.txhashpolicy = null;
        break;
      case 'txhashpolicy':
        next.txhashpolicy = optional(v) ? null : oneOf(v, 'txhashpolicy', TX_HASH_POLICIES);
        break;
      case 'vlan_id':
        next.vlan_id = optional(v) ? null : int(v, 'vlan_id');
        break;
      case 'uses':
        next.uses = resolveAll(
          list(v, 'uses'),
          'uses',
          (r) => findInterface(site.interfaces, r),
          'interface',
          hostName(site),
        ).map((u) => u.uuid);
        break;
      case 'sriov_numvfs':
        next.sriov_numvfs = optional(v) ? null : int(v, 'sriov_numvfs');
        break;
      case 'sriov_vf_driver':
        next.sriov_vf_driver = optional(v) ? null : oneOf(v, 'sriov_vf_driver', VF_DRIVERS);
        break;
      case 'networks':
        next.networks = resolveNetworks(v, site);
        break;
      case 'iftype':
        if (v !== current.iftype)
          fail(
            'iftype',
            `iftype cannot change (${current.ifname} is ${current.iftype}): delete it and add a new interface`,
          );
        break;
      case 'ports':
        if (list(v, 'ports').join(',') !== portNames(current, site).join(','))
          fail('ports', 'an interface keeps its ports: they cannot be changed');
        break;
      default:
        fail(field, `${field} cannot be changed (allowed: ${MODIFIABLE.join(', ')})`);
    }
  }
  return check(next, current, site);
}

/** host-if-delete: refused while another interface uses it, and for an Ethernet interface with
 *  its port (it lives as long as the port: set its class to none instead, as in StarlingX). */
export function checkInterfaceDelete(iface: Iface, site: HostNetworking): void {
  const users = usedBy(iface, site.interfaces);
  if (users.length > 0)
    fail(
      'used_by',
      `${iface.ifname} is used by ${users.map((u) => u.ifname).join(', ')}: delete or change those first`,
    );
  if (iface.iftype === 'ethernet' && iface.ports.length > 0) {
    fail(
      'iftype',
      `${iface.ifname} is the interface of port ${portNames(iface, site).join(', ')} and cannot be deleted: set its class to none instead`,
    );
  }
}

export const findInterface = (all: Iface[], ref: string): Iface | undefined =>
  all.find((i) => i.uuid === ref || i.ifname === ref);
export const usedBy = (iface: Iface, all: Iface[]): Iface[] =>
  all.filter((i) => i.uuid !== iface.uuid && i.uses.includes(iface.uuid));
const portNames = (iface: Iface, site: HostNetworking): string[] =>
  iface.ports.map((u) => site.ports.find((p) => p.uuid === u)?.name ?? u);

function className(v: unknown): IfClass {
  const c = oneOf(v, 'ifclass', IFCLASSES);
  return c === 'none' ? null : c;
}

function resolveNetworks(v: unknown, site: HostNetworking): string[] {
  const refs = list(v, 'networks');
  const found = resolveAll(
    refs,
    'networks',
    (r) => site.networks.find((n) => n.uuid === r || n.name === r || String(n.id) === r),
    'network',
    'the system',
  );
  return [...new Set(found.map((n) => n.uuid))];
}

/** All rules, on `iface` as it would be; `current` is undefined for a new interface. */
function check(iface: Iface, current: Iface | undefined, site: HostNetworking): InterfacePlan {
  const others = site.interfaces.filter((i) => i.uuid !== iface.uuid);
  const lowers = iface.uses.map(
    (u) => others.find((i) => i.uuid === u) ?? fail('uses', `${iface.ifname} cannot use itself`),
  );
  const ports = iface.ports.map((u) => site.ports.find((p) => p.uuid === u)!);
  const networks = iface.networks.map((u) => site.networks.find((n) => n.uuid === u)!);
  const types = networks.map((n) => n.type);
  const uppers = current ? usedBy(current, others) : [];
  const subfunctions = (site.host.subfunctions ?? site.host.personality ?? '').split(',');

  // Name.
  const max = iface.iftype === 'vlan' ? MAX_VLAN_IFNAME : MAX_IFNAME;
  if (!current || iface.ifname !== current.ifname) {
    const allowed = iface.iftype === 'vlan' ? /^[a-z0-9_.]+$/ : /^[a-z0-9_]+$/;
    if (iface.ifname.trim() === '') fail('ifname', 'ifname must not be empty');
    if (iface.ifname.length > max) fail('ifname', `ifname ${iface.ifname} is longer than ${max} characters`);
    if (!allowed.test(iface.ifname)) {
      fail(
        'ifname',
        `ifname ${iface.ifname} must be lower-case letters, digits and _${iface.iftype === 'vlan' ? ' or .' : ''}`,
      );
    }
    if (others.some((i) => i.ifname === iface.ifname))
      fail('ifname', `${hostName(site)} already has an interface named ${iface.ifname}`);
  }

  // MTU.
  if (iface.imtu < MTU_MIN || iface.imtu > MTU_MAX)
    fail('imtu', `imtu must be ${MTU_MIN}-${MTU_MAX}, got ${iface.imtu}`);

  // Type-specific fields.
  if (iface.iftype !== 'vlan' && iface.vlan_id !== null)
    fail('vlan_id', 'vlan_id is for VLAN interfaces only');
  if (iface.iftype !== 'ae' && iface.aemode !== null)
    fail('aemode', 'aemode is for aggregated Ethernet (ae) interfaces only');
  if (iface.iftype !== 'ae' && iface.txhashpolicy !== null)
    fail('txhashpolicy', 'txhashpolicy is for aggregated Ethernet (ae) interfaces only');

  // Ports: an Ethernet interface is one port, which no other interface has.
  if (iface.iftype === 'ethernet') {
    if (ports.length !== 1) fail('ports', `an Ethernet interface has exactly one port (got ${ports.length})`);
    if (lowers.length > 0) fail('uses', 'an Ethernet interface uses no other interface');
    for (const p of ports) {
      const holder = others.find((i) => i.ports.includes(p.uuid));
      if (holder) fail('ports', `port ${p.name} is already used by interface ${holder.ifname}`);
    }
  } else if (ports.length > 0) {
    fail('ports', `a ${iface.iftype} interface has no ports of its own: give the interfaces it uses`);
  }

  if (iface.iftype === 'vlan') {
    if (lowers.length !== 1)
      fail('uses', `a VLAN interface uses exactly one lower interface (got ${lowers.length})`);
    const lower = lowers[0]!;
    if (lower.iftype === 'vlan')
      fail('uses', `VLAN interfaces cannot be created over VLAN interface ${lower.ifname}`);
    if (lower.iftype === 'vf')
      fail('uses', `VLAN interfaces cannot be created over VF interface ${lower.ifname}`);
    const bond = usedBy(lower, others).find((i) => i.iftype === 'ae');
    if (bond)
      fail(
        'uses',
        `${lower.ifname} is a member of AE interface ${bond.ifname}: put the VLAN on ${bond.ifname}`,
      );
    if (iface.vlan_id === null) fail('vlan_id', 'a VLAN interface needs a vlan_id');
    if (iface.vlan_id! < 1 || iface.vlan_id! > 4094)
      fail('vlan_id', `vlan_id must be 1-4094, got ${iface.vlan_id}`);
    const twin = usedBy(lower, others).find((i) => i.iftype === 'vlan' && i.vlan_id === iface.vlan_id);
    if (twin)
      fail('vlan_id', `VLAN id ${iface.vlan_id} is already in use on ${lower.ifname} (by ${twin.ifname})`);
    if (iface.ifclass === null)
      fail('ifclass', 'a VLAN interface needs a class (platform or data), not none');
    if (lower.ifclass === 'data' && iface.ifclass === 'platform')
      fail('ifclass', `a platform VLAN cannot be created over data interface ${lower.ifname}`);
    if (lower.ifclass === 'platform' && iface.ifclass === 'data')
      fail('ifclass', `a data VLAN cannot be created over platform interface ${lower.ifname}`);
    if (iface.imtu > lower.imtu)
      fail(
        'imtu',
        `a VLAN's MTU (${iface.imtu}) cannot exceed its lower interface's (${lower.ifname}: ${lower.imtu})`,
      );
  }

  const mtu: InterfacePlan['mtu'] = [];
  if (iface.iftype === 'ae') {
    if (lowers.length < 1) fail('uses', 'an AE interface needs at least one member interface');
    for (const m of lowers) {
      if (m.iftype !== 'ethernet')
        fail('uses', `AE members are Ethernet interfaces: ${m.ifname} is ${m.iftype}`);
      if (m.ifclass !== null)
        fail(
          'uses',
          `AE members must have class none: ${m.ifname} is ${m.ifclass} (host-if-modify -c none first)`,
        );
      if (m.networks.length > 0) fail('uses', `AE member ${m.ifname} carries networks: remove them first`);
      const user = usedBy(m, others)[0];
      if (user)
        fail(
          'uses',
          `${m.ifname} is already used by ${user.iftype === 'ae' ? 'AE' : user.iftype.toUpperCase()} interface ${user.ifname}`,
        );
      if (m.imtu !== iface.imtu) mtu.push({ uuid: m.uuid, imtu: iface.imtu });
    }
    if (iface.aemode === null) fail('aemode', `an AE interface needs an aemode: ${AEMODES.join(', ')}`);
    if ((iface.aemode === 'balanced' || iface.aemode === '802.3ad') && iface.txhashpolicy === null) {
      fail(
        'txhashpolicy',
        `an AE interface in ${iface.aemode} mode needs a txhashpolicy: ${TX_HASH_POLICIES.join(', ')}`,
      );
    }
    if (iface.aemode === 'active_standby' && iface.txhashpolicy !== null)
      fail('txhashpolicy', 'an AE interface in active_standby mode takes no txhashpolicy');
    if (types.includes('mgmt') && iface.aemode === 'balanced')
      fail('aemode', 'an AE interface carrying mgmt must be in 802.3ad or active_standby mode');
    if (iface.ifclass === 'data' && iface.aemode !== 'active_standby' && iface.txhashpolicy !== 'layer2') {
      fail('txhashpolicy', `a data AE interface in ${iface.aemode} mode needs txhashpolicy layer2`);
    }
  }

  // SR-IOV.
  if (iface.iftype === 'vf') {
    if (lowers.length !== 1)
      fail('uses', `a VF interface uses exactly one pci-sriov interface (got ${lowers.length})`);
    const lower = lowers[0]!;
    if (lower.ifclass !== 'pci-sriov')
      fail(
        'uses',
        `a VF interface uses a pci-sriov interface: ${lower.ifname} is ${lower.ifclass ?? 'none'}`,
      );
    if (iface.ifclass !== 'pci-sriov') fail('ifclass', 'a VF interface has class pci-sriov');
    if (iface.sriov_numvfs === null || iface.sriov_numvfs < 1)
      fail('sriov_numvfs', 'a VF interface needs sriov_numvfs of 1 or more');
    const taken = usedBy(lower, others)
      .filter((i) => i.iftype === 'vf')
      .reduce((a, i) => a + (i.sriov_numvfs ?? 0), 0);
    if (taken + iface.sriov_numvfs! > (lower.sriov_numvfs ?? 0)) {
      fail(
        'sriov_numvfs',
        `${lower.ifname} has ${lower.sriov_numvfs ?? 0} VFs, ${taken} already taken by other VF interfaces: ${iface.sriov_numvfs} more do not fit`,
      );
    }
    if (iface.imtu > lower.imtu)
      fail('imtu', `a VF interface's MTU (${iface.imtu}) cannot exceed ${lower.ifname}'s (${lower.imtu})`);
  } else if (iface.ifclass === 'pci-sriov') {
    if (iface.iftype !== 'ethernet') fail('ifclass', 'class pci-sriov is for Ethernet interfaces only');
    if (iface.sriov_numvfs === null || iface.sriov_numvfs < 1)
      fail('sriov_numvfs', 'a pci-sriov interface needs sriov_numvfs of 1 or more');
    const port = ports[0]!;
    if (!port.sriov_totalvfs) fail('ifclass', `port ${port.name} does not support SR-IOV`);
    if (iface.sriov_numvfs! > port.sriov_totalvfs!)
      fail(
        'sriov_numvfs',
        `port ${port.name} supports at most ${port.sriov_totalvfs} VFs, ${iface.sriov_numvfs} asked`,
      );
    if (!port.driver) fail('ifclass', `port ${port.name} has no driver: SR-IOV cannot be configured`);
  } else {
    if ((iface.sriov_numvfs ?? 0) > 0) fail('sriov_numvfs', 'sriov_numvfs is for pci-sriov interfaces only');
    if (iface.sriov_vf_driver !== null)
      fail('sriov_vf_driver', 'sriov_vf_driver is for pci-sriov interfaces only');
  }
  if (iface.ifclass === 'pci-passthrough' && iface.iftype !== 'ethernet')
    fail('ifclass', 'class pci-passthrough is for Ethernet interfaces only');
  if (iface.ifclass === 'data' && !subfunctions.includes('worker'))
    fail(
      'ifclass',
      `class data needs a host with the worker function (${hostName(site)} is ${subfunctions.join(',') || 'unprovisioned'})`,
    );

  // Networks: platform ones on platform interfaces, data ones on data interfaces.
  for (const n of networks) {
    if (n.type === 'data') {
      if (!DATA_CLASSES.includes(iface.ifclass))
        fail(
          'networks',
          `data network ${n.name} needs an interface of class data, pci-sriov or pci-passthrough (${iface.ifname} is ${iface.ifclass ?? 'none'})`,
        );
    } else if (!PLATFORM_NETWORK_TYPES.includes(n.type)) {
      fail('networks', `network ${n.name} (${n.type}) is not assigned to interfaces`);
    } else if (iface.ifclass !== 'platform') {
      fail(
        'networks',
        `${n.type} network ${n.name} needs an interface of class platform (${iface.ifname} is ${iface.ifclass ?? 'none'})`,
      );
    } else {
      const holder = others.find((i) => i.networks.includes(n.uuid));
      if (holder)
        fail(
          'networks',
          `${n.type} network ${n.name} is already on interface ${holder.ifname} of ${hostName(site)}`,
        );
      if (n.type === 'oam' && site.host.personality !== 'controller')
        fail('networks', 'the oam network is for controllers only');
    }
  }
  if (types.includes('pxeboot') && types.length > 1)
    fail('networks', 'an interface with the pxeboot network carries no other network');
  if (types.includes('oam') && (types.includes('mgmt') || types.includes('pxeboot')))
    fail('networks', 'the oam network cannot share an interface with mgmt or pxeboot');

  // What this change does to the interfaces above it.
  for (const u of uppers) {
    if (u.iftype === 'ae') {
      if (iface.ifclass !== null)
        fail('ifclass', `${iface.ifname} is a member of AE interface ${u.ifname}: its class stays none`);
      if (iface.imtu !== u.imtu)
        fail(
          'imtu',
          `${iface.ifname} is a member of AE interface ${u.ifname}: its MTU follows ${u.ifname}'s (${u.imtu})`,
        );
    } else {
      if (u.imtu > iface.imtu)
        fail(
          'imtu',
          `${u.iftype.toUpperCase()} interface ${u.ifname} over ${iface.ifname} has MTU ${u.imtu}: ${iface.ifname} cannot go below it`,
        );
      if (u.iftype === 'vlan' && u.ifclass === 'platform' && iface.ifclass === 'data')
        fail('ifclass', `platform VLAN ${u.ifname} runs over ${iface.ifname}: it cannot become data`);
      if (u.iftype === 'vlan' && u.ifclass === 'data' && iface.ifclass === 'platform')
        fail('ifclass', `data VLAN ${u.ifname} runs over ${iface.ifname}: it cannot become platform`);
      if (u.iftype === 'vf') {
        if (iface.ifclass !== 'pci-sriov')
          fail('ifclass', `VF interface ${u.ifname} runs over ${iface.ifname}: it stays pci-sriov`);
        const taken = usedBy(iface, others).reduce(
          (a, i) => a + (i.iftype === 'vf' ? (i.sriov_numvfs ?? 0) : 0),
          0,
        );
        if (taken > (iface.sriov_numvfs ?? 0))
          fail('sriov_numvfs', `VF interfaces over ${iface.ifname} take ${taken} VFs: it cannot have fewer`);
      }
    }
  }
  return { iface, mtu };
}

/** An interface as sysinv shows it: names for uses, used_by and ports; network ids as strings
 *  (StarlingX's `networks`) and their types (`networktype`, comma-separated); the MAC of its port
 *  (Ethernet), of its first member (AE) or of its lower interface (VLAN, VF). */
export function interfaceView(iface: Iface, site: HostNetworking): Record<string, unknown> {
  const byUuid = (u: string) => site.interfaces.find((i) => i.uuid === u);
  const mac = (i: Iface | undefined, depth = 0): string | null => {
    if (!i || depth > 4) return null;
    if (i.iftype === 'ethernet') return site.ports.find((p) => p.uuid === i.ports[0])?.mac ?? null;
    return mac(byUuid(i.uses[0] ?? ''), depth + 1);
  };
  const networks = iface.networks
    .map((u) => site.networks.find((n) => n.uuid === u))
    .filter((n): n is Network => n !== undefined);
  return {
    uuid: iface.uuid,
    ifname: iface.ifname,
    iftype: iface.iftype,
    ifclass: iface.ifclass,
    imac: mac(iface),
    imtu: iface.imtu,
    aemode: iface.aemode,
    txhashpolicy: iface.txhashpolicy,
    vlan_id: iface.vlan_id,
    uses: iface.uses.map((u) => byUuid(u)?.ifname ?? u),
    used_by: usedBy(iface, site.interfaces).map((i) => i.ifname),
    ports: portNames(iface, site),
    sriov_numvfs: iface.sriov_numvfs,
    sriov_vf_driver: iface.sriov_vf_driver,
    networks: networks.map((n) => String(n.id)),
    networktype: networks.length > 0 ? networks.map((n) => n.type).join(',') : null,
  };
}
