// The agent's side of the heartbeat (StarlingX hbsClient): one UDP socket per network, each pulse
// verified with this host's key for that network and its seq checked (not a replay, not too far
// ahead: maintenance/domain/pulse-seq.ts, pure), then answered to its sender.

import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import { StarlingError } from '../../common/errors.ts';
import type { Logger } from '../../common/log.ts';
import { acceptPulseSeq, type PulseSeqState } from './pulse-seq.ts';
import { checkHbName, decodePacket, encodePacket, type HbNetwork } from './packet.ts';

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
  /** Not fresh: a seq not newer than the last accepted (responder), a reply whose pulse is not
   *  outstanding, i.e. a copy or one later than its period (pulser). */
  replayed: number;
  /** Authentic pulses whose seq runs further ahead than the time elapsed allows (responder). */
  ahead: number;
  /** Not our format, or authentic but the wrong kind or network for the socket. */
  malformed: number;
}

export interface Responder {
  /** The endpoints with the ports actually bound. */
  endpoints(): ResponderEndpoint[];
  /** This host's key for each network (from the controller); a network without one answers nothing. */
  setKeys(k: Partial<Record<HbNetwork, Buffer>>): void;
  stats(): HbStats;
  close(): Promise<void>;
}

export async function startResponder(opts: {
  /** This host's key for each network (src/agentlink/heartbeat/keys.ts). */
  keys: Partial<Record<HbNetwork, Buffer>>;
  hostname: string;
  endpoints: ResponderEndpoint[];
  flags: () => number;
  log: Logger;
}): Promise<Responder> {
  checkHbName(opts.hostname, 'hostname');
  const stats: HbStats = { received: 0, answered: 0, forged: 0, replayed: 0, ahead: 0, malformed: 0 };
  let keys = new Map<HbNetwork, Buffer>();
  const setKeys = (k: Partial<Record<HbNetwork, Buffer>>) => {
    keys = new Map(Object.entries(k).filter((e): e is [HbNetwork, Buffer] => e[1] !== undefined));
  };
  setKeys(opts.keys);
  // Per network, not per socket: two sockets on one network share the controller's seq stream.
  const seqs = new Map<HbNetwork, PulseSeqState>();

  const flags = (): number => {
    try {
      return opts.flags() & 0xff;
    } catch (err) {
      opts.log.warn({ err }, 'heartbeat flags callback failed: replying with no flags');
      return 0;
    }
  };

  const sockets: { endpoint: ResponderEndpoint; socket: dgram.Socket }[] = [];
  const onMessage = (socket: dgram.Socket, network: HbNetwork, buf: Buffer, rinfo: dgram.RemoteInfo) => {
    stats.received++;
    const key = keys.get(network);
    if (key === undefined) {
      stats.forged++;
      return;
    }
    const r = decodePacket(buf, key);
    if (!r.ok) {
      stats[r.reason]++;
      return;
    }
    if (r.msg.kind !== 'pulse' || r.msg.network !== network) {
      stats.malformed++;
      return;
    }
    const seq = acceptPulseSeq(seqs.get(network), r.msg.seq, performance.now());
    seqs.set(network, seq.state);
    if (seq.verdict !== 'accept') {
      stats[seq.verdict]++;
      return;
    }
    stats.answered++;
    const reply = encodePacket(
      { kind: 'reply', network, seq: r.msg.seq, hostname: opts.hostname, flags: flags() },
      key,
    );
    socket.send(reply, rinfo.port, rinfo.address, (err) => {
      if (err) opts.log.debug({ err, network }, 'heartbeat reply not sent');
    });
  };

  try {
    for (const endpoint of opts.endpoints) {
      const socket = dgram.createSocket({ type: isIPv6(endpoint.address) ? 'udp6' : 'udp4' });
      socket.on('message', (buf, rinfo) => onMessage(socket, endpoint.network, buf, rinfo));
      socket.on('error', (err) =>
        opts.log.warn({ err, network: endpoint.network }, 'heartbeat socket error'),
      );
      sockets.push({ endpoint, socket });
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(endpoint.port, endpoint.address, () => {
          socket.off('error', reject);
          resolve();
        });
      });
    }
  } catch (err) {
    await closeAll(sockets.map((s) => s.socket));
    const at = sockets.at(-1)?.endpoint;
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new StarlingError(
      'INTERNAL',
      `heartbeat cannot listen on ${at?.network} ${at?.address}:${at?.port}: ${code}`,
      {
        cause: err,
      },
    );
  }
  opts.log.info(
    { endpoints: sockets.map((s) => ({ ...s.endpoint, port: s.socket.address().port })) },
    'heartbeat responder listening',
  );

  return {
    endpoints: () => sockets.map((s) => ({ ...s.endpoint, port: s.socket.address().port })),
    setKeys: (k) => setKeys(k),
    stats: () => ({ ...stats }),
    close: () => closeAll(sockets.map((s) => s.socket)),
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
