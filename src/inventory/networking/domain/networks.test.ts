import { describe, expect, it } from 'vitest';
import { StarlingError } from '../../../common/errors.ts';
import { canonicalIp, checkNewNetwork, checkNewPool, formatIp, parseIp } from './networks.ts';

function refusal(fn: () => unknown): { code: string; field?: string; message: string } {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(StarlingError);
    const s = e as StarlingError;
    return { code: s.code, field: s.field, message: s.message };
  }
  throw new Error('expected a refusal');
}

describe('IP addresses', () => {
  it.each([
    ['192.168.204.2', '192.168.204.2'],
    ['fd00:0:0:0:0:0:0:1', 'fd00::1'],
    ['FD00::1', 'fd00::1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['::', '::'],
    ['::ffff:192.0.2.1', '::ffff:c000:201'],
  ])('reads %s as %s', (text, canonical) => {
    expect(canonicalIp(text)).toBe(canonical);
  });

  it.each(['192.168.1', '256.1.1.1', '1:2:3:4:5:6:7:8:9', '1::2::3', 'fd00::g', 'fe80::1%eth0', ''])(
    'refuses %j',
    (text) => {
      expect(parseIp(text)).toBeUndefined();
    },
  );

  it('round-trips values', () => {
    expect(formatIp({ family: 6, value: (1n << 128n) - 1n })).toBe('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff');
    expect(formatIp({ family: 4, value: 0xc0a8cc01n })).toBe('192.168.204.1');
  });
});

describe('checkNewPool', () => {
  it('gives a pool StarlingX’s defaults: random order, one range without the first and last address', () => {
    expect(checkNewPool({ name: 'management', network: '192.168.204.0', prefix: 24 }, [])).toEqual({
      name: 'management',
      network: '192.168.204.0',
      prefix: 24,
      order: 'random',
      ranges: [['192.168.204.1', '192.168.204.254']],
      floating_address: null,
      controller0_address: null,
      controller1_address: null,
      gateway_address: null,
    });
    const v6 = checkNewPool(
      {
        name: 'mgmt-v6',
        network: 'FD01::',
        prefix: '64',
        ranges: [['fd01::10', 'fd01::ff'], 'fd01::2-fd01::9'],
        gateway_address: 'fd01::1',
      },
      [],
    );
    expect(v6.network).toBe('fd01::');
    expect(v6.ranges).toEqual([
      ['fd01::2', 'fd01::9'],
      ['fd01::10', 'fd01::ff'],
    ]);
    expect(v6.gateway_address).toBe('fd01::1');
  });

  it.each([
    ['host bits set', { name: 'p', network: '10.0.0.1', prefix: 24 }, 'network', 'host bits'],
    ['a prefix too long for IPv4', { name: 'p', network: '10.0.0.0', prefix: 33 }, 'prefix', '1-32'],
    ['a zero prefix', { name: 'p', network: '10.0.0.0', prefix: 0 }, 'prefix', '1-32'],
    ['the null network', { name: 'p', network: '::', prefix: 64 }, 'network', 'null network'],
    ['not an address', { name: 'p', network: 'ten', prefix: 8 }, 'network', 'not an IPv4 or IPv6'],
    [
      'an unknown order',
      { name: 'p', network: '10.0.0.0', prefix: 24, order: 'alphabetical' },
      'order',
      'random, sequential',
    ],
    [
      'a range outside the network',
      { name: 'p', network: '10.0.0.0', prefix: 24, ranges: [['10.0.0.2', '10.0.1.2']] },
      'ranges/0',
      'not in 10.0.0.0/24',
    ],
    [
      'a backwards range',
      { name: 'p', network: '10.0.0.0', prefix: 24, ranges: [['10.0.0.9', '10.0.0.2']] },
      'ranges/0',
      'ends before',
    ],
    [
      'a range with the network address',
      { name: 'p', network: '10.0.0.0', prefix: 24, ranges: [['10.0.0.0', '10.0.0.2']] },
      'ranges/0',
      'network address',
    ],
    [
      'a range with the broadcast address',
      { name: 'p', network: '10.0.0.0', prefix: 24, ranges: [['10.0.0.2', '10.0.0.255']] },
      'ranges/0',
      'broadcast',
    ],
    [
      'overlapping ranges',
      {
        name: 'p',
        network: '10.0.0.0',
        prefix: 24,
        ranges: [
          ['10.0.0.2', '10.0.0.20'],
          ['10.0.0.20', '10.0.0.30'],
        ],
      },
      'ranges',
      'overlap',
    ],
    [
      'an IPv6 range in an IPv4 pool',
      { name: 'p', network: '10.0.0.0', prefix: 24, ranges: [['fd00::1', 'fd00::2']] },
      'ranges/0',
      'is IPv6',
    ],
    [
      'a gateway outside the network',
      { name: 'p', network: '10.0.0.0', prefix: 24, gateway_address: '10.9.0.1' },
      'gateway_address',
      'not in',
    ],
    ['a /31 with no room for a range', { name: 'p', network: '10.0.0.0', prefix: 31 }, 'prefix', 'too small'],
  ])('refuses %s, naming the field', (_, input, field, words) => {
    const r = refusal(() => checkNewPool(input, []));
    expect(r.code).toBe('VALIDATION_FAILED');
    expect(r.field).toBe(field);
    expect(r.message).toContain(words);
  });

  it('refuses a pool overlapping another, and a taken name, as conflicts', () => {
    const others = [
      { name: 'management', network: '192.168.204.0', prefix: 24 },
      { name: 'v6', network: 'fd00::', prefix: 64 },
    ];
    const inside = refusal(() =>
      checkNewPool({ name: 'small', network: '192.168.204.128', prefix: 25 }, others),
    );
    expect(inside).toMatchObject({ code: 'CONFLICT', field: 'network' });
    expect(inside.message).toContain('overlaps address pool management (192.168.204.0/24)');
    expect(
      refusal(() => checkNewPool({ name: 'big', network: '192.168.0.0', prefix: 16 }, others)).field,
    ).toBe('network');
    expect(refusal(() => checkNewPool({ name: 'v6b', network: 'fd00::', prefix: 48 }, others)).field).toBe(
      'network',
    );
    expect(
      refusal(() => checkNewPool({ name: 'management', network: '10.0.0.0', prefix: 24 }, others)),
    ).toMatchObject({ code: 'CONFLICT', field: 'name' });
    // Adjacent networks and other families do not overlap.
    expect(checkNewPool({ name: 'next', network: '192.168.205.0', prefix: 24 }, others).network).toBe(
      '192.168.205.0',
    );
  });
});

describe('checkNewNetwork', () => {
  const pool = { uuid: 'p-1', name: 'management' };
  it('makes a platform network on a pool and a data network without one', () => {
    expect(
      checkNewNetwork(
        { name: 'mgmt', type: 'mgmt', dynamic: 'true', pool_uuid: 'p-1' },
        { networks: [], pool },
      ),
    ).toEqual({ name: 'mgmt', type: 'mgmt', dynamic: true, pool_uuid: 'p-1' });
    expect(checkNewNetwork({ name: 'physnet0', type: 'data', dynamic: false }, { networks: [] })).toEqual({
      name: 'physnet0',
      type: 'data',
      dynamic: false,
      pool_uuid: null,
    });
  });

  it.each([
    [
      'an unknown type',
      { name: 'x', type: 'voice', pool_uuid: 'p-1' },
      { networks: [], pool },
      'VALIDATION_FAILED',
      'type',
    ],
    [
      'a platform network without pool',
      { name: 'x', type: 'oam' },
      { networks: [] },
      'VALIDATION_FAILED',
      'pool_uuid',
    ],
    [
      'a pool that does not exist',
      { name: 'x', type: 'oam', pool_uuid: 'nope' },
      { networks: [] },
      'VALIDATION_FAILED',
      'pool_uuid',
    ],
    [
      'a bad dynamic',
      { name: 'x', type: 'data', dynamic: 'maybe' },
      { networks: [] },
      'VALIDATION_FAILED',
      'dynamic',
    ],
    [
      'a second mgmt network',
      { name: 'mgmt2', type: 'mgmt', pool_uuid: 'p-1' },
      { networks: [{ name: 'mgmt', type: 'mgmt', pool_uuid: 'p-0' }], pool },
      'CONFLICT',
      'type',
    ],
    [
      'a pool another network uses',
      { name: 'oam', type: 'oam', pool_uuid: 'p-1' },
      { networks: [{ name: 'mgmt', type: 'mgmt', pool_uuid: 'p-1' }], pool },
      'CONFLICT',
      'pool_uuid',
    ],
    [
      'a taken name',
      { name: 'mgmt', type: 'data' },
      { networks: [{ name: 'mgmt', type: 'mgmt', pool_uuid: 'p-1' }] },
      'CONFLICT',
      'name',
    ],
  ])('refuses %s', (_, input, facts, code, field) => {
    expect(refusal(() => checkNewNetwork(input, facts))).toMatchObject({ code, field });
  });
});
