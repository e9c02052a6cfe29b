// The lab's plan: from a lab name and a host list, every namespace, bridge, interface, MAC and
// address of the virtual site. Pure and deterministic, so a lab can be rebuilt or cleaned up by name.

import { StarlingError } from '../common/errors.ts';

/** The site networks the lab can wire (StarlingX's names); the BMC network is always there. */
export const LAB_NETWORKS = ['mgmt', 'cluster-host', 'oam'] as const;
export type LabNetwork = (typeof LAB_NETWORKS)[number];
export type LabWire = LabNetwork | 'bmc';

export const BMC_CHOICES = ['redfish', 'ipmi', 'mixed'] as const;
export type BmcChoice = (typeof BMC_CHOICES)[number];
export type BmcKind = 'redfish' | 'ipmi';

/** Interface names inside a host's namespace, and the short tag used on the switch side. */
export const WIRE_IFNAME: Record<LabWire, string> = {
  mgmt: 'mgmt0',
  'cluster-host': 'ch0',
  oam: 'oam0',
  bmc: 'bmc0',
};
const WIRE_TAG: Record<LabWire, string> = { mgmt: 'mgmt', 'cluster-host': 'ch', oam: 'oam', bmc: 'bmc' };
/** Fixed order: decides the /24 of each wire within the lab's block and the MAC's last byte. */
const WIRE_INDEX: Record<LabWire, number> = { mgmt: 0, 'cluster-host': 1, oam: 2, bmc: 3 };

export const API_PORT = 6385;
export const REDFISH_PORT = 80;
export const IPMI_PORT = 623;
/** Host i gets .(10+i) on each network and its BMC .(100+i) on the BMC network: at most 90 hosts. */
export const MAX_HOSTS = 90;

/** A lab name: the prefix of everything it creates. `NAME-oam` in the root namespace must fit in 15 characters. */
const LAB_NAME = /^[a-z][a-z0-9]{0,10}$/;
const HOSTNAME = /^(controller|worker|storage)-(\d{1,2})$/;

export interface LabOptions {
  name: string;
  hosts: string[];
  networks: LabNetwork[];
  bmc: BmcChoice;
  /** Whether ipmi_sim is installed: without it every BMC is a Redfish emulator. */
  ipmiAvailable: boolean;
}

export interface LabInterface {
  wire: LabWire;
  /** Name inside the host's namespace (mgmt0, ch0, oam0, bmc0). */
  ifname: string;
  /** The veth's other end, a port of the wire's bridge in the switch namespace. */
  switchPort: string;
  mac: string;
  address: string;
  prefixLength: number;
}

export interface LabHost {
  hostname: string;
  index: number;
  personality: 'controller' | 'worker' | 'storage';
  namespace: string;
  interfaces: LabInterface[];
  bmc: { type: BmcKind; address: string; port: number };
}

export interface LabTopology {
  name: string;
  switchNamespace: string;
  bmcNamespace: string;
  networks: LabNetwork[];
  /** The bridge of each wire in the switch namespace. */
  bridges: Partial<Record<LabWire, string>>;
  /** The /24 of each wire, as its first three octets ("169.254.40"). */
  subnets: Record<LabWire, string>;
  hosts: LabHost[];
  /** The BMC namespace's one interface, carrying every BMC address. */
  bmcInterface: { ifname: string; switchPort: string; addresses: string[] };
  /** The one veth in the root namespace, on the OAM bridge (or mgmt when the lab has no OAM network). */
  root: { ifname: string; switchPort: string; wire: LabNetwork; address: string; prefixLength: number };
  /** The controller's API as seen from the root namespace, and from the hosts (over mgmt). */
  apiUrl: string;
  mgmtApiUrl: string;
}

function fail(field: string, message: string): never {
  throw new StarlingError('VALIDATION_FAILED', message, { field });
}

/** FNV-1a, 32 bits: a stable small hash of the lab name (no crypto needed, and it stays pure). */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * The lab's block of four /24s inside 169.254.0.0/16 (IPv4 link-local: never routed, so nothing on
 * a real network can answer; feasibility §3). Blocks start at third octet 16, 20, … 236; the one
 * holding 169.254.169.0/24 (cloud metadata services) is skipped. Two labs with different names get
 * different blocks unless their hashes collide (1 in 54); `lab up` refuses a block already routed.
 */
export function labBlock(name: string): number {
  const blocks: number[] = [];
  for (let b = 16; b + 3 <= 239; b += 4) if (!(b <= 169 && 169 <= b + 3)) blocks.push(b);
  return blocks[fnv1a(name) % blocks.length]!;
}

/** Locally administered unicast MAC (02:…): lab hash, host index, wire. Unique within the lab; different labs differ by their hash. */
export function labMac(name: string, hostIndex: number, wire: LabWire): string {
  const h = fnv1a(name);
  const bytes = [0x02, 0x5e, (h >>> 8) & 0xff, h & 0xff, hostIndex & 0xff, WIRE_INDEX[wire]];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** StarlingX personality from the host name (controller-N, worker-N, storage-N). */
export function personalityOf(hostname: string): LabHost['personality'] {
  const m = HOSTNAME.exec(hostname);
  if (!m) fail('--hosts', `'${hostname}' must be controller-N, worker-N or storage-N`);
  return m[1] as LabHost['personality'];
}

/**
 * Hosts in a stable order whatever order they were given in: controllers, then storage, then
 * workers, each by number. A host's index (and so its addresses and MACs) depends only on the set.
 */
export function orderHosts(hosts: string[]): string[] {
  const rank = { controller: 0, storage: 1, worker: 2 } as const;
  const key = (h: string): [number, number] => {
    const m = HOSTNAME.exec(h)!;
    return [rank[m[1] as keyof typeof rank], Number(m[2])];
  };
  return [...hosts].sort((a, b) => {
    const [ra, na] = key(a);
    const [rb, nb] = key(b);
    return ra - rb || na - nb;
  });
}

export function checkLabName(name: string): string {
  if (!LAB_NAME.test(name))
    fail('--name', `lab name '${name}' must be 1-11 lower-case letters and digits, starting with a letter`);
  return name;
}

/** The namespaces a lab named `name` may own, whatever its hosts: for cleaning up a lab whose files are gone. */
export function isLabNamespace(name: string, namespace: string): boolean {
  if (namespace === `${name}-sw` || namespace === `${name}-bmc`) return true;
  return namespace.startsWith(`${name}-`) && HOSTNAME.test(namespace.slice(name.length + 1));
}

export function planLab(o: LabOptions): LabTopology {
  const name = checkLabName(o.name);
  if (o.hosts.length === 0) fail('--hosts', 'give at least one host (controller-0)');
  for (const h of o.hosts) personalityOf(h);
  if (new Set(o.hosts).size !== o.hosts.length) fail('--hosts', 'a host is named twice');
  if (!o.hosts.includes('controller-0'))
    fail('--hosts', 'the lab needs controller-0: the controller runs there');
  if (o.hosts.length > MAX_HOSTS) fail('--hosts', `at most ${MAX_HOSTS} hosts`);
  for (const n of o.networks)
    if (!(LAB_NETWORKS as readonly string[]).includes(n))
      fail('--networks', `'${n}' must be one of ${LAB_NETWORKS.join(', ')}`);
  if (!o.networks.includes('mgmt'))
    fail('--networks', 'the lab needs the mgmt network: agents reach the controller over it');
  if (new Set(o.networks).size !== o.networks.length) fail('--networks', 'a network is named twice');
  if (!(BMC_CHOICES as readonly string[]).includes(o.bmc))
    fail('--bmc', `'${o.bmc}' must be one of ${BMC_CHOICES.join(', ')}`);
  if (o.bmc === 'ipmi' && !o.ipmiAvailable) fail('--bmc', 'ipmi needs ipmi_sim (Debian package openipmi)');

  const networks = LAB_NETWORKS.filter((n) => o.networks.includes(n));
  const block = labBlock(name);
  const subnets = Object.fromEntries(
    (Object.keys(WIRE_INDEX) as LabWire[]).map((w) => [w, `169.254.${block + WIRE_INDEX[w]}`]),
  ) as Record<LabWire, string>;
  const bridges: Partial<Record<LabWire, string>> = {};
  for (const w of [...networks, 'bmc'] as LabWire[]) bridges[w] = `br-${WIRE_TAG[w]}`;

  const bmcType = (i: number): BmcKind => {
    if (o.bmc === 'mixed') return o.ipmiAvailable && i % 2 === 1 ? 'ipmi' : 'redfish';
    return o.bmc;
  };
  const hosts: LabHost[] = orderHosts(o.hosts).map((hostname, index) => {
    // As in StarlingX, only controllers are on the OAM network; only controller-0 is wired to the
    // BMC network: the controller drives every BMC from there.
    const personality = personalityOf(hostname);
    const wires: LabWire[] = networks.filter((n) => n !== 'oam' || personality === 'controller');
    if (hostname === 'controller-0') wires.push('bmc');
    const type = bmcType(index);
    return {
      hostname,
      index,
      personality,
      namespace: `${name}-${hostname}`,
      interfaces: wires.map((wire) => ({
        wire,
        ifname: WIRE_IFNAME[wire],
        switchPort: `h${index}-${WIRE_TAG[wire]}`,
        mac: labMac(name, index, wire),
        address: `${subnets[wire]}.${10 + index}`,
        prefixLength: 24,
      })),
      bmc: {
        type,
        address: `${subnets.bmc}.${100 + index}`,
        port: type === 'redfish' ? REDFISH_PORT : IPMI_PORT,
      },
    };
  });

  const rootWire: LabNetwork = networks.includes('oam') ? 'oam' : 'mgmt';
  const controller = hosts.find((h) => h.hostname === 'controller-0')!;
  const addressOn = (h: LabHost, w: LabWire): string => h.interfaces.find((i) => i.wire === w)!.address;
  return {
    name,
    switchNamespace: `${name}-sw`,
    bmcNamespace: `${name}-bmc`,
    networks,
    bridges,
    subnets,
    hosts,
    bmcInterface: { ifname: 'eth0', switchPort: 'bmc-ns', addresses: hosts.map((h) => h.bmc.address) },
    root: {
      ifname: `${name}-${WIRE_TAG[rootWire]}`,
      switchPort: `root-${WIRE_TAG[rootWire]}`,
      wire: rootWire,
      address: `${subnets[rootWire]}.254`,
      prefixLength: 24,
    },
    apiUrl: `https://${addressOn(controller, rootWire)}:${API_PORT}`,
    mgmtApiUrl: `https://${addressOn(controller, 'mgmt')}:${API_PORT}`,
  };
}

/** A host's address on a wire, if it is wired to it. */
export function hostAddress(h: LabHost, wire: LabWire): string | undefined {
  return h.interfaces.find((i) => i.wire === wire)?.address;
}

export function findHost(t: LabTopology, hostname: string): LabHost {
  const h = t.hosts.find((x) => x.hostname === hostname);
  if (!h)
    throw new StarlingError(
      'NOT_FOUND',
      `the lab has no host ${hostname} (it has ${t.hosts.map((x) => x.hostname).join(', ')})`,
      { field: 'host' },
    );
  return h;
}

/** Network names as an operator types them ("cluster-host", also "ch"), checked against the lab's. */
export function parseNetworks(t: LabTopology, names: string[]): LabNetwork[] {
  return names.map((n) => {
    const net = n === 'ch' ? 'cluster-host' : n;
    if (!(t.networks as string[]).includes(net))
      fail('network', `'${n}' is not a network of this lab (${t.networks.join(', ')})`);
    return net as LabNetwork;
  });
}
