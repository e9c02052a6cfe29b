// Heartbeat failure detection (StarlingX hbsAgent): per-network miss counters → host health, with
// multi-node failure avoidance (MNFA). Pure: observations and the time come in as arguments.

import { HB_NETWORKS, type HbNetwork } from '../../agentlink/protocol.ts';

export { HB_NETWORKS, type HbNetwork };

/** One period's result for one (host, network): did the previous pulse get a valid reply? */
export interface HbObservation {
  hostId: string;
  network: HbNetwork;
  answered: boolean;
}

/** StarlingX service parameters heartbeat_degrade_threshold, heartbeat_failure_threshold,
 *  mnfa_threshold and mnfa_timeout (here in ms; 0 = the hold lasts until the event ends).
 *  The config keeps degrade ≤ failure and mnfaThreshold ≥ 2 (StarlingX's ranges). */
export interface HbThresholds {
  degrade: number;
  failure: number;
  mnfaThreshold: number;
  mnfaTimeoutMs: number;
}
export const HB_DEFAULTS: HbThresholds = { degrade: 6, failure: 10, mnfaThreshold: 2, mnfaTimeoutMs: 0 };

export type HbHealth = 'healthy' | 'degraded' | 'failed';

export interface HbHostView {
  /** Consecutive misses per network the host is pulsed on. */
  networks: Record<string, number>;
  health: HbHealth;
  /** Networks whose misses reached the degrade threshold, in HB_NETWORKS order. */
  lostNetworks: HbNetwork[];
}

export interface HbSiteState {
  hosts: Record<string, HbHostView>;
  mnfa: {
    active: boolean;
    /** When the event began (ms), while active. */
    since: number | null;
    /** Every host that was in loss during the current event (they are named again at its exit). */
    hosts: string[];
    /** Hosts whose hold ended by mnfa timeout: not counted in a new event until their heartbeat
     *  recovers, so a lingering degrade does not start an event again at once (enter/exit flapping). */
    expired: string[];
  };
}

export type HbEvent =
  | { type: 'network-lost'; hostId: string; network: HbNetwork }
  | { type: 'network-restored'; hostId: string; network: HbNetwork }
  /** The host became degraded, or its set of lost networks changed while degraded. */
  | { type: 'host-degraded'; hostId: string; networks: HbNetwork[] }
  | { type: 'host-failed'; hostId: string }
  | { type: 'host-healthy'; hostId: string }
  | { type: 'mnfa-enter'; hostIds: string[] }
  | { type: 'mnfa-exit'; hostIds: string[] };

export function emptyHbState(): HbSiteState {
  return { hosts: {}, mnfa: { active: false, since: null, hosts: [], expired: [] } };
}

/**
 * One heartbeat period. Order of the events: network-lost/restored (observation order),
 * mnfa-enter, host health changes, mnfa-exit.
 *
 * Rules (StarlingX mtce): misses ≥ degrade on a network → that network is lost and the host
 * degraded; all of the host's networks ≥ failure → failed (once; it stays failed until a network
 * answers again). Hosts in loss (some lost network) that were not already failed form the MNFA
 * pool; ≥ mnfaThreshold of them at once is a network event: while it lasts, pool hosts past the
 * failure threshold are held at degraded. It ends when the pool is empty, or at mnfaTimeoutMs,
 * when held hosts still past the failure threshold fail.
 */
export function hbTick(
  state: HbSiteState,
  obs: HbObservation[],
  t: HbThresholds,
  nowMs: number,
): { state: HbSiteState; events: HbEvent[] } {
  const events: HbEvent[] = [];
  const lostAt = Math.min(t.degrade, t.failure);
  const hosts: Record<string, HbHostView> = {};
  for (const [id, h] of Object.entries(state.hosts)) hosts[id] = { ...h, networks: { ...h.networks } };

  // 1. Miss counters, and which networks crossed the degrade threshold either way.
  const touched = new Set<string>();
  for (const o of obs) {
    const h = (hosts[o.hostId] ??= { networks: {}, health: 'healthy', lostNetworks: [] });
    h.networks[o.network] = o.answered ? 0 : (h.networks[o.network] ?? 0) + 1;
    touched.add(o.hostId);
  }
  const previousLost = new Map<string, HbNetwork[]>();
  for (const id of touched) {
    const h = hosts[id]!;
    const lost = HB_NETWORKS.filter((n) => (h.networks[n] ?? 0) >= lostAt);
    for (const n of lost)
      if (!h.lostNetworks.includes(n)) events.push({ type: 'network-lost', hostId: id, network: n });
    for (const n of h.lostNetworks)
      if (!lost.includes(n)) events.push({ type: 'network-restored', hostId: id, network: n });
    previousLost.set(id, h.lostNetworks);
    h.lostNetworks = lost;
  }

  // 2. MNFA: the pool is the hosts in loss now, less those failed before (a dead host being
  //    recovered is not part of a network event) and those whose hold already expired.
  const expired = state.mnfa.expired.filter((id) => (hosts[id]?.lostNetworks.length ?? 0) > 0);
  const pool = Object.keys(hosts)
    .filter((id) => {
      const h = hosts[id]!;
      return h.lostNetworks.length > 0 && h.health !== 'failed' && !expired.includes(id);
    })
    .sort();
  let { active, since } = state.mnfa;
  let participants = state.mnfa.hosts.filter((id) => id in hosts);
  if (!active && pool.length >= t.mnfaThreshold) {
    active = true;
    since = nowMs;
    participants = [];
    events.push({ type: 'mnfa-enter', hostIds: pool });
  }
  let ending = false;
  if (active) {
    participants = [...new Set([...participants, ...pool])].sort();
    const timedOut = t.mnfaTimeoutMs > 0 && since !== null && nowMs - since >= t.mnfaTimeoutMs;
    if (timedOut) expired.push(...pool);
    ending = timedOut || pool.length === 0;
  }
  const held = new Set(active && !ending ? pool : []);

  // 3. Host health.
  for (const [id, h] of Object.entries(hosts)) {
    const nets = Object.values(h.networks);
    const allFailed = nets.length > 0 && nets.every((m) => m >= t.failure);
    const next: HbHealth =
      allFailed && !held.has(id) ? 'failed' : h.lostNetworks.length > 0 ? 'degraded' : 'healthy';
    const before = previousLost.get(id) ?? h.lostNetworks;
    if (next === 'failed' && h.health !== 'failed') events.push({ type: 'host-failed', hostId: id });
    if (next === 'healthy' && h.health !== 'healthy') events.push({ type: 'host-healthy', hostId: id });
    if (next === 'degraded' && (h.health !== 'degraded' || !sameList(before, h.lostNetworks))) {
      events.push({ type: 'host-degraded', hostId: id, networks: h.lostNetworks });
    }
    h.health = next;
  }

  if (ending) {
    events.push({ type: 'mnfa-exit', hostIds: participants });
    active = false;
    since = null;
    participants = [];
  }
  return { state: { hosts, mnfa: { active, since, hosts: participants, expired } }, events };
}

/** The host is deleted or no longer monitored (locked, powered off): drop its counters. */
export function forgetHost(state: HbSiteState, hostId: string): HbSiteState {
  const hosts = { ...state.hosts };
  delete hosts[hostId];
  return {
    hosts,
    mnfa: {
      ...state.mnfa,
      hosts: state.mnfa.hosts.filter((id) => id !== hostId),
      expired: state.mnfa.expired.filter((id) => id !== hostId),
    },
  };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
