// The availability audit's decision for one subcloud (dcmanager's subcloud audit): from what the
// subcloud was and what this audit saw, what it is now and what happens to alarm 280.001. Pure.

import type { AvailabilityStatus } from './subcloud.ts';

export interface AlarmCounts {
  critical: number;
  major: number;
  minor: number;
  warnings: number;
}

export type CloudStatus = 'OK' | 'degraded' | 'critical' | 'disabled';

/** What one audit saw: the subcloud answered (with its alarm counts), or why it did not. */
export type AuditObservation = { ok: true; alarms: AlarmCounts } | { ok: false; error: string };

export interface AuditState {
  availability_status: AvailabilityStatus;
  audit_fail_count: number;
}

export interface AuditDecision {
  availability_status: AvailabilityStatus;
  audit_fail_count: number;
  /** online ↔ offline this audit. */
  changed: boolean;
  /** 280.001: raised when the subcloud goes offline, cleared when it is back. */
  alarm: 'raise' | 'clear' | undefined;
  /** The alarm summary's row: new counts, unknown (offline: shown as '-', disabled), or as it was
   *  (a failure that has not made the subcloud offline yet). */
  alarms: (AlarmCounts & { status: CloudStatus }) | 'unknown' | 'keep';
  last_audit_error: string | null;
}

/** dcmanager's cloud_status: critical if any critical alarm, degraded if any major or minor. */
export function cloudStatus(c: AlarmCounts): CloudStatus {
  if (c.critical > 0) return 'critical';
  if (c.major > 0 || c.minor > 0) return 'degraded';
  return 'OK';
}

/**
 * One answer brings a subcloud online; `offlineThreshold` consecutive failures take an online
 * subcloud offline (StarlingX: 2), so one lost answer does not flap it.
 */
export function decideAudit(s: AuditState, obs: AuditObservation, offlineThreshold: number): AuditDecision {
  if (obs.ok) {
    return {
      availability_status: 'online',
      audit_fail_count: 0,
      changed: s.availability_status !== 'online',
      alarm: s.availability_status !== 'online' ? 'clear' : undefined,
      alarms: { ...obs.alarms, status: cloudStatus(obs.alarms) },
      last_audit_error: null,
    };
  }
  const failures = Math.min(s.audit_fail_count + 1, 1_000_000);
  const offline = s.availability_status === 'offline' || failures >= offlineThreshold;
  const changed = offline && s.availability_status === 'online';
  return {
    availability_status: offline ? 'offline' : 'online',
    audit_fail_count: failures,
    changed,
    alarm: changed ? 'raise' : undefined,
    alarms: offline ? 'unknown' : 'keep',
    last_audit_error: obs.error,
  };
}
