// The link monitor's rules (StarlingX lmond): a port is down when sysfs says its operstate is down
// or it has no carrier, and a down port of a platform network raises that network's port alarm. Pure.

import type { AgentAlarm } from '../alarm-sink.ts';

export type LinkState = 'up' | 'down';

/**
 * operstate and carrier as sysfs gives them (undefined: missing or unreadable). `unknown` is what
 * drivers without link reporting show (dummy, tun, some VFs): up unless the carrier says otherwise.
 * A veth whose peer went down still shows `up` with carrier 0 (seen on this kernel), hence both.
 * carrier reads fail (EINVAL) while the interface is administratively down.
 */
export function linkStateOf(operstate: string | undefined, carrier: string | undefined): LinkState {
  const op = operstate?.trim();
  if (op === undefined) return 'down';
  if (op !== 'up' && op !== 'unknown') return 'down'; // down, lowerlayerdown, notpresent, dormant, testing
  return carrier?.trim() === '0' ? 'down' : 'up';
}

/** The port-failed alarm of each platform network (data ports are the vswitch's business). */
const PORT_ALARMS: Record<string, { id: string; label: string }> = {
  oam: { id: '100.106', label: 'OAM' },
  mgmt: { id: '100.108', label: 'Management' },
  'cluster-host': { id: '100.110', label: 'Cluster-host' },
};

export function portAlarmId(network: string): string | undefined {
  return PORT_ALARMS[network]?.id;
}

export function portAlarm(hostname: string, ifname: string, network: string): AgentAlarm | undefined {
  const a = PORT_ALARMS[network];
  if (!a) return undefined;
  return {
    alarm_id: a.id,
    entity_instance_id: `host=${hostname}.port=${ifname}`,
    severity: 'major',
    reason_text: `${a.label} port ${ifname} failed (link down)`,
  };
}

export type LinkAction =
  | { kind: 'raise'; alarm: AgentAlarm }
  | { kind: 'clear'; alarm_id: string; entity_instance_id: string }
  | null;

/**
 * What a new reading asks for. The first reading (previous undefined) of an up port also clears,
 * so an alarm a previous run of the agent left behind goes away.
 */
export function linkAction(
  previous: LinkState | undefined,
  now: LinkState,
  hostname: string,
  ifname: string,
  network: string,
): LinkAction {
  if (previous === now) return null;
  const alarm = portAlarm(hostname, ifname, network);
  if (!alarm) return null;
  return now === 'down'
    ? { kind: 'raise', alarm }
    : { kind: 'clear', alarm_id: alarm.alarm_id, entity_instance_id: alarm.entity_instance_id };
}

/** Interface names as the kernel allows them (IFNAMSIZ 16 with the NUL; no slash, not . or ..). */
export function validIfname(name: string): boolean {
  return /^[A-Za-z0-9_.:@-]{1,15}$/.test(name) && name !== '.' && name !== '..';
}
