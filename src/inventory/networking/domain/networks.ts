// Address pools and networks (system addrpool-*, network-*): IPv4/IPv6 arithmetic on bigints,
// StarlingX's pool checks (address_pool.py) and network types (network.py). Pure.

import { StarlingError } from '../../../common/errors.ts';

export type Family = 4 | 6;
export interface Ip {
  family: Family;
  value: bigint;
}

const BITS: Record<Family, number> = { 4: 32, 6: 128 };

const fail = (field: string, message: string): never => {
  throw new StarlingError('VALIDATION_FAILED', message, { field });
};

const V4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function v4Value(s: string): bigint | undefined {
  if (!V4.test(s)) return undefined;
  return s.split('.').reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n);
}

/** An IPv4 or IPv6 address (no prefix, no zone), or undefined. */
export function parseIp(text: string): Ip | undefined {
  const s = text.trim();
  const v4 = v4Value(s);
  if (v4 !== undefined) return { family: 4, value: v4 };
  if (!s.includes(':') || !/^[0-9a-fA-F:.]+$/.test(s) || s.length > 45) return undefined;
  // An IPv4 tail (::ffff:192.0.2.1) is two groups written differently.
  const lastColon = s.lastIndexOf(':');
  const tail = s.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v = v4Value(tail);
    if (v === undefined) return undefined;
    return parseIp(`${s.slice(0, lastColon + 1)}${(v >> 16n).toString(16)}:${(v & 0xffffn).toString(16)}`);
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string): bigint[] | undefined => {
    if (part === '') return [];
    const out: bigint[] = [];
    for (const g of part.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(BigInt(`0x${g}`));
    }
    return out;
  };
  const left = groups(halves[0]!);
  const right = halves.length === 2 ? groups(halves[1]!) : [];
  if (left === undefined || right === undefined) return undefined;
  const given = left.length + right.length;
  if (halves.length === 2 ? given > 7 : given !== 8) return undefined;
  const all = [...left, ...Array<bigint>(8 - given).fill(0n), ...right];
  return { family: 6, value: all.reduce((acc, g) => (acc << 16n) | g, 0n) };
}

/** Dotted IPv4; IPv6 in RFC 5952's form (lower case, the longest run of 2+ zero groups as ::). */
export function formatIp(ip: Ip): string {
  if (ip.family === 4) return [24n, 16n, 8n, 0n].map((s) => ((ip.value >> s) & 255n).toString()).join('.');
  const g = Array.from({ length: 8 }, (_, i) => Number((ip.value >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > best.len && j - i >= 2) best = { at: i, len: j - i };
    i = j;
  }
  const hex = (a: number[]) => a.map((x) => x.toString(16)).join(':');
  if (best.at < 0) return hex(g);
  return `${hex(g.slice(0, best.at))}::${hex(g.slice(best.at + best.len))}`;
}

/** The same address written canonically, or undefined when it is not one. */
export const canonicalIp = (text: string): string | undefined => {
  const ip = parseIp(text);
  return ip && formatIp(ip);
};

export interface Subnet {
  family: Family;
  network: bigint;
  prefix: number;
}

const hostMask = (s: Subnet): bigint => (1n << BigInt(BITS[s.family] - s.prefix)) - 1n;
export const firstAddress = (s: Subnet): bigint => s.network;
export const lastAddress = (s: Subnet): bigint => s.network | hostMask(s);
export const contains = (s: Subnet, ip: Ip): boolean =>
  ip.family === s.family && ip.value >= s.network && ip.value <= lastAddress(s);
export const overlaps = (a: Subnet, b: Subnet): boolean =>
  a.family === b.family && a.network <= lastAddress(b) && b.network <= lastAddress(a);
export const subnetText = (s: Subnet): string =>
  `${formatIp({ family: s.family, value: s.network })}/${s.prefix}`;

// --- address pools --------------------------------------------------------------------------------

export const ALLOCATION_ORDERS = ['random', 'sequential'] as const;
export const POOL_ADDRESS_FIELDS = [
  'floating_address',
  'controller0_address',
  'controller1_address',
  'gateway_address',
] as const;

export interface AddressPool {
  name: string;
  network: string;
  prefix: number;
  order: (typeof ALLOCATION_ORDERS)[number];
  ranges: [string, string][];
  floating_address: string | null;
  controller0_address: string | null;
  controller1_address: string | null;
  gateway_address: string | null;
}

export interface ExistingPool {
  name: string;
  network: string;
  prefix: number;
}

const integer = (v: unknown, field: string): number => {
  const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) return fail(field, `${field} must be a whole number`);
  return n;
};

const text = (v: unknown, field: string, max = 255): string => {
  if (typeof v !== 'string' || v.trim() === '') return fail(field, `${field} must be a non-empty string`);
  if (v.length > max) return fail(field, `${field} must have at most ${max} characters`);
  return v;
};

export function subnetOf(network: string, prefix: number, field = 'network'): Subnet {
  const ip = parseIp(network);
  if (!ip) return fail(field, `network '${network}' is not an IPv4 or IPv6 address`);
  if (prefix < 1 || prefix > BITS[ip.family])
    fail('prefix', `prefix must be 1-${BITS[ip.family]} for an IPv${ip.family} network`);
  const s: Subnet = { family: ip.family, network: ip.value, prefix };
  if ((ip.value & hostMask(s)) !== 0n)
    fail(
      field,
      `${network}/${prefix} has host bits set: the network address is ${subnetText({ ...s, network: ip.value & ~hostMask(s) })}`,
    );
  if (ip.value === 0n) fail(field, 'the network must not be the null network');
  return s;
}

/** A range's bounds as [start, end] from ["a", "b"], "a-b" (cgtsclient's spelling) or {start, end}. */
function rangePair(v: unknown, at: string): [string, string] {
  if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string')
    return [v[0], v[1]];
  if (typeof v === 'string' && v.split('-').length === 2)
    return v.split('-').map((x) => x.trim()) as [string, string];
  return fail(at, `${at} must be a [start, end] pair of addresses`);
}

/**
 * addrpool-add: the pool as it will be stored (addresses canonical, ranges sorted, StarlingX's
 * defaults: order random, one range of every address but the network's and the last), or the
 * rule broken. Overlap with `others` is a conflict naming the other pool.
 */
export function checkNewPool(input: Record<string, unknown>, others: ExistingPool[]): AddressPool {
  const name = text(input.name, 'name');
  if (input.network === undefined) fail('network', 'network is required');
  if (input.prefix === undefined) fail('prefix', 'prefix is required');
  const prefix = integer(input.prefix, 'prefix');
  const subnet = subnetOf(text(input.network, 'network', 45), prefix);
  const order = input.order ?? 'random';
  if (!(ALLOCATION_ORDERS as readonly unknown[]).includes(order))
    fail('order', `order must be one of ${ALLOCATION_ORDERS.join(', ')}`);

  const inside = (ip: Ip | undefined, field: string, what: string): Ip => {
    if (!ip) return fail(field, `${what} is not an IPv${subnet.family} address`);
    if (ip.family !== subnet.family)
      fail(field, `${what} is IPv${ip.family}, the network is IPv${subnet.family}`);
    if (!contains(subnet, ip)) fail(field, `${what} is not in ${subnetText(subnet)}`);
    return ip;
  };
  const broadcast = subnet.family === 4 && subnet.prefix < 31 ? lastAddress(subnet) : undefined;

  let ranges: [Ip, Ip][];
  if (
    input.ranges === undefined ||
    input.ranges === null ||
    (Array.isArray(input.ranges) && input.ranges.length === 0)
  ) {
    const size = lastAddress(subnet) - firstAddress(subnet) + 1n;
    if (size < 4n) fail('prefix', `${subnetText(subnet)} is too small for a pool (at least 4 addresses)`);
    ranges = [
      [
        { family: subnet.family, value: subnet.network + 1n },
        { family: subnet.family, value: lastAddress(subnet) - 1n },
      ],
    ];
  } else {
    const list: unknown[] =
      typeof input.ranges === 'string'
        ? input.ranges.split(',')
        : Array.isArray(input.ranges)
          ? input.ranges
          : fail('ranges', 'ranges must be a list of [start, end] pairs');
    ranges = list.map((r, i) => {
      const at = `ranges/${i}`;
      const [a, b] = rangePair(r, at);
      const start = inside(parseIp(a), at, `range start ${a}`);
      const end = inside(parseIp(b), at, `range end ${b}`);
      if (start.value > end.value) fail(at, `range ${a}-${b} ends before it starts`);
      if (start.value === subnet.network) fail(at, `range ${a}-${b} includes the network address`);
      if (broadcast !== undefined && end.value === broadcast)
        fail(at, `range ${a}-${b} includes the broadcast address`);
      return [start, end];
    });
    ranges.sort((x, y) => (x[0].value < y[0].value ? -1 : x[0].value > y[0].value ? 1 : 0));
    for (let i = 1; i < ranges.length; i++) {
      if (ranges[i]![0].value <= ranges[i - 1]![1].value) {
        fail(
          'ranges',
          `ranges ${formatIp(ranges[i - 1]![0])}-${formatIp(ranges[i - 1]![1])} and ${formatIp(ranges[i]![0])}-${formatIp(ranges[i]![1])} overlap`,
        );
      }
    }
  }

  const addresses: Partial<Record<(typeof POOL_ADDRESS_FIELDS)[number], string>> = {};
  for (const f of POOL_ADDRESS_FIELDS) {
    if (input[f] === undefined || input[f] === null || input[f] === '') continue;
    const v = text(input[f], f, 45);
    const ip = inside(parseIp(v), f, `${f} ${v}`);
    if (ip.value === subnet.network || ip.value === broadcast)
      fail(f, `${f} ${v} is the network or broadcast address of ${subnetText(subnet)}`);
    addresses[f] = formatIp(ip);
  }

  for (const o of others) {
    const os = subnetOf(o.network, o.prefix);
    if (o.name === name)
      throw new StarlingError('CONFLICT', `an address pool named ${name} already exists`, { field: 'name' });
    if (overlaps(subnet, os)) {
      throw new StarlingError(
        'CONFLICT',
        `${subnetText(subnet)} overlaps address pool ${o.name} (${subnetText(os)})`,
        { field: 'network' },
      );
    }
  }

  return {
    name,
    network: formatIp({ family: subnet.family, value: subnet.network }),
    prefix,
    order: order as AddressPool['order'],
    ranges: ranges.map(([a, b]) => [formatIp(a), formatIp(b)]),
    floating_address: addresses.floating_address ?? null,
    controller0_address: addresses.controller0_address ?? null,
    controller1_address: addresses.controller1_address ?? null,
    gateway_address: addresses.gateway_address ?? null,
  };
}

// --- networks ------------------------------------------------------------------------------------

/** Network types: StarlingX's platform types, plus `data` (StarlingX keeps data networks apart,
 *  in /v1/datanetworks; here they are networks of type data, with no address pool needed). */
export const NETWORK_TYPES = [
  'mgmt',
  'pxeboot',
  'oam',
  'cluster-host',
  'cluster-pod',
  'cluster-service',
  'storage',
  'admin',
  'multicast',
  'data',
] as const;
export type NetworkType = (typeof NETWORK_TYPES)[number];
/** Types an interface of class platform carries (StarlingX's PLATFORM_NETWORK_TYPES). */
export const PLATFORM_NETWORK_TYPES: readonly NetworkType[] = [
  'mgmt',
  'pxeboot',
  'oam',
  'cluster-host',
  'storage',
  'admin',
];

export interface NewNetwork {
  name: string;
  type: NetworkType;
  dynamic: boolean;
  pool_uuid: string | null;
}

export interface NetworkFacts {
  /** Networks that exist. */
  networks: { name: string; type: string; pool_uuid: string | null }[];
  /** The pool named in the request, when it exists. */
  pool?: { uuid: string; name: string };
}

/** network-add: the network as it will be stored, or the rule broken. */
export function checkNewNetwork(input: Record<string, unknown>, facts: NetworkFacts): NewNetwork {
  const name = text(input.name, 'name');
  const type = input.type;
  if (!(NETWORK_TYPES as readonly unknown[]).includes(type))
    fail('type', `type must be one of ${NETWORK_TYPES.join(', ')}`);
  const t = type as NetworkType;
  let dynamic = true;
  if (input.dynamic !== undefined) {
    const d = typeof input.dynamic === 'string' ? input.dynamic.toLowerCase() : input.dynamic;
    if (d !== true && d !== false && d !== 'true' && d !== 'false')
      fail('dynamic', 'dynamic must be true or false');
    dynamic = d === true || d === 'true';
  }
  const poolRef =
    input.pool_uuid === undefined || input.pool_uuid === null || input.pool_uuid === ''
      ? null
      : input.pool_uuid;
  if (poolRef === null && t !== 'data') fail('pool_uuid', `a ${t} network needs an address pool (pool_uuid)`);
  if (poolRef !== null && facts.pool === undefined)
    fail('pool_uuid', `there is no address pool ${JSON.stringify(poolRef)}`);
  for (const n of facts.networks) {
    if (n.name === name)
      throw new StarlingError('CONFLICT', `a network named ${name} already exists`, { field: 'name' });
    if (t !== 'data' && n.type === t)
      throw new StarlingError(
        'CONFLICT',
        `a network of type ${t} already exists (${n.name}): there is one per type`,
        { field: 'type' },
      );
    if (facts.pool && n.pool_uuid === facts.pool.uuid) {
      throw new StarlingError(
        'CONFLICT',
        `address pool ${facts.pool.name} already serves network ${n.name}`,
        { field: 'pool_uuid' },
      );
    }
  }
  return { name, type: t, dynamic, pool_uuid: facts.pool?.uuid ?? null };
}
