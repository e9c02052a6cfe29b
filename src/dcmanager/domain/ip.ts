// Subnets as the subcloud network checks take them (`a.b.c.d/n`, `x::/n`), on inventory's
// address arithmetic (the same bigints its address pools use). Pure.

import { lastAddress, parseIp, type Subnet } from '../../inventory/networking/domain/networks.ts';

export { contains, overlaps, parseIp, type Ip, type Subnet } from '../../inventory/networking/domain/networks.ts';

/** Addresses in the subnet, network and broadcast included. */
export const subnetSize = (s: Subnet): bigint => lastAddress(s) - s.network + 1n;

export type SubnetProblem = 'not-a-subnet' | 'host-bits';

/** `a.b.c.d/n` or `x::/n`: the subnet, or why it is not one. */
export function parseSubnet(text: string): Subnet | SubnetProblem {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text.trim());
  const ip = m && parseIp(m[1]!);
  if (!m || !ip) return 'not-a-subnet';
  const prefix = Number(m[2]);
  if (prefix < 1 || prefix > (ip.family === 4 ? 32 : 128)) return 'not-a-subnet';
  const s: Subnet = { family: ip.family, network: ip.value, prefix };
  return lastAddress({ ...s, network: 0n }) & ip.value ? 'host-bits' : s;
}
