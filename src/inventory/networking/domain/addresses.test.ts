import { describe, expect, it } from 'vitest';
import { StarlingError } from '../../../common/errors.ts';
import { allocateAddress, poolHolds, type PoolForAllocation } from './addresses.ts';

const mgmt: PoolForAllocation = {
  name: 'management',
  order: 'sequential',
  ranges: [['192.168.204.2', '192.168.204.9']],
  floating_address: '192.168.204.2',
  controller0_address: '192.168.204.3',
  controller1_address: '192.168.204.4',
  gateway_address: null,
};

describe('addresses from pools', () => {
  it('sequential: the lowest free address, never a floating, controller or gateway address', () => {
    expect(allocateAddress(mgmt, 'worker-0', new Set())).toBe('192.168.204.5');
    expect(allocateAddress(mgmt, 'worker-1', new Set(['192.168.204.5', '192.168.204.6']))).toBe(
      '192.168.204.7',
    );
    expect(allocateAddress({ ...mgmt, gateway_address: '192.168.204.5' }, 'worker-0', new Set())).toBe(
      '192.168.204.6',
    );
  });

  it('controllers take the address the pool names for them', () => {
    expect(allocateAddress(mgmt, 'controller-0', new Set())).toBe('192.168.204.3');
    expect(allocateAddress(mgmt, 'controller-1', new Set(['192.168.204.3']))).toBe('192.168.204.4');
    expect(allocateAddress({ ...mgmt, controller1_address: null }, 'controller-1', new Set())).toBe(
      '192.168.204.4',
    );
  });

  it('a pool with nothing left, or a controller address someone else holds, is a conflict naming networks', () => {
    const full = new Set([
      '192.168.204.5',
      '192.168.204.6',
      '192.168.204.7',
      '192.168.204.8',
      '192.168.204.9',
    ]);
    for (const [host, taken] of [
      ['worker-9', full],
      ['controller-0', new Set(['192.168.204.3'])],
    ] as const) {
      try {
        allocateAddress(mgmt, host, taken);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(StarlingError);
        expect((e as StarlingError).code).toBe('CONFLICT');
        expect((e as StarlingError).field).toBe('networks');
      }
    }
  });

  it('random: anywhere in the ranges (every range, IPv6 beyond 2^53 too), falling back to the lowest free', () => {
    const pool: PoolForAllocation = {
      ...mgmt,
      order: 'random',
      ranges: [
        ['10.0.0.1', '10.0.0.2'],
        ['10.0.1.1', '10.0.1.2'],
      ],
      floating_address: null,
      controller0_address: null,
      controller1_address: null,
    };
    const seen = new Set<string>();
    for (const r of [0, 0.3, 0.6, 0.9]) seen.add(allocateAddress(pool, 'worker-0', new Set(), () => r));
    expect([...seen].sort()).toEqual(['10.0.0.1', '10.0.0.2', '10.0.1.1', '10.0.1.2']);
    expect(allocateAddress(pool, 'worker-0', new Set(['10.0.0.1', '10.0.0.2', '10.0.1.1']), () => 0)).toBe(
      '10.0.1.2',
    );
    const v6: PoolForAllocation = { ...pool, ranges: [['fd00::1', 'fd00::ffff:ffff:ffff:fffe']] };
    expect(allocateAddress(v6, 'worker-0', new Set(), () => 0.5)).toBe('fd00::8000:0:0:0');
  });

  it('a changed pool must still hold the addresses it gave: in a range, or a controller’s own', () => {
    expect(poolHolds(mgmt, '192.168.204.9')).toBe(true);
    expect(poolHolds(mgmt, '192.168.204.10')).toBe(false);
    expect(poolHolds({ ...mgmt, ranges: [['192.168.204.5', '192.168.204.6']] }, '192.168.204.3')).toBe(true);
    expect(poolHolds(mgmt, 'fd00::1')).toBe(false);
  });
});
