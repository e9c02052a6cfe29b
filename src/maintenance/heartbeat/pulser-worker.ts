// The pulser's timing loop, run in a worker thread: it pulses every target each period, matches the
// replies and posts one batch of observations per period to the controller's main thread.
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
// istanbul coverage, which inserts counters; v8 coverage is fine.) worker.test.ts starts the
// worker from the esbuild bundle (plain and minified) and under tsx.

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
  /** The host's key for the network (keys.ts): pulses are made and replies verified with it. */
  key: Uint8Array;
}

export interface PulserStats {
  received: number;
  answered: number;
  forged: number;
  replayed: number;
  ahead: number;
  malformed: number;
  sent: number;
  sendErrors: number;
}

/** Where the pulser's sockets listen: an address per family, null = no socket of that family. */
export interface PulserBind {
  udp4: string | null;
  udp6: string | null;
}

export interface PulserWorkerData {
  bind: PulserBind;
  periodMs: number;
  controller: string;
  targets: HbTarget[];
}

export type ToWorker =
  | { type: 'targets'; targets: HbTarget[] }
  | { type: 'stats'; id: number }
  | { type: 'close' };

export type FromWorker =
  | { type: 'ready'; listening: { address: string; port: number }[] }
  | { type: 'tick'; obs: HbObservation[] }
  | { type: 'stats'; id: number; stats: PulserStats }
  | { type: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; msg: string; data: Record<string, unknown> };

export function pulserWorker(codec: PacketCodec, dgram: typeof dgramT, wt: typeof workerThreadsT): void {
  interface State {
    target: HbTarget;
    key: Buffer;
    /** The pulse's bytes but seq and MAC (codec.pulseTemplate). */
    template: Buffer;
    /** The seq of the pulse in flight, or null before the first. */
    seq: number | null;
    answered: boolean;
    failing: boolean;
    /** The send callback, made once per target rather than once per pulse. */
    onSent: (err: Error | null) => void;
  }
  const RECV_BUFFER_BYTES = 4 * 1024 * 1024;
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
  };
  let targets = new Map<string, State>();
  const outstanding = new Map<number, State>();
  let lastSeq = 0;

  const newState = (target: HbTarget, key: Buffer): State => {
    const s: State = {
      target,
      key,
      template: codec.pulseTemplate(target.network, data.controller),
      seq: null,
      answered: false,
      failing: false,
      onSent: (err) => {
        if (err) return sendFailed(s, err);
        stats.sent++;
        if (s.failing) {
          s.failing = false;
          log('info', 'heartbeat pulses sent again', { ...s.target });
        }
      },
    };
    return s;
  };

  const setTargets = (list: HbTarget[]) => {
    const next = new Map<string, State>();
    for (const target of list) {
      const key = `${target.hostId}\u0000${target.network}`;
      const old = targets.get(key);
      const k = Buffer.from(target.key.buffer, target.key.byteOffset, target.key.length);
      if (old) {
        old.target = target;
        old.key = k;
      }
      next.set(key, old ?? newState(target, k));
    }
    for (const [key, old] of targets) if (!next.has(key) && old.seq !== null) outstanding.delete(old.seq);
    targets = next;
  };

  const onReply = (buf: Buffer) => {
    stats.received++;
    // Each host has its own key: the reply's seq names the pulse it answers, whose target's key
    // verifies it. A seq no pulse in flight has cannot be verified: a copy, a late or a made-up one.
    const claimed = codec.peekSeqNumber(buf);
    if (claimed === null || codec.peekNetwork(buf) === null) {
      stats.malformed++;
      return;
    }
    const s = outstanding.get(claimed);
    if (!s) {
      stats.replayed++;
      return;
    }
    // A reply, on the pulse's network, under its host's key (the MAC covers the seq too).
    const r = codec.checkReply(buf, s.key, s.target.network);
    if (r !== 'ok') {
      stats[r]++;
      return;
    }
    if (s.target.hostname !== undefined && s.target.hostname !== codec.replyHostname(buf)) {
      stats.malformed++;
      return;
    }
    outstanding.delete(claimed);
    s.answered = true;
    stats.answered++;
  };

  const open = (type: 'udp4' | 'udp6') =>
    new Promise<dgramT.Socket | null>((resolve) => {
      const address = data.bind[type];
      if (address === null) return resolve(null);
      const socket = dgram.createSocket(type === 'udp6' ? { type, ipv6Only: true } : { type });
      socket.on('message', onReply);
      socket.once('error', (err: NodeJS.ErrnoException) => {
        // No IPv6 on this host (or no IPv4): targets of that family count send errors.
        log('warn', `heartbeat pulser has no ${type} socket`, { code: err.code, message: err.message });
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
        socket.removeAllListeners('error');
        socket.on('error', (err: NodeJS.ErrnoException) =>
          log('warn', 'heartbeat pulser socket error', { code: err.code, message: err.message }),
        );
        resolve(socket);
      });
    });

  const sendFailed = (s: State, err: NodeJS.ErrnoException | string) => {
    stats.sendErrors++;
    if (!s.failing) {
      s.failing = true;
      const code = typeof err === 'string' ? err : (err.code ?? err.message);
      log('warn', 'heartbeat pulse not sent: counted as missed', { ...s.target, code });
    }
  };

  void Promise.all([open('udp4'), open('udp6')]).then(([udp4, udp6]) => {
    let timer: ReturnType<typeof setTimeout> | undefined;

    const pulse = (s: State) => {
      if (s.seq !== null) outstanding.delete(s.seq);
      const seq = (lastSeq = codec.nextSeqNumber(lastSeq));
      s.seq = seq;
      s.answered = false;
      outstanding.set(seq, s);
      const { address, port } = s.target;
      const socket = address.includes(':') ? udp6 : udp4;
      if (!socket) return sendFailed(s, 'ENOSOCKET');
      try {
        socket.send(codec.signPulse(s.template, seq, s.key), port, address, s.onSent);
      } catch (err) {
        sendFailed(s, err as NodeJS.ErrnoException);
      }
    };

    // Each period: report the previous pulse's fate (none before a target's first pulse), pulse again.
    const tick = () => {
      const obs: HbObservation[] = [];
      for (const s of targets.values()) {
        if (s.seq !== null)
          obs.push({ hostId: s.target.hostId, network: s.target.network, answered: s.answered });
        pulse(s);
      }
      if (obs.length > 0) post({ type: 'tick', obs });
    };

    // Drift-free: deadlines are start + k·period. After a stall (this thread starved of CPU), the
    // missed deadlines are skipped rather than run back to back, so a late reply is not judged early.
    const period = data.periodMs;
    let deadline = performance.now();
    const loop = () => {
      tick();
      const now = performance.now();
      deadline += period;
      if (deadline <= now) deadline += Math.ceil((now - deadline) / period) * period;
      if (deadline <= now) deadline += period;
      timer = setTimeout(loop, deadline - now);
    };

    parent.on('message', (m: ToWorker) => {
      if (m.type === 'targets') setTargets(m.targets);
      else if (m.type === 'stats') post({ type: 'stats', id: m.id, stats: { ...stats } });
      else if (m.type === 'close') {
        clearTimeout(timer);
        for (const socket of [udp4, udp6]) socket?.close();
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
  `(${pulserWorker.toString()})(codec, require('node:dgram'), require('node:worker_threads'));`,
].join('\n');
