// Addresses from pools (sysinv's address allocation): a host gets one address per dynamic
// platform network its interfaces carry, from that network's pool. Controllers take the pool's
// controller-0/-1 address when it names one; everyone else the pool's next free address in its
// ranges (lowest first for `sequential`, anywhere for `random`), never the pool's floating,
// controller or gateway address nor one another host holds. Pure.

import { StarlingError } from '../../../common/errors.ts';
import { formatIp, parseIp, type AddressPool, type Ip } from './networks.ts';

export interface PoolForAllocation extends Pick<AddressPool, 'name' | 'order' | 'ranges'> {
  floating_address: string | null;
  controller0_address: string | null;
  controller1_address: string | null;
  gateway_address: string | null;
}

/** Random tries before a `random` pool falls back to the lowest free address. */
const RANDOM_TRIES = 64;

const ip = (text: string): Ip => {
  const v = parseIp(text);
  if (!v) throw new Error(`not an address: ${text}`);
  return v;
};

/**
 * The address `hostname` gets from `pool`, given the addresses already held (`taken`, canonical
 * text). `random` is [0, 1), for `random` pools. Throws CONFLICT (field `networks`) when the pool
 * has none left, or when a controller's own address is held by another host.
 */
export function allocateAddress(
  pool: PoolForAllocation,
  hostname: string | null,
  taken: ReadonlySet<string>,
  random: () => number = Math.random,
): string {
  const own =
    hostname === 'controller-0'
      ? pool.controller0_address
      : hostname === 'controller-1'
        ? pool.controller1_address
        : null;
  if (own !== null) {
    if (taken.has(own))
      throw new StarlingError(
        'CONFLICT',
        `address ${own} of ${hostname} in address pool ${pool.name} is held by another host`,
        {
          field: 'networks',
        },
      );
    return own;
  }
  const reserved = new Set(
    [pool.floating_address, pool.controller0_address, pool.controller1_address, pool.gateway_address].filter(
      (a): a is string => a !== null,
    ),
  );
  const free = (value: bigint, family: 4 | 6): string | undefined => {
    const text = formatIp({ family, value });
    return taken.has(text) || reserved.has(text) ? undefined : text;
  };
  const ranges = pool.ranges.map(([a, b]) => [ip(a), ip(b)] as const);
  if (pool.order === 'random') {
    const sizes = ranges.map(([a, b]) => b.value - a.value + 1n);
    const total = sizes.reduce((s, n) => s + n, 0n);
    for (let t = 0; t < RANDOM_TRIES && total > 0n; t++) {
      // A uniform pick over every range together (BigInt: IPv6 ranges exceed 2^53).
      let k = (total * BigInt(Math.floor(random() * 2 ** 32))) >> 32n;
      for (const [i, [a]] of ranges.entries()) {
        if (k < sizes[i]!) {
          const got = free(a.value + k, a.family);
          if (got !== undefined) return got;
          break;
        }
        k -= sizes[i]!;
      }
    }
  }
  // Sequential (or a random pool nearly full): the lowest free address. Only held and reserved
  // addresses are skipped, so this ends after at most taken + 4 steps past the first free one.
  for (const [a, b] of ranges) {
    for (let v = a.value; v <= b.value; v++) {
      const got = free(v, a.family);
      if (got !== undefined) return got;
    }
  }
  throw new StarlingError(
    'CONFLICT',
    `address pool ${pool.name} has no free address left for ${hostname ?? 'this host'}`,
    {
      field: 'networks',
    },
  );
}

/** Whether a pool (as it would be after a change) can still hold an address given from it: in a
 *  range, or one the pool names for a controller. */
export function poolHolds(pool: PoolForAllocation, address: string): boolean {
  if (address === pool.controller0_address || address === pool.controller1_address) return true;
  const a = ip(address);
  return pool.ranges.some(([lo, hi]) => {
    const [l, h] = [ip(lo), ip(hi)];
    return a.family === l.family && a.value >= l.value && a.value <= h.value;
  });
}
