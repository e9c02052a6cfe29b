// The heartbeat wire format: pulses (controller → agents) and replies (agent → controller).
// StarlingX's hbsAgent sends one multicast pulse per network per period and each hbsClient answers
// unicast; so does this protocol, which is what makes it cheap for the controller at 1,000 hosts
// (one send per network and period, one receive and one MAC per host and network).
//  - A pulse is the same for every host of a network: it is authenticated with the network's
//    pulse key (keys.ts: one per site and network, held by the controllers and every agent), and
//    carries a sequence number and a random nonce chosen for this period.
//  - A reply echoes the pulse's seq and nonce and is authenticated with the host's own key for the
//    network (keys.ts: one per host and network). Only the host can make it, and only after the
//    pulse was sent (the nonce cannot be guessed): a reply kept from an earlier period, or made in
//    advance by someone who sent the host a pulse of their own, answers no later pulse.
//
// Wire format (all integers big-endian), 57 + n bytes:
//   off  len  field
//     0    4  magic "STHB"
//     4    1  version = 2
//     5    1  kind: 1 pulse, 2 reply
//     6    1  network: 1 mgmt, 2 cluster-host, 3 oam
//     7    1  flags (reply: bit0 pmon running, bit1 host healthy per the agent, bit2 the pulse
//             came by multicast; pulse: 0)
//     8    8  seq, u64 (a reply echoes its pulse's)
//    16    8  nonce, random per pulse (a reply echoes its pulse's)
//    24    1  n = name length in bytes, 1..255
//    25    n  name, UTF-8: the controller's (pulse) or the host's (reply)
//  25+n   32  MAC = SHA3-256(key ‖ bytes 0 .. 25+n), key 64 bytes (a prefix MAC: SHA-3 has no
//             length extension, so it is a MAC as HMAC is, at half HMAC-SHA-512's cost in node)
// The MAC covers the network byte and keys are per network, so a packet made for one network never
// verifies on another. Sequence numbers are wall-clock microseconds (or the last one + 1 if
// larger), so they keep increasing across controller restarts and an agent can refuse any seq not
// newer than the last it accepted on that network (replay), or too far ahead of it
// (pulse-seq.ts).

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
  /** Random per pulse, u64. */
  nonce: bigint;
  controller: string;
}
export interface PulseReply {
  kind: 'reply';
  network: HbNetwork;
  /** Echoes the pulse's. */
  seq: bigint;
  /** Echoes the pulse's. */
  nonce: bigint;
  hostname: string;
  /** bit0 pmon running, bit1 host healthy per the agent, bit2 the pulse came by multicast. */
  flags: number;
}
export type DecodeResult =
  { ok: true; msg: Pulse | PulseReply } | { ok: false; reason: 'malformed' | 'forged' };

export const REPLY_FLAG_PMON = 1;
export const REPLY_FLAG_HEALTHY = 2;
/** Set by the responder on a reply to a pulse it received on the network's multicast group. */
export const REPLY_FLAG_MULTICAST = 4;

export interface PacketCodec {
  /** HMAC-SHA-512(key, "starling heartbeat " + label): how keys.ts derives the keys. */
  networkKey(key: Buffer, label: string): Buffer;
  encode(msg: Pulse | PulseReply, key: Buffer): Buffer;
  decode(buf: Buffer, key: Buffer): DecodeResult;
  /** The network a packet claims (unauthenticated: only to pick the key to verify it with). */
  peekNetwork(buf: Buffer): HbNetwork | null;
  /** Wall-clock microseconds, or last + 1 when that is not larger. */
  nextSeq(last: bigint): bigint;
  // The pulser's hot path (2,000 replies per 100 ms at 1,000 hosts on two networks): seqs as
  // numbers (microseconds stay below 2^53 until the year 2255), no per-packet parsing into
  // objects, a pulse made once per network and period from a template.
  /** nextSeq on numbers. */
  nextSeqNumber(last: number): number;
  /** A pulse's bytes without seq, nonce and MAC, made once per network. */
  pulseTemplate(network: HbNetwork, controller: string): Buffer;
  /** A new pulse: the template with `seq`, `nonce` (8 bytes) and its MAC under the pulse key. */
  signPulse(template: Buffer, seq: number, nonce: Buffer, key: Buffer): Buffer;
  /**
   * Whether `buf` is an authentic reply on `network` under the host's `key` to the pulse whose
   * seq and nonce are `pulse`'s bytes 8..24: 'stale' when it answers another pulse (a copy, a
   * late reply, a made-up one), checked before the MAC so such packets cost no hash.
   */
  checkReply(buf: Buffer, key: Buffer, network: HbNetwork, pulse: Buffer): 'ok' | 'malformed' | 'forged' | 'stale';
  /** The flags of a reply checkReply accepted. */
  replyFlags(buf: Buffer): number;
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
  const VERSION = 2;
  const HEADER = 25;
  const MAC = 32;
  const KEY = 64;
  const KINDS = ['pulse', 'reply'] as const;
  const NETWORKS = ['mgmt', 'cluster-host', 'oam'] as const;
  const MAX_U64 = (1n << 64n) - 1n;
  // key ‖ body, in one buffer reused for every MAC (this code runs on one thread).
  const scratch = Buffer.alloc(KEY + HEADER + 255);
  const mac = (key: Buffer, body: Buffer): Buffer => {
    if (key.length !== KEY) throw new RangeError(`heartbeat keys are ${KEY} bytes`);
    key.copy(scratch, 0);
    body.copy(scratch, KEY);
    return nodeCrypto.hash('sha3-256', scratch.subarray(0, KEY + body.length), 'buffer');
  };
  const utf8 = new TextDecoder('utf-8', { fatal: true });

  return {
    networkKey: (key, label) =>
      nodeCrypto.createHmac('sha512', key).update(`starling heartbeat ${label}`).digest(),

    encode(msg, key) {
      const name = Buffer.from(msg.kind === 'pulse' ? msg.controller : msg.hostname, 'utf8');
      const flags = msg.kind === 'reply' ? msg.flags : 0;
      if (name.length < 1 || name.length > 255) throw new RangeError('heartbeat name must be 1..255 bytes');
      if (msg.seq < 0n || msg.seq > MAX_U64) throw new RangeError('heartbeat seq must fit in 64 bits');
      if (msg.nonce < 0n || msg.nonce > MAX_U64) throw new RangeError('heartbeat nonce must fit in 64 bits');
      if (!Number.isInteger(flags) || flags < 0 || flags > 255)
        throw new RangeError('heartbeat flags must be 0..255');
      const buf = Buffer.alloc(HEADER + name.length + MAC);
      buf.writeUInt32BE(MAGIC, 0);
      buf.writeUInt8(VERSION, 4);
      buf.writeUInt8(KINDS.indexOf(msg.kind) + 1, 5);
      buf.writeUInt8(NETWORKS.indexOf(msg.network) + 1, 6);
      buf.writeUInt8(flags, 7);
      buf.writeBigUInt64BE(msg.seq, 8);
      buf.writeBigUInt64BE(msg.nonce, 16);
      buf.writeUInt8(name.length, 24);
      name.copy(buf, HEADER);
      mac(key, buf.subarray(0, HEADER + name.length)).copy(buf, HEADER + name.length);
      return buf;
    },

    decode(buf, key) {
      try {
        if (!(buf instanceof Uint8Array) || buf.length < HEADER + 1 + MAC)
          return { ok: false, reason: 'malformed' };
        const b = Buffer.from(buf.buffer, buf.byteOffset, buf.length);
        const n = b.readUInt8(24);
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
        const nonce = b.readBigUInt64BE(16);
        const flags = b.readUInt8(7);
        return kind === 'pulse'
          ? { ok: true, msg: { kind, network, seq, nonce, controller: name } }
          : { ok: true, msg: { kind, network, seq, nonce, hostname: name, flags } };
      } catch {
        // Anything unexpected (invalid UTF-8 in an authenticated name, a key of the wrong size)
        // is a bad packet, not a crash.
        return { ok: false, reason: 'malformed' };
      }
    },

    peekNetwork: (buf) => (buf.length > 6 ? (NETWORKS[(buf[6] ?? 0) - 1] ?? null) : null),

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
      buf[24] = name.length;
      name.copy(buf, HEADER);
      return buf;
    },

    signPulse(template, seq, nonce, key) {
      const buf = Buffer.allocUnsafe(template.length);
      template.copy(buf);
      buf.writeUInt32BE(Math.floor(seq / 4294967296), 8);
      buf.writeUInt32BE(seq % 4294967296, 12);
      nonce.copy(buf, 16, 0, 8);
      const body = template.length - MAC;
      mac(key, buf.subarray(0, body)).copy(buf, body);
      return buf;
    },

    checkReply(buf, key, network, pulse) {
      if (buf.length < HEADER + 1 + MAC) return 'malformed';
      const n = buf[24]!;
      if (
        buf.length !== HEADER + n + MAC ||
        buf.readUInt32BE(0) !== MAGIC ||
        buf[4] !== VERSION ||
        buf[5] !== 2 ||
        buf[6] !== NETWORKS.indexOf(network) + 1
      )
        return 'malformed';
      if (buf.compare(pulse, 8, 24, 8, 24) !== 0) return 'stale';
      return nodeCrypto.timingSafeEqual(mac(key, buf.subarray(0, HEADER + n)), buf.subarray(HEADER + n))
        ? 'ok'
        : 'forged';
    },

    replyFlags: (buf) => buf[7]!,

    replyHostname(buf) {
      try {
        return utf8.decode(buf.subarray(HEADER, HEADER + buf[24]!));
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

/** HMAC-SHA-512(site key, 'starling heartbeat pulse ' + network): keys.ts's pulse keys. */
export function pulseKeyOf(siteKey: Buffer, network: HbNetwork): Buffer {
  return codec.networkKey(siteKey, `pulse ${network}`);
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
