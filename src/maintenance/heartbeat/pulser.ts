// The controller's side of the heartbeat (StarlingX hbsAgent): a worker thread pulses every host on
// each of its networks every period and hands the main thread one batch of observations per period.
// A network's pulse is multicast (its group: keys.ts's multicastOf) out of the local interface
// whose subnet holds the hosts' addresses; hosts on no local subnet are pulsed unicast.

import { lookup } from 'node:dns/promises';
import { isIP, isIPv4 } from 'node:net';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { StarlingError } from '../../common/errors.ts';
import type { Logger } from '../../common/log.ts';
import type { HbObservation } from '../domain/heartbeat.ts';
import { checkHbName, HB_NETWORKS, multicastOf, type HbNetwork } from '../../agentlink/heartbeat/index.ts';
import {
  PULSER_WORKER_SOURCE,
  type PulserBind,
  type FromWorker,
  type HbTarget,
  type PulserStats,
  type PulserWorkerData,
  type ToWorker,
  type WorkerTarget,
} from './pulser-worker.ts';

export type { HbObservation, HbTarget };

export interface Pulser {
  /** The whole set of targets; a target kept from the previous set keeps its pulse in flight. */
  setTargets(t: HbTarget[]): void;
  /** Where its sockets listen (address and port), one per address family it pulses. */
  listening(): { address: string; port: number }[];
  /** Counters since the worker started (a worker restarted after a crash starts again at 0). */
  stats(): Promise<PulserStats>;
  close(): Promise<void>;
}

const RESTART_DELAY_MS = 1000;
const CLOSE_GRACE_MS = 2000;

export async function startPulser(opts: {
  /** The address the controller serves on (its API's bind address): the pulser's sockets listen
   *  there, not on every address. A wildcard (0.0.0.0, ::) or none = every address. */
  bind?: string;
  periodMs: number;
  controller: string;
  /** The site's pulse key per network (keys.ts's pulseKeys); a network without one is not pulsed. */
  pulseKeys: Partial<Record<HbNetwork, Uint8Array>>;
  /** Which observations onTick gets (PulserWorkerData's `report`); default 'all'. The engine takes
   *  'changes': a healthy site then costs its main thread nothing between events. */
  report?: 'all' | 'changes';
  log: Logger;
  onTick: (obs: HbObservation[]) => void;
}): Promise<Pulser> {
  checkHbName(opts.controller, 'controller');
  if (!Number.isInteger(opts.periodMs) || opts.periodMs < 10) {
    throw new StarlingError('VALIDATION_FAILED', 'heartbeat period must be an integer of at least 10 ms', {
      field: 'periodMs',
    });
  }
  const bind = await pulserBind(opts.bind);
  const pulseKeys: Partial<Record<HbNetwork, Uint8Array>> = {};
  const multicast: PulserWorkerData['multicast'] = {};
  for (const n of HB_NETWORKS) {
    const k = opts.pulseKeys[n];
    if (k === undefined) continue;
    if (!(k instanceof Uint8Array) || k.length !== 64)
      throw new StarlingError('VALIDATION_FAILED', `pulse key for ${n} must be 64 bytes`, { field: `pulseKeys.${n}` });
    pulseKeys[n] = Uint8Array.from(k);
    multicast[n] = multicastOf(Buffer.from(k));
  }
  let listening: { address: string; port: number }[] = [];
  let targets: WorkerTarget[] = [];
  let worker: Worker | null = null;
  let closing = false;
  let restartTimer: NodeJS.Timeout | undefined;
  let lastStats: PulserStats = {
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
  let statsId = 0;
  const pendingStats = new Map<number, (s: PulserStats) => void>();
  const send = (m: ToWorker) => worker?.postMessage(m);

  const spawn = () =>
    new Promise<void>((resolve, reject) => {
      const workerData: PulserWorkerData = {
        bind,
        periodMs: opts.periodMs,
        controller: opts.controller,
        report: opts.report ?? 'all',
        pulseKeys,
        multicast,
        targets,
      };
      // execArgv []: the worker is plain JavaScript and needs none of the parent's loaders (tsx).
      const w = new Worker(PULSER_WORKER_SOURCE, {
        eval: true,
        execArgv: [],
        workerData,
        name: 'heartbeat-pulser',
      });
      worker = w;
      let ready = false;
      w.on('message', (m: FromWorker) => {
        if (m.type === 'ready') {
          ready = true;
          listening = m.listening;
          opts.log.info({ listening, periodMs: opts.periodMs }, 'heartbeat pulser started');
          resolve();
        } else if (m.type === 'tick') {
          try {
            opts.onTick(m.obs);
          } catch (err) {
            opts.log.error({ err }, 'heartbeat observations handler failed');
          }
        } else if (m.type === 'stats') {
          lastStats = m.stats;
          pendingStats.get(m.id)?.(m.stats);
          pendingStats.delete(m.id);
        } else opts.log[m.level](m.data, m.msg);
      });
      w.on('error', (err) => {
        opts.log.error({ err }, 'heartbeat pulser worker failed');
        if (!ready)
          reject(new StarlingError('INTERNAL', 'the heartbeat pulser did not start', { cause: err }));
      });
      w.on('exit', (code) => {
        if (worker === w) worker = null;
        for (const [id, done] of pendingStats) {
          done(lastStats);
          pendingStats.delete(id);
        }
        if (closing || !ready) return;
        // A pulser that stopped would make every host look healthy forever: start it again.
        opts.log.error({ code }, 'heartbeat pulser stopped: restarting it');
        restartTimer = setTimeout(() => {
          spawn().catch((err: unknown) => opts.log.error({ err }, 'heartbeat pulser restart failed'));
        }, RESTART_DELAY_MS);
      });
    });

  await spawn();

  return {
    setTargets(t) {
      t.forEach(checkTarget);
      const via = multicastVia(bind);
      targets = t.map((x) => ({ ...x, via: via(x.address) }));
      send({ type: 'targets', targets });
    },
    listening: () => listening.map((l) => ({ ...l })),
    stats() {
      if (!worker) return Promise.resolve({ ...lastStats });
      const id = ++statsId;
      return new Promise((resolve) => {
        pendingStats.set(id, resolve);
        send({ type: 'stats', id });
      });
    },
    async close() {
      closing = true;
      clearTimeout(restartTimer);
      const w = worker;
      if (!w) return;
      const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
      w.postMessage({ type: 'close' } satisfies ToWorker);
      const grace = setTimeout(() => void w.terminate(), CLOSE_GRACE_MS);
      await exited;
      clearTimeout(grace);
    },
  };
}

function checkTarget(t: HbTarget, i: number): void {
  const bad = (field: string, what: string) =>
    new StarlingError('VALIDATION_FAILED', `heartbeat target ${t.hostId}/${t.network}: ${what}`, {
      field: `targets[${i}].${field}`,
    });
  if (!HB_NETWORKS.includes(t.network)) throw bad('network', `unknown network`);
  if (isIP(t.address) === 0) throw bad('address', `${t.address} is not an IP address`);
  if (!Number.isInteger(t.port) || t.port < 1 || t.port > 65535)
    throw bad('port', `port ${t.port} is out of range`);
  if (t.hostname !== undefined) checkHbName(t.hostname, `targets[${i}].hostname`);
  if (!(t.key instanceof Uint8Array) || t.key.length !== 64) throw bad('key', 'no heartbeat key');
}

/**
 * For a target's address, the local IPv4 address whose subnet holds it (the longest prefix), which
 * the network's multicast pulse leaves from; null when none does (routed, IPv6), or when the pulser
 * is bound to another address (its pulses leave from there). A loopback target is reached on lo.
 */
export function multicastVia(
  bind: PulserBind,
  interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces(),
): (address: string) => string | null {
  const toInt = (a: string) => a.split('.').reduce((n, b) => n * 256 + Number(b), 0);
  const nets = Object.values(interfaces)
    .flat()
    .flatMap((i) => (i !== undefined && i.family === 'IPv4' ? [i] : []))
    .filter((i) => bind.udp4 === '0.0.0.0' || bind.udp4 === i.address)
    .map((i) => ({ address: i.address, net: toInt(i.address), mask: toInt(i.netmask) }))
    .sort((a, b) => b.mask - a.mask);
  return (address) => {
    if (!isIPv4(address)) return null;
    const a = toInt(address);
    const hit = nets.find((n) => (((a ^ n.net) & n.mask) >>> 0) === 0);
    return hit?.address ?? null;
  };
}

/** The pulser's listening addresses for the controller's bind address (a name is resolved). */
export async function pulserBind(bind: string | undefined): Promise<PulserBind> {
  if (bind === undefined || bind === '' || bind === '0.0.0.0' || bind === '::') return { udp4: '0.0.0.0', udp6: '::' };
  const addrs = isIP(bind) !== 0 ? [{ address: bind, family: isIP(bind) }] : await lookup(bind, { all: true });
  return {
    udp4: addrs.find((a) => a.family === 4)?.address ?? null,
    udp6: addrs.find((a) => a.family === 6)?.address ?? null,
  };
}
