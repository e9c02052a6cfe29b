// The heartbeat wire format: pulses (controller → agent) and replies (agent → controller), each
// authenticated with HMAC-SHA-512 under the host's key for the network (keys.ts derives them from
// the site key: one per host and network).
//
// Wire format (all integers big-endian), 81 + n bytes:
//   off  len  field
//     0    4  magic "STHB"
//     4    1  version = 1
//     5    1  kind: 1 pulse, 2 reply
//     6    1  network: 1 mgmt, 2 cluster-host, 3 oam
//     7    1  flags (reply: bit0 pmon running, bit1 host healthy per the agent; pulse: 0)
//     8    8  seq, u64 (a reply echoes its pulse's)
//    16    1  n = name length in bytes, 1..255
//    17    n  name, UTF-8: the controller's (pulse) or the host's (reply)
//  17+n   64  HMAC-SHA-512(networkKey(hostKey, network), bytes 0 .. 17+n)
// The MAC covers the network byte and is keyed per network, so a packet made for one network
// never verifies on another. Sequence numbers are wall-clock microseconds (or the last one + 1 if
// larger), so they keep increasing across controller restarts and an agent can refuse any seq not
// newer than the last it accepted on that network (replay), or too far ahead of it
// (maintenance/domain/pulse-seq.ts).

import * as crypto from 'node:crypto';
import { StarlingError } from '../../common/errors.ts';
import { HB_NETWORKS, type HbNetwork } from '../protocol.ts';

export { HB_NETWORKS, type HbNetwork };

/** Agent receive ports. mgmt 2103 and cluster-host 2113 are StarlingX's hbsClient ports. */
export const HB_DEFAULT_PORTS: Record<HbNetwork, number> = { mgmt: 2103, 'cluster-host': 2113, oam: 2123 };

export interface Pulse {
  kind: 'pulse';
  network: HbNetwork;
  seq: bigint;
  controller: string;
}
export interface PulseReply {
  kind: 'reply';
  network: HbNetwork;
  /** Echoes the pulse's. */
  seq: bigint;
  hostname: string;
  /** bit0 pmon running, bit1 host healthy per the agent. */
  flags: number;
}
export type DecodeResult =
  { ok: true; msg: Pulse | PulseReply } | { ok: false; reason: 'malformed' | 'forged' };

export const REPLY_FLAG_PMON = 1;
export const REPLY_FLAG_HEALTHY = 2;

export interface PacketCodec {
  networkKey(key: Buffer, network: HbNetwork): Buffer;
  encode(msg: Pulse | PulseReply, key: Buffer): Buffer;
  decode(buf: Buffer, key: Buffer): DecodeResult;
  /** The network a packet claims (unauthenticated: only to pick the key to verify it with). */
  peekNetwork(buf: Buffer): HbNetwork | null;
  /** The seq a packet claims (unauthenticated: only to find the pulse a reply answers). */
  peekSeq(buf: Buffer): bigint | null;
  /** Wall-clock microseconds, or last + 1 when that is not larger. */
  nextSeq(last: bigint): bigint;
  // The pulser's hot path (2,000 pulses and replies per 100 ms at 1,000 hosts on two networks):
  // seqs as numbers (microseconds stay below 2^53 until the year 2255), no per-packet parsing
  // into objects, a pulse made from a per-target template.
  /** nextSeq on numbers. */
  nextSeqNumber(last: number): number;
  /** A pulse's bytes without seq and MAC, made once per target. */
  pulseTemplate(network: HbNetwork, controller: string): Buffer;
  /** A new pulse: the template with `seq` and its MAC. */
  signPulse(template: Buffer, seq: number, key: Buffer): Buffer;
  /** The seq a packet claims, as a number (null when too short or not a safe integer). */
  peekSeqNumber(buf: Buffer): number | null;
  /** Whether `buf` is an authentic reply on `network` under `key` (its seq is checked by the caller). */
  checkReply(buf: Buffer, key: Buffer, network: HbNetwork): 'ok' | 'malformed' | 'forged';
  /** The hostname of a reply checkReply accepted (null if it is not valid UTF-8). */
  replyHostname(buf: Buffer): string | null;
}

/**
 * The codec, self-contained: it uses only its argument and JavaScript/Node globals, no module
 * scope, because the pulser's worker runs it from its source text (see pulser-worker.ts). Keep it
 * that way: a reference to anything outside this function fails only inside the worker.
 */
export function packetCodec(nodeCrypto: typeof crypto): PacketCodec {
  const MAGIC = 0x53544842; // "STHB"
  const VERSION = 1;
  const HEADER = 17;
  const MAC = 64;
  const KINDS = ['pulse', 'reply'] as const;
  const NETWORKS = ['mgmt', 'cluster-host', 'oam'] as const;
  const MAX_SEQ = (1n << 64n) - 1n;

  const mac = (key: Buffer, data: Buffer): Buffer =>
    nodeCrypto.createHmac('sha512', key).update(data).digest();
  const utf8 = new TextDecoder('utf-8', { fatal: true });

  return {
    networkKey: (key, network) => mac(key, Buffer.from(`starling heartbeat ${network}`)),

    encode(msg, key) {
      const name = Buffer.from(msg.kind === 'pulse' ? msg.controller : msg.hostname, 'utf8');
      const flags = msg.kind === 'reply' ? msg.flags : 0;
      if (name.length < 1 || name.length > 255) throw new RangeError('heartbeat name must be 1..255 bytes');
      if (msg.seq < 0n || msg.seq > MAX_SEQ) throw new RangeError('heartbeat seq must fit in 64 bits');
      if (!Number.isInteger(flags) || flags < 0 || flags > 255)
        throw new RangeError('heartbeat flags must be 0..255');
      const buf = Buffer.alloc(HEADER + name.length + MAC);
      buf.writeUInt32BE(MAGIC, 0);
      buf.writeUInt8(VERSION, 4);
      buf.writeUInt8(KINDS.indexOf(msg.kind) + 1, 5);
      buf.writeUInt8(NETWORKS.indexOf(msg.network) + 1, 6);
      buf.writeUInt8(flags, 7);
      buf.writeBigUInt64BE(msg.seq, 8);
      buf.writeUInt8(name.length, 16);
      name.copy(buf, HEADER);
      mac(key, buf.subarray(0, HEADER + name.length)).copy(buf, HEADER + name.length);
      return buf;
    },

    decode(buf, key) {
      try {
        if (!(buf instanceof Uint8Array) || buf.length < HEADER + 1 + MAC)
          return { ok: false, reason: 'malformed' };
        const b = Buffer.from(buf.buffer, buf.byteOffset, buf.length);
        const n = b.readUInt8(16);
        const kind = KINDS[b.readUInt8(5) - 1];
        const network = NETWORKS[b.readUInt8(6) - 1];
        if (
          b.readUInt32BE(0) !== MAGIC ||
          b.readUInt8(4) !== VERSION ||
          b.length !== HEADER + n + MAC ||
          !kind ||
          !network
        ) {
          return { ok: false, reason: 'malformed' };
        }
        const body = b.subarray(0, HEADER + n);
        if (!nodeCrypto.timingSafeEqual(mac(key, body), b.subarray(HEADER + n)))
          return { ok: false, reason: 'forged' };
        const name = utf8.decode(b.subarray(HEADER, HEADER + n));
        const seq = b.readBigUInt64BE(8);
        const flags = b.readUInt8(7);
        return kind === 'pulse'
          ? { ok: true, msg: { kind, network, seq, controller: name } }
          : { ok: true, msg: { kind, network, seq, hostname: name, flags } };
      } catch {
        // Anything unexpected (invalid UTF-8 in an authenticated name) is a bad packet, not a crash.
        return { ok: false, reason: 'malformed' };
      }
    },

    peekNetwork: (buf) => (buf.length > 6 ? (NETWORKS[(buf[6] ?? 0) - 1] ?? null) : null),

    peekSeq: (buf) => (buf.length >= HEADER ? Buffer.from(buf.buffer, buf.byteOffset, buf.length).readBigUInt64BE(8) : null),

    nextSeq(last) {
      const now = BigInt(Date.now()) * 1000n;
      return now > last ? now : last + 1n;
    },

    nextSeqNumber(last) {
      const now = Date.now() * 1000;
      return now > last ? now : last + 1;
    },

    pulseTemplate(network, controller) {
      const name = Buffer.from(controller, 'utf8');
      if (name.length < 1 || name.length > 255) throw new RangeError('heartbeat name must be 1..255 bytes');
      const buf = Buffer.alloc(HEADER + name.length + MAC);
      buf.writeUInt32BE(MAGIC, 0);
      buf[4] = VERSION;
      buf[5] = 1; // pulse
      buf[6] = NETWORKS.indexOf(network) + 1;
      buf[16] = name.length;
      name.copy(buf, HEADER);
      return buf;
    },

    signPulse(template, seq, key) {
      const buf = Buffer.allocUnsafe(template.length);
      template.copy(buf);
      buf.writeUInt32BE(Math.floor(seq / 4294967296), 8);
      buf.writeUInt32BE(seq % 4294967296, 12);
      const body = template.length - MAC;
      mac(key, buf.subarray(0, body)).copy(buf, body);
      return buf;
    },

    peekSeqNumber(buf) {
      if (buf.length < HEADER) return null;
      const hi = buf.readUInt32BE(8);
      return hi >= 0x200000 ? null : hi * 4294967296 + buf.readUInt32BE(12);
    },

    checkReply(buf, key, network) {
      if (buf.length < HEADER + 1 + MAC) return 'malformed';
      const n = buf[16]!;
      if (
        buf.length !== HEADER + n + MAC ||
        buf.readUInt32BE(0) !== MAGIC ||
        buf[4] !== VERSION ||
        buf[5] !== 2 ||
        buf[6] !== NETWORKS.indexOf(network) + 1
      )
        return 'malformed';
      return nodeCrypto.timingSafeEqual(mac(key, buf.subarray(0, HEADER + n)), buf.subarray(HEADER + n))
        ? 'ok'
        : 'forged';
    },

    replyHostname(buf) {
      try {
        return utf8.decode(buf.subarray(HEADER, HEADER + buf[16]!));
      } catch {
        return null;
      }
    },
  };
}

const codec = packetCodec(crypto);

/** HMAC-SHA-512(key, 'starling heartbeat ' + network); keys.ts applies it to a host's key. */
export function networkKey(key: Buffer, network: HbNetwork): Buffer {
  return codec.networkKey(key, network);
}

export function encodePacket(msg: Pulse | PulseReply, key: Buffer): Buffer {
  try {
    return codec.encode(msg, key);
  } catch (e) {
    throw new StarlingError('VALIDATION_FAILED', e instanceof Error ? e.message : String(e), { cause: e });
  }
}

/** Never throws; compares the MAC in constant time. */
export function decodePacket(buf: Buffer, key: Buffer): DecodeResult {
  return codec.decode(buf, key);
}

export function peekNetwork(buf: Buffer): HbNetwork | null {
  return codec.peekNetwork(buf);
}

export function nextSeq(last: bigint): bigint {
  return codec.nextSeq(last);
}

/** The check a name gets before it goes on the wire (hostname, controller name). */
export function checkHbName(name: string, field: string): void {
  const n = Buffer.byteLength(name, 'utf8');
  if (n < 1 || n > 255)
    throw new StarlingError('VALIDATION_FAILED', `${field} must be 1 to 255 bytes`, { field });
}
