// The pulser's timing loop, run in a worker thread: each period it sends one pulse per network (one
// multicast datagram per network and interface, and unicast copies only to the hosts the multicast
// pulse is not known to reach), matches the replies and posts one batch of observations per period
// to the controller's main thread.
//
// Why a worker made from source text: the controller's event loop (database, API) must not delay a
// pulse or make a reply look late, so the loop runs on its own thread. The worker must start the
// same under tsx/vitest (TypeScript source) and from the esbuild bundle (dist/starling.mjs, code
// split into hashed chunks), where a worker file path exists in only one of the two. So the worker
// is `new Worker(PULSER_WORKER_SOURCE, { eval: true })`, built from `.toString()` of two
// self-contained functions, packetCodec (packet.ts: the same codec the agent uses) and pulserWorker
// below, that use only their arguments (node:crypto, node:dgram, node:worker_threads) and globals.
// Transformers leave a function's body self-contained except esbuild's keepNames (tsx turns it on),
// which wraps nested functions in `__name(fn, 'name')`: the source defines that helper. (Two
// things would still break it: keepNames together with minify, which renames the helper, and
// istanbul coverage, which inserts counters; v8 coverage is fine.) worker.int.test.ts starts the
// worker from the esbuild bundle (plain and minified) and under tsx.

import type * as cryptoT from 'node:crypto';
import type * as dgramT from 'node:dgram';
import type * as workerThreadsT from 'node:worker_threads';
import type { HbObservation } from '../domain/heartbeat.ts';
import { packetCodec, type HbNetwork, type PacketCodec } from '../../agentlink/heartbeat/index.ts';

export interface HbTarget {
  hostId: string;
  network: HbNetwork;
  address: string;
  port: number;
  /** When set, a reply must carry this hostname (catches two hosts' addresses swapped). */
  hostname?: string;
  /** The host's key for the network (keys.ts): its replies are verified with it. */
  key: Uint8Array;
}

/** A target as the worker gets it: with the local address its network's multicast pulses leave
 *  from to reach it (null: it is pulsed unicast only). */
export interface WorkerTarget extends HbTarget {
  via: string | null;
}

export interface PulserStats {
  received: number;
  answered: number;
  forged: number;
  replayed: number;
  ahead: number;
  malformed: number;
  /** Datagrams sent: a multicast pulse counts once. */
  sent: number;
  sendErrors: number;
  /** Targets reached by the multicast pulse alone (no unicast pulse of their own), now. */
  multicastTargets: number;
}

/** Where the pulser's sockets listen: an address per family, null = no socket of that family. */
export interface PulserBind {
  udp4: string | null;
  udp6: string | null;
}

export interface PulserWorkerData {
  bind: PulserBind;
  /** 'changes': a target's observation is posted only when it is its first, a miss, or an answer
   *  after a miss (an answer after an answer changes no miss counter); 'all': every period's. */
  report: 'all' | 'changes';
  periodMs: number;
  controller: string;
  /** The site's pulse key per network (keys.ts): the period's pulse is authenticated with it. */
  pulseKeys: Partial<Record<HbNetwork, Uint8Array>>;
  /** Each network's multicast group and port (keys.ts's multicastOf). */
  multicast: Partial<Record<HbNetwork, { group: string; port: number }>>;
  targets: WorkerTarget[];
}

export type ToWorker =
  | { type: 'targets'; targets: WorkerTarget[] }
  | { type: 'stats'; id: number }
  | { type: 'close' };

export type FromWorker =
  | { type: 'ready'; listening: { address: string; port: number }[] }
  | { type: 'tick'; obs: HbObservation[] }
  | { type: 'stats'; id: number; stats: PulserStats }
  | { type: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; msg: string; data: Record<string, unknown> };

export function pulserWorker(
  codec: PacketCodec,
  nodeCrypto: typeof cryptoT,
  dgram: typeof dgramT,
  wt: typeof workerThreadsT,
): void {
  interface State {
    target: WorkerTarget;
    key: Buffer;
    /** Pulsed in the current period (its fate is reported at the next tick). */
    pulsed: boolean;
    /** Its last observation (null before the first). */
    last: boolean | null;
    answered: boolean;
    /** The ways its answers of the period came: 1 unicast, 2 multicast. */
    ways: number;
    /** Its answers say the multicast pulse reaches it: it gets no unicast pulse. */
    multicast: boolean;
    /** Periods missed in a row while `multicast`: at MULTICAST_MISSES it gets unicast pulses again. */
    misses: number;
    failing: boolean;
    /** The send callback, made once per target rather than once per pulse. */
    onSent: (err: Error | null) => void;
  }
  /** A host whose multicast pulses stop arriving (its agent restarted and has not joined yet, a
   *  switch that stopped forwarding the group) is pulsed unicast again after this many misses:
   *  far below the degrade threshold, so it costs a lost network nothing. */
  const MULTICAST_MISSES = 2;
  const RECV_BUFFER_BYTES = 4 * 1024 * 1024;
  const REPLY_FLAG_MULTICAST = 4;
  const changesOnly = (wt.workerData as PulserWorkerData).report === 'changes';
  const parent = wt.parentPort!;
  const data = wt.workerData as PulserWorkerData;
  const post = (m: FromWorker) => parent.postMessage(m);
  const log = (level: 'debug' | 'info' | 'warn' | 'error', msg: string, d: Record<string, unknown> = {}) =>
    post({ type: 'log', level, msg, data: d });
  const stats: PulserStats = {
    received: 0,
    answered: 0,
    forged: 0,
    replayed: 0,
    ahead: 0,
    malformed: 0,
    sent: 0,
    sendErrors: 0,
    multicastTargets: 0,
  };
  const asBuffer = (k: Uint8Array) => Buffer.from(k.buffer, k.byteOffset, k.length);
  const pulseKeys = new Map<HbNetwork, Buffer>();
  for (const [n, k] of Object.entries(data.pulseKeys)) if (k) pulseKeys.set(n as HbNetwork, asBuffer(k));
  const templates = new Map<HbNetwork, Buffer>();
  for (const n of pulseKeys.keys()) templates.set(n, codec.pulseTemplate(n, data.controller));
  let targets = new Map<string, State>();
  /** Targets by where their replies come from ("address port"). */
  let byEndpoint = new Map<string, State>();
  /** The period's seq (bytes 8..16) and nonce (16..24), as pulses carry them. */
  const period = Buffer.alloc(24);
  const previous = Buffer.alloc(24);
  let lastSeq = 0;

  const newState = (target: WorkerTarget, key: Buffer): State => {
    const s: State = {
      target,
      key,
      pulsed: false,
      last: null,
      answered: false,
      ways: 0,
      // As StarlingX's hbsAgent: the multicast pulse is assumed to reach every host of the
      // network's subnet; one it does not reach is pulsed unicast after MULTICAST_MISSES.
      multicast: target.via !== null,
      misses: 0,
      failing: false,
      onSent: (err) => {
        if (err) return sendFailed(s, err);
        stats.sent++;
        if (s.failing) {
          s.failing = false;
          log('info', 'heartbeat pulses sent again', { ...describe(s.target) });
        }
      },
    };
    return s;
  };
  const describe = (t: WorkerTarget) => ({ hostId: t.hostId, network: t.network, address: t.address, port: t.port });

  const onReply = (buf: Buffer, rinfo: dgramT.RemoteInfo) => {
    stats.received++;
    // A reply comes from the host's registered endpoint: that names the key that verifies it.
    const s = byEndpoint.get(`${rinfo.address} ${rinfo.port}`);
    if (s === undefined) {
      stats.forged++;
      return;
    }
    const r = codec.checkReply(buf, s.key, s.target.network, period);
    if (r === 'stale') {
      stats.replayed++;
      // An authentic answer to the previous period's multicast pulse, late (the host or the
      // network slow): the group reaches it, so unicast pulses would not help it; they would
      // only double the work of a site that is already late.
      if (
        (codec.replyFlags(buf) & REPLY_FLAG_MULTICAST) !== 0 &&
        s.multicast &&
        codec.checkReply(buf, s.key, s.target.network, previous) === 'ok'
      )
        s.misses = 0;
      return;
    }
    if (r !== 'ok') {
      stats[r]++;
      return;
    }
    if (s.target.hostname !== undefined && s.target.hostname !== codec.replyHostname(buf)) {
      stats.malformed++;
      return;
    }
    // A host may answer both the unicast and the multicast pulse of a period (until the controller
    // learns the multicast one reaches it): that counts once; a second answer by the same way is a
    // copy.
    const multicast = (codec.replyFlags(buf) & REPLY_FLAG_MULTICAST) !== 0;
    const way = multicast ? 2 : 1;
    if ((s.ways & way) !== 0) {
      stats.replayed++;
      return;
    }
    s.ways |= way;
    if (multicast && s.target.via !== null) {
      s.multicast = true;
      s.misses = 0;
    }
    if (s.answered) return;
    s.answered = true;
    stats.answered++;
  };

  const open = (type: 'udp4' | 'udp6', address: string | null, via?: string) =>
    new Promise<dgramT.Socket | null>((resolve) => {
      if (address === null) return resolve(null);
      const socket = dgram.createSocket(type === 'udp6' ? { type, ipv6Only: true } : { type });
      socket.on('message', onReply);
      socket.once('error', (err: NodeJS.ErrnoException) => {
        // No IPv6 on this host (or no IPv4): targets of that family count send errors.
        log('warn', `heartbeat pulser has no ${type} socket`, { code: err.code, message: err.message, via });
        resolve(null);
      });
      socket.bind(0, address, () => {
        // Every host answers within a millisecond or two of its pulse: with a thousand hosts on
        // two networks, 2,000 replies arrive at once, more than the default buffer (≈ 200 KiB,
        // ≈ 270 replies) holds, and the rest would be dropped as misses. The kernel caps the size
        // at net.core.rmem_max.
        try {
          socket.setRecvBufferSize(RECV_BUFFER_BYTES);
        } catch (err) {
          log('warn', 'heartbeat pulser receive buffer not enlarged', { message: (err as Error).message });
        }
        if (via !== undefined) {
          // The pulses leave by the interface of `via` (the network's), to this site only.
          try {
            socket.setMulticastInterface(via);
            socket.setMulticastTTL(1);
            socket.setMulticastLoopback(true);
          } catch (err) {
            log('warn', 'heartbeat multicast not possible: pulsing unicast', { via, message: (err as Error).message });
            socket.close();
            return resolve(null);
          }
        }
        socket.removeAllListeners('error');
        socket.on('error', (err: NodeJS.ErrnoException) =>
          log('warn', 'heartbeat pulser socket error', { code: err.code, message: err.message }),
        );
        resolve(socket);
      });
    });

  /** A socket per local address multicast pulses leave from. */
  const viaSockets = new Map<string, dgramT.Socket | 'opening' | 'failed'>();
  let closed = false;
  const openVia = (via: string) => {
    if (viaSockets.has(via)) return;
    viaSockets.set(via, 'opening');
    void open('udp4', data.bind.udp4 === '0.0.0.0' ? '0.0.0.0' : via, via).then((socket) => {
      if (closed) socket?.close();
      else viaSockets.set(via, socket ?? 'failed');
    });
  };

  const setTargets = (list: WorkerTarget[]) => {
    const next = new Map<string, State>();
    const endpoints = new Map<string, State>();
    for (const target of list) {
      const key = `${target.hostId}\u0000${target.network}`;
      const old = targets.get(key);
      const k = asBuffer(target.key);
      let s: State;
      if (old) {
        if (target.via !== old.target.via) old.multicast = target.via !== null;
        old.target = target;
        old.key = k;
        s = old;
      } else s = newState(target, k);
      next.set(key, s);
      endpoints.set(`${target.address} ${target.port}`, s);
      if (target.via !== null) openVia(target.via);
    }
    targets = next;
    byEndpoint = endpoints;
  };

  const sendFailed = (s: State, err: NodeJS.ErrnoException | string) => {
    stats.sendErrors++;
    if (!s.failing) {
      s.failing = true;
      const code = typeof err === 'string' ? err : (err.code ?? err.message);
      log('warn', 'heartbeat pulse not sent: counted as missed', { ...describe(s.target), code });
    }
  };

  void Promise.all([open('udp4', data.bind.udp4), open('udp6', data.bind.udp6)]).then(([udp4, udp6]) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let multicastFailing = false;
    const onMulticastSent = (err: Error | null) => {
      if (err) {
        stats.sendErrors++;
        if (!multicastFailing) log('warn', 'heartbeat multicast pulse not sent', { message: err.message });
        multicastFailing = true;
      } else {
        stats.sent++;
        multicastFailing = false;
      }
    };

    // Each period: report the previous pulse's fate (none before a target's first pulse), then one
    // pulse per network, multicast once per (network, interface) and unicast to the targets the
    // multicast pulse is not known to reach.
    const tick = () => {
      const obs: HbObservation[] = [];
      let multicastTargets = 0;
      for (const s of targets.values()) {
        if (!s.pulsed) continue;
        if (!changesOnly || s.last !== true || !s.answered)
          obs.push({ hostId: s.target.hostId, network: s.target.network, answered: s.answered });
        s.last = s.answered;
        if (s.answered) s.misses = 0;
        else if (s.multicast && ++s.misses >= MULTICAST_MISSES) s.multicast = false;
        if (s.multicast) multicastTargets++;
      }
      stats.multicastTargets = multicastTargets;
      if (obs.length > 0) post({ type: 'tick', obs });

      period.copy(previous);
      const seq = (lastSeq = codec.nextSeqNumber(lastSeq));
      period.writeUInt32BE(Math.floor(seq / 4294967296), 8);
      period.writeUInt32BE(seq % 4294967296, 12);
      nodeCrypto.randomFillSync(period, 16, 8);
      const nonce = period.subarray(16, 24);
      const pulses = new Map<HbNetwork, Buffer>();
      const groups = new Map<string, { socket: dgramT.Socket; pulse: Buffer; group: string; port: number }>();
      for (const s of targets.values()) {
        const { network, via } = s.target;
        const mc = data.multicast[network];
        const viaSocket = via !== null && mc !== undefined ? viaSockets.get(via) : undefined;
        // Its multicast socket still opening (the first period): not pulsed, so not judged.
        if (viaSocket === 'opening' && s.multicast) continue;
        s.pulsed = true;
        s.answered = false;
        s.ways = 0;
        let pulse = pulses.get(network);
        if (pulse === undefined) {
          const key = pulseKeys.get(network);
          const template = templates.get(network);
          if (key === undefined || template === undefined) {
            sendFailed(s, 'ENOKEY');
            continue;
          }
          pulses.set(network, (pulse = codec.signPulse(template, seq, nonce, key)));
        }
        if (typeof viaSocket === 'object' && mc !== undefined) groups.set(`${network} ${via}`, { socket: viaSocket, pulse, ...mc });
        else s.multicast = false;
        if (s.multicast) continue;
        const { address, port } = s.target;
        const socket = address.includes(':') ? udp6 : udp4;
        if (!socket) {
          sendFailed(s, 'ENOSOCKET');
          continue;
        }
        try {
          socket.send(pulse, port, address, s.onSent);
        } catch (err) {
          sendFailed(s, err as NodeJS.ErrnoException);
        }
      }
      for (const g of groups.values()) {
        try {
          g.socket.send(g.pulse, g.port, g.group, onMulticastSent);
        } catch (err) {
          onMulticastSent(err as Error);
        }
      }
    };

    // Drift-free: deadlines are start + k·period. After a stall (this thread starved of CPU), the
    // missed deadlines are skipped rather than run back to back, so a late reply is not judged early.
    const periodMs = data.periodMs;
    let deadline = performance.now();
    const loop = () => {
      tick();
      const now = performance.now();
      deadline += periodMs;
      if (deadline <= now) deadline += Math.ceil((now - deadline) / periodMs) * periodMs;
      if (deadline <= now) deadline += periodMs;
      timer = setTimeout(loop, deadline - now);
    };

    parent.on('message', (m: ToWorker) => {
      if (m.type === 'targets') setTargets(m.targets);
      else if (m.type === 'stats') post({ type: 'stats', id: m.id, stats: { ...stats } });
      else if (m.type === 'close') {
        closed = true;
        clearTimeout(timer);
        for (const socket of [udp4, udp6, ...viaSockets.values()]) if (socket !== null && typeof socket === 'object') socket.close();
        parent.close();
      }
    });
    setTargets(data.targets);
    post({
      type: 'ready',
      listening: [udp4, udp6].flatMap((x) => (x ? [{ address: x.address().address, port: x.address().port }] : [])),
    });
    loop();
  });
}

/** The worker's whole program (see the comment at the top). */
export const PULSER_WORKER_SOURCE = [
  "'use strict';",
  'var __name = (fn) => fn;',
  `const codec = (${packetCodec.toString()})(require('node:crypto'));`,
  `(${pulserWorker.toString()})(codec, require('node:crypto'), require('node:dgram'), require('node:worker_threads'));`,
].join('\n');
