// The agent's side of the heartbeat (StarlingX hbsClient): per network, a unicast UDP socket on the
// host's address and a member of the network's multicast group (keys.ts's multicastOf), joined on
// that address's interface. Each pulse is verified with the network's pulse key and its seq
// checked (not a replay, not too far ahead: pulse-seq.ts, pure), then answered from the unicast
// socket to its sender, with this host's key for the network.

import dgram from 'node:dgram';
import { isIPv4, isIPv6 } from 'node:net';
import { StarlingError } from '../../common/errors.ts';
import type { Logger } from '../../common/log.ts';
import { multicastOf } from './keys.ts';
import { acceptPulseSeq, type PulseSeqState } from './pulse-seq.ts';
import { checkHbName, decodePacket, encodePacket, REPLY_FLAG_MULTICAST, type HbNetwork } from './packet.ts';

export interface ResponderEndpoint {
  network: HbNetwork;
  address: string;
  /** 0 = ephemeral. */
  port: number;
}

export interface HbStats {
  /** Datagrams received. */
  received: number;
  /** Valid, fresh packets: pulses answered (responder), replies matched to their pulse (pulser). */
  answered: number;
  /** The MAC does not verify with the network's key (wrong key, altered, or another network's). */
  forged: number;
  /** Not fresh: a seq not newer than the last accepted (responder), a reply to another pulse than
   *  the period's, i.e. a copy or one later than its period (pulser). */
  replayed: number;
  /** Authentic pulses whose seq runs further ahead than the time elapsed allows (responder). */
  ahead: number;
  /** Not our format, or authentic but the wrong kind or network for the socket. */
  malformed: number;
}

export type HbKeys = Partial<Record<HbNetwork, Buffer>>;

export interface Responder {
  /** The endpoints with the ports actually bound. */
  endpoints(): ResponderEndpoint[];
  /** This host's keys and the site's pulse keys (from the controller); a network without both
   *  answers nothing. The multicast memberships follow the pulse keys. */
  setKeys(keys: HbKeys, pulseKeys: HbKeys): void;
  /** The host name its replies carry (the controller checks it): the inventory's, once known. */
  setHostname(hostname: string): void;
  /** The multicast groups joined, as "network group:port" (for status and tests). */
  multicast(): string[];
  stats(): HbStats;
  close(): Promise<void>;
}

interface Endpoint {
  endpoint: ResponderEndpoint;
  socket: dgram.Socket;
  /** The multicast member for the current pulse key, when joined. */
  member: { socket: dgram.Socket; at: string } | null;
}

export async function startResponder(opts: {
  /** This host's key for each network (src/agentlink/heartbeat/keys.ts). */
  keys: HbKeys;
  /** The site's pulse key for each network. */
  pulseKeys: HbKeys;
  hostname: string;
  endpoints: ResponderEndpoint[];
  flags: () => number;
  log: Logger;
}): Promise<Responder> {
  checkHbName(opts.hostname, 'hostname');
  let hostname = opts.hostname;
  const stats: HbStats = { received: 0, answered: 0, forged: 0, replayed: 0, ahead: 0, malformed: 0 };
  let keys = new Map<HbNetwork, Buffer>();
  let pulseKeys = new Map<HbNetwork, Buffer>();
  const toMap = (k: HbKeys) => new Map(Object.entries(k).filter((e): e is [HbNetwork, Buffer] => e[1] !== undefined));
  // Per network, not per socket: two sockets on one network share the controller's seq stream.
  const seqs = new Map<HbNetwork, PulseSeqState>();
  // The last pulse accepted on each network and the ways it came (1 unicast, 2 multicast). The same
  // pulse may come both ways (the controller sends a host unicast pulses until its answers say the
  // multicast ones reach it): answered by multicast too, so the controller learns that; by unicast
  // after multicast, not (nothing to learn).
  const last = new Map<HbNetwork, { seq: bigint; ways: number }>();
  const flags = (): number => {
    try {
      return opts.flags() & 0xff;
    } catch (err) {
      opts.log.warn({ err }, 'heartbeat flags callback failed: replying with no flags');
      return 0;
    }
  };
  const endpoints: Endpoint[] = [];
  let closed = false;

  const onMessage = (ep: Endpoint, viaMulticast: boolean, buf: Buffer, rinfo: dgram.RemoteInfo) => {
    stats.received++;
    const network = ep.endpoint.network;
    const pulseKey = pulseKeys.get(network);
    const key = keys.get(network);
    if (pulseKey === undefined || key === undefined) {
      stats.forged++;
      return;
    }
    const r = decodePacket(buf, pulseKey);
    if (!r.ok) {
      stats[r.reason]++;
      return;
    }
    if (r.msg.kind !== 'pulse' || r.msg.network !== network) {
      stats.malformed++;
      return;
    }
    const way = viaMulticast ? 2 : 1;
    const seen = last.get(network);
    if (seen !== undefined && seen.seq === r.msg.seq) {
      // The other way's copy of the last pulse accepted.
      if ((seen.ways & way) !== 0 || !viaMulticast) {
        stats.replayed++;
        return;
      }
      seen.ways |= way;
    } else {
      const seq = acceptPulseSeq(seqs.get(network), r.msg.seq, performance.now());
      seqs.set(network, seq.state);
      if (seq.verdict !== 'accept') {
        stats[seq.verdict]++;
        return;
      }
      last.set(network, { seq: r.msg.seq, ways: way });
    }
    stats.answered++;
    const reply = encodePacket(
      {
        kind: 'reply',
        network,
        seq: r.msg.seq,
        nonce: r.msg.nonce,
        hostname,
        flags: flags() | (viaMulticast ? REPLY_FLAG_MULTICAST : 0),
      },
      key,
    );
    ep.socket.send(reply, rinfo.port, rinfo.address, (err) => {
      if (err) opts.log.debug({ err, network }, 'heartbeat reply not sent');
    });
  };

  /** Joins the network's multicast group on the endpoint's interface (IPv4 only), or leaves it. */
  const follow = async (ep: Endpoint): Promise<void> => {
    const pulseKey = pulseKeys.get(ep.endpoint.network);
    const address = ep.endpoint.address;
    const want = pulseKey === undefined || !isIPv4(address) || closed ? null : multicastOf(pulseKey);
    const at = want === null ? null : `${want.group}:${want.port}`;
    if (ep.member?.at === at) return;
    if (ep.member) {
      const old = ep.member.socket;
      ep.member = null;
      await closeAll([old]);
    }
    if (want === null || at === null) return;
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    socket.on('message', (buf, rinfo) => onMessage(ep, true, buf, rinfo));
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(want.port, want.group, () => {
          socket.off('error', reject);
          resolve();
        });
      });
      // A wildcard address joins on the default interface.
      if (address === '0.0.0.0') socket.addMembership(want.group);
      else socket.addMembership(want.group, address);
      socket.on('error', (err) => opts.log.warn({ err, network: ep.endpoint.network }, 'heartbeat multicast socket error'));
      if (closed || pulseKeys.get(ep.endpoint.network) !== pulseKey) {
        await closeAll([socket]);
        return;
      }
      ep.member = { socket, at };
    } catch (err) {
      // Unicast pulses still reach this host: the controller sends them to hosts whose answers do
      // not say the multicast pulse arrived.
      await closeAll([socket]);
      opts.log.warn(
        { network: ep.endpoint.network, group: at, code: (err as NodeJS.ErrnoException).code ?? String(err) },
        'heartbeat multicast group not joined: answering unicast pulses only',
      );
    }
  };
  let following: Promise<void> = Promise.resolve();
  const followAll = () => {
    following = following.then(() => Promise.all(endpoints.map(follow))).then(() => undefined);
    return following;
  };

  const setKeys = (k: HbKeys, p: HbKeys) => {
    keys = toMap(k);
    pulseKeys = toMap(p);
  };
  setKeys(opts.keys, opts.pulseKeys);

  try {
    for (const endpoint of opts.endpoints) {
      const socket = dgram.createSocket({ type: isIPv6(endpoint.address) ? 'udp6' : 'udp4' });
      const ep: Endpoint = { endpoint, socket, member: null };
      socket.on('message', (buf, rinfo) => onMessage(ep, false, buf, rinfo));
      socket.on('error', (err) =>
        opts.log.warn({ err, network: endpoint.network }, 'heartbeat socket error'),
      );
      endpoints.push(ep);
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(endpoint.port, endpoint.address, () => {
          socket.off('error', reject);
          resolve();
        });
      });
    }
  } catch (err) {
    await closeAll(endpoints.map((s) => s.socket));
    const at = endpoints.at(-1)?.endpoint;
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new StarlingError(
      'INTERNAL',
      `heartbeat cannot listen on ${at?.network} ${at?.address}:${at?.port}: ${code}`,
      {
        cause: err,
      },
    );
  }
  await followAll();
  const bound = () => endpoints.map((s) => ({ ...s.endpoint, port: s.socket.address().port }));
  opts.log.info({ endpoints: bound(), multicast: multicast() }, 'heartbeat responder listening');

  function multicast(): string[] {
    return endpoints.flatMap((e) => (e.member ? [`${e.endpoint.network} ${e.member.at}`] : []));
  }

  return {
    setHostname: (name) => {
      checkHbName(name, 'hostname');
      hostname = name;
    },
    endpoints: bound,
    setKeys: (k, p) => {
      setKeys(k, p);
      void followAll();
    },
    multicast,
    stats: () => ({ ...stats }),
    close: async () => {
      closed = true;
      await following;
      await closeAll(endpoints.flatMap((s) => [s.socket, ...(s.member ? [s.member.socket] : [])]));
    },
  };
}

async function closeAll(sockets: dgram.Socket[]): Promise<void> {
  await Promise.all(
    sockets.map(
      (s) =>
        new Promise<void>((resolve) => {
          try {
            s.close(() => resolve());
          } catch {
            resolve(); // already closed
          }
        }),
    ),
  );
}
