import { createHash, createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  HB_NETWORKS,
  decodePacket,
  encodePacket,
  networkKey,
  nextSeq,
  peekNetwork,
  type Pulse,
  type PulseReply,
} from './packet.ts';

const siteKey = randomBytes(32);
const mgmtKey = networkKey(siteKey, 'mgmt');
const pulse: Pulse = {
  kind: 'pulse',
  network: 'mgmt',
  seq: 1_767_225_600_000_000n,
  nonce: 0x0123456789abcdefn,
  controller: 'controller-0',
};
const reply: PulseReply = { kind: 'reply', network: 'mgmt', seq: pulse.seq, nonce: pulse.nonce, hostname: 'worker-0', flags: 3 };
/** SHA3-256(key ‖ body): the packets' MAC. */
const macOf = (key: Buffer, body: Buffer) => createHash('sha3-256').update(Buffer.concat([key, body])).digest();

describe('heartbeat packets', () => {
  it('derives one key per network: HMAC-SHA-512(site key, "starling heartbeat <network>")', () => {
    for (const n of HB_NETWORKS) {
      expect(networkKey(siteKey, n)).toEqual(
        createHmac('sha512', siteKey).update(`starling heartbeat ${n}`).digest(),
      );
    }
    expect(new Set(HB_NETWORKS.map((n) => networkKey(siteKey, n).toString('hex'))).size).toBe(3);
  });

  it('round-trips pulses and replies in the documented layout', () => {
    const buf = encodePacket(pulse, mgmtKey);
    expect(buf.length).toBe(57 + 'controller-0'.length);
    expect(buf.subarray(0, 4).toString()).toBe('STHB');
    expect([...buf.subarray(4, 8)]).toEqual([2, 1, 1, 0]);
    expect(buf.readBigUInt64BE(8)).toBe(pulse.seq);
    expect(buf.readBigUInt64BE(16)).toBe(pulse.nonce);
    expect(buf[24]).toBe('controller-0'.length);
    expect(buf.subarray(-32)).toEqual(macOf(mgmtKey, buf.subarray(0, -32)));
    expect(decodePacket(buf, mgmtKey)).toEqual({ ok: true, msg: pulse });

    const r = encodePacket(reply, mgmtKey);
    expect([r[5], r[7]]).toEqual([2, 3]);
    expect(decodePacket(r, mgmtKey)).toEqual({ ok: true, msg: reply });
  });

  it.each(HB_NETWORKS.map((n, i) => [n, i + 1] as const))(
    'puts network %s on the wire as %i',
    (network, byte) => {
      const buf = encodePacket({ ...pulse, network }, networkKey(siteKey, network));
      expect(buf[6]).toBe(byte);
      expect(peekNetwork(buf)).toBe(network);
    },
  );

  it('carries UTF-8 names and 64-bit sequence numbers and nonces', () => {
    const msg: PulseReply = { ...reply, hostname: 'wörker-ü', seq: (1n << 64n) - 1n, nonce: (1n << 64n) - 1n };
    expect(decodePacket(encodePacket(msg, mgmtKey), mgmtKey)).toEqual({ ok: true, msg });
  });

  it('refuses to encode what the format cannot carry', () => {
    expect(() => encodePacket({ ...pulse, controller: 'x'.repeat(256) }, mgmtKey)).toThrow(/1..255 bytes/);
    expect(() => encodePacket({ ...pulse, controller: '' }, mgmtKey)).toThrow(/1..255 bytes/);
    expect(() => encodePacket({ ...pulse, seq: 1n << 64n }, mgmtKey)).toThrow(/64 bits/);
    expect(() => encodePacket({ ...pulse, nonce: -1n }, mgmtKey)).toThrow(/64 bits/);
    expect(() => encodePacket({ ...reply, flags: 256 }, mgmtKey)).toThrow(/flags/);
  });

  describe('drops what it cannot trust', () => {
    const good = encodePacket(pulse, mgmtKey);
    const flip = (i: number) => {
      const b = Buffer.from(good);
      b[i] = b[i]! ^ 0x01;
      return b;
    };
    it.each<[string, Buffer, Buffer, 'forged' | 'malformed']>([
      ['the wrong site key', good, networkKey(randomBytes(32), 'mgmt'), 'forged'],
      [
        'another network’s key (cluster-host pulse read as mgmt)',
        encodePacket({ ...pulse, network: 'cluster-host' }, networkKey(siteKey, 'cluster-host')),
        mgmtKey,
        'forged',
      ],
      ['a flipped bit in the seq', flip(12), mgmtKey, 'forged'],
      ['a flipped bit in the nonce', flip(20), mgmtKey, 'forged'],
      ['a flipped bit in the name', flip(28), mgmtKey, 'forged'],
      ['a flipped bit in the flags', flip(7), mgmtKey, 'forged'],
      ['a flipped bit in the MAC', flip(good.length - 1), mgmtKey, 'forged'],
      ['a flipped bit in the magic', flip(0), mgmtKey, 'malformed'],
      ['another version', flip(4), mgmtKey, 'malformed'],
      ['an unknown kind', Object.assign(Buffer.from(good), { 5: 9 }), mgmtKey, 'malformed'],
      ['an unknown network', Object.assign(Buffer.from(good), { 6: 0 }), mgmtKey, 'malformed'],
      ['a truncated packet', good.subarray(0, good.length - 1), mgmtKey, 'malformed'],
      ['a packet with bytes appended', Buffer.concat([good, Buffer.from([0])]), mgmtKey, 'malformed'],
      ['a name length that lies', Object.assign(Buffer.from(good), { 24: 3 }), mgmtKey, 'malformed'],
      ['an empty datagram', Buffer.alloc(0), mgmtKey, 'malformed'],
    ])('%s', (_, buf, key, reason) => {
      expect(decodePacket(buf, key)).toEqual({ ok: false, reason });
    });

    it('never throws, whatever the bytes', () => {
      for (let i = 0; i < 2000; i++) {
        const junk = randomBytes(i % 200);
        if (i % 3 === 0 && junk.length > 25) good.copy(junk, 0, 0, 25); // a valid header over junk
        const r = decodePacket(junk, mgmtKey);
        expect(r.ok).toBe(false);
      }
      expect(decodePacket('not a buffer' as unknown as Buffer, mgmtKey)).toEqual({
        ok: false,
        reason: 'malformed',
      });
    });

    it('an authentic name that is not UTF-8 is malformed', () => {
      const buf = encodePacket({ ...pulse, controller: 'ab' }, mgmtKey);
      buf[25] = 0xff;
      macOf(mgmtKey, buf.subarray(0, -32)).copy(buf, buf.length - 32);
      expect(decodePacket(buf, mgmtKey)).toEqual({ ok: false, reason: 'malformed' });
    });
  });

  it('sequence numbers follow the wall clock in microseconds and always increase', () => {
    const before = BigInt(Date.now()) * 1000n;
    const a = nextSeq(0n);
    expect(a).toBeGreaterThanOrEqual(before);
    let last = a;
    for (let i = 0; i < 10_000; i++) {
      const s = nextSeq(last);
      expect(s).toBeGreaterThan(last);
      last = s;
    }
    // 10,000 pulses in a burst run the seq ahead of the clock by at most 10 ms: a controller that
    // restarts (last = 0) later than that starts above everything the earlier one sent.
    expect(last - BigInt(Date.now()) * 1000n).toBeLessThan(10_000n);
  });
});
