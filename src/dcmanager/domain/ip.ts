// IPv4/IPv6 addresses and subnets as bigints, for the subcloud network checks. Pure.
// (Inventory's address pools do the same arithmetic; the two can share one module in common/.)

export type Family = 4 | 6;
export interface Ip {
  family: Family;
  value: bigint;
}
export interface Subnet {
  family: Family;
  network: bigint;
  prefix: number;
}

const BITS: Record<Family, number> = { 4: 32, 6: 128 };
const V4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

const v4 = (s: string): bigint | undefined =>
  V4.test(s) ? s.split('.').reduce((a, o) => (a << 8n) | BigInt(Number(o)), 0n) : undefined;

/** An IPv4 or IPv6 address (no prefix, no zone), or undefined. */
export function parseIp(text: string): Ip | undefined {
  const s = text.trim();
  const four = v4(s);
  if (four !== undefined) return { family: 4, value: four };
  if (!s.includes(':') || !/^[0-9a-fA-F:.]+$/.test(s) || s.length > 45) return undefined;
  const cut = s.lastIndexOf(':');
  const tail = s.slice(cut + 1);
  if (tail.includes('.')) {
    const t = v4(tail);
    return t === undefined ? undefined : parseIp(`${s.slice(0, cut + 1)}${(t >> 16n).toString(16)}:${(t & 0xffffn).toString(16)}`);
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
  return { family: 6, value: [...left, ...Array<bigint>(8 - given).fill(0n), ...right].reduce((a, g) => (a << 16n) | g, 0n) };
}

const hostMask = (s: Subnet): bigint => (1n << BigInt(BITS[s.family] - s.prefix)) - 1n;
export const lastAddress = (s: Subnet): bigint => s.network | hostMask(s);
export const contains = (s: Subnet, ip: Ip): boolean => ip.family === s.family && ip.value >= s.network && ip.value <= lastAddress(s);
export const overlaps = (a: Subnet, b: Subnet): boolean =>
  a.family === b.family && a.network <= lastAddress(b) && b.network <= lastAddress(a);
/** Addresses in the subnet, network and broadcast included. */
export const subnetSize = (s: Subnet): bigint => hostMask(s) + 1n;

export type SubnetProblem = 'not-a-subnet' | 'host-bits';

/** `a.b.c.d/n` or `x::/n`: the subnet, or why it is not one. */
export function parseSubnet(text: string): Subnet | SubnetProblem {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text.trim());
  const ip = m && parseIp(m[1]!);
  if (!m || !ip) return 'not-a-subnet';
  const prefix = Number(m[2]);
  if (prefix < 1 || prefix > BITS[ip.family]) return 'not-a-subnet';
  const s: Subnet = { family: ip.family, network: ip.value, prefix };
  return (ip.value & hostMask(s)) !== 0n ? 'host-bits' : s;
}
