// What a host with no workflow in progress should look like given its heartbeat (StarlingX
// mtcAgent's enabled-state audit): availability, heartbeat-loss alarms, and whether it has failed.
// Level-driven, so a controller restart or a missed event converges on the next tick. Pure.

import type { Administrative, Availability, Operational } from '../../inventory/index.ts';
import type { HbHostView, HbNetwork } from './heartbeat.ts';

export interface SteadyHost {
  hostname: string;
  administrative: Administrative;
  operational: Operational;
  availability: Availability;
}

export interface SteadyDecision {
  availability?: Availability;
  /** The host failed: start recovery. */
  fail?: string;
  /** Heartbeat-loss alarms that should be active (alarm id → entity → reason). */
  alarms: { alarm_id: string; entity: string; reason: string }[];
}

/** StarlingX's heartbeat-loss alarm per network: 200.005 management, 200.009 cluster-host. */
export const HB_LOSS_ALARM: Partial<Record<HbNetwork, string>> = {
  mgmt: '200.005',
  'cluster-host': '200.009',
};

export function steadyState(h: SteadyHost, hb: HbHostView | undefined, mnfa: boolean): SteadyDecision {
  const out: SteadyDecision = { alarms: [] };
  if (hb === undefined || h.availability === 'power-off') return out;
  for (const n of hb.lostNetworks) {
    const id = HB_LOSS_ALARM[n];
    if (id !== undefined) {
      out.alarms.push({
        alarm_id: id,
        entity: `host=${h.hostname}.network=${n}`,
        reason: `${h.hostname} is not answering heartbeat on the ${n} network${mnfa ? ' (multi-node failure: treated as a network event)' : ''}.`,
      });
    }
  }
  if (h.administrative === 'locked') {
    const want = hb.health === 'failed' ? 'offline' : 'online';
    if (h.availability !== want && (h.availability === 'online' || h.availability === 'offline'))
      out.availability = want;
    return out;
  }
  if (h.operational !== 'enabled') return out;
  if (hb.health === 'failed') {
    out.fail = `${h.hostname} lost heartbeat on every network (${Object.keys(hb.networks).join(', ')})`;
    return out;
  }
  const want = hb.health === 'degraded' ? 'degraded' : 'available';
  if (h.availability !== want && (h.availability === 'available' || h.availability === 'degraded'))
    out.availability = want;
  return out;
}
