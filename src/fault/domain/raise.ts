// Turning a raise request into the alarm to store: checked against the catalog, defaults filled
// from it, mgmt/degrade-affecting computed from its thresholds. Pure.

import { StarlingError } from '../../common/errors.ts';
import type { Catalog, CatalogEntry } from './catalog.ts';
import { ALARM_TYPES, PROBABLE_CAUSES, SEVERITIES, SEVERITY_RANK, type Alarm, type AlarmType, type Severity } from './model.ts';

export interface RaiseInput {
  alarm_id: string;
  entity_instance_id: string;
  severity: string;
  alarm_state?: string;
  entity_type_id?: string;
  reason_text?: string;
  alarm_type?: string;
  probable_cause?: string;
  proposed_repair_action?: string;
  service_affecting?: boolean;
  suppression?: boolean;
  inhibit_alarms?: boolean;
  timestamp?: string;
}

export interface LogInput {
  event_log_id: string;
  entity_instance_id: string;
  severity: string;
  entity_type_id?: string;
  reason_text?: string;
  event_log_type?: string;
  probable_cause?: string;
  service_affecting?: boolean;
  timestamp?: string;
}

/** `host=worker-0.port=eth0` → `host.port`. A value may hold dots (`ntp=10.0.0.1`): a segment
 *  without `=` belongs to the value before it. */
export function entityTypeOf(entityInstanceId: string): string {
  return entityInstanceId
    .split('.')
    .filter((seg) => seg.includes('='))
    .map((seg) => seg.slice(0, seg.indexOf('=')))
    .join('.');
}

const ENTITY = /^[A-Za-z_][A-Za-z0-9_-]*=[^=]*(\.[A-Za-z_][A-Za-z0-9_-]*=[^=]*)*$/;

export function checkEntityInstanceId(v: string, field = 'entity_instance_id'): string {
  if (v.length === 0 || v.length > 255 || !ENTITY.test(v) || v.endsWith('=')) {
    throw new StarlingError('VALIDATION_FAILED', `${field} '${v}' must be key=value pairs joined by dots, like host=controller-0.port=eth0`, {
      field,
    });
  }
  return v;
}

export function atOrAbove(severity: Severity, threshold: Severity | 'none'): boolean {
  return threshold !== 'none' && SEVERITY_RANK[severity] >= SEVERITY_RANK[threshold];
}

function entryFor(catalog: Catalog, id: string, type: 'alarm' | 'log', field: string): CatalogEntry {
  const entry = catalog.get(id);
  if (!entry) throw new StarlingError('VALIDATION_FAILED', `${field} ${id} is not in the alarm catalog`, { field });
  if (entry.type !== type) {
    throw new StarlingError('VALIDATION_FAILED', `${field} ${id} is a ${entry.type} id, not an ${type} id`, { field });
  }
  return entry;
}

function severityFor(entry: CatalogEntry, severity: string, field = 'severity'): Severity {
  if (!(SEVERITIES as readonly string[]).includes(severity)) {
    throw new StarlingError('VALIDATION_FAILED', `${field} '${severity}' must be one of ${SEVERITIES.join(', ')}`, { field });
  }
  if (!entry.severities.includes(severity as Severity)) {
    throw new StarlingError('VALIDATION_FAILED', `${field} '${severity}' is not a severity of ${entry.id} (it has ${entry.severities.join(', ')})`, {
      field,
    });
  }
  return severity as Severity;
}

function alarmTypeFor(v: string | undefined, fallback: AlarmType, field: string): AlarmType {
  if (v === undefined) return fallback;
  if (!(ALARM_TYPES as readonly string[]).includes(v)) {
    throw new StarlingError('VALIDATION_FAILED', `${field} '${v}' must be one of ${ALARM_TYPES.join(', ')}`, { field });
  }
  return v as AlarmType;
}

function causeFor(v: string | undefined, fallback: string): string {
  if (v === undefined) return fallback;
  if (!(PROBABLE_CAUSES as readonly string[]).includes(v)) {
    throw new StarlingError('VALIDATION_FAILED', `probable_cause '${v}' is not an X.733 probable cause`, { field: 'probable_cause' });
  }
  return v;
}

function timestampFor(v: string | undefined, now: Date): string {
  if (v === undefined) return now.toISOString();
  const t = new Date(v);
  if (Number.isNaN(t.getTime())) throw new StarlingError('VALIDATION_FAILED', `timestamp '${v}' is not an ISO 8601 time`, { field: 'timestamp' });
  return t.toISOString();
}

/** The alarm to store for a raise (without uuid: a repeat raise keeps the existing one). */
export function alarmFromRaise(input: RaiseInput, catalog: Catalog, now: Date): Omit<Alarm, 'uuid'> {
  if (input.alarm_state !== undefined && input.alarm_state !== 'set') {
    throw new StarlingError('VALIDATION_FAILED', `alarm_state '${input.alarm_state}' must be set (clear with DELETE)`, { field: 'alarm_state' });
  }
  const entry = entryFor(catalog, input.alarm_id, 'alarm', 'alarm_id');
  const severity = severityFor(entry, input.severity);
  const entity = checkEntityInstanceId(input.entity_instance_id);
  return {
    alarm_id: entry.id,
    alarm_state: 'set',
    entity_type_id: input.entity_type_id ?? entityTypeOf(entity),
    entity_instance_id: entity,
    severity,
    reason_text: input.reason_text ?? entry.description,
    alarm_type: alarmTypeFor(input.alarm_type, entry.alarm_type, 'alarm_type'),
    probable_cause: causeFor(input.probable_cause, entry.probable_cause),
    proposed_repair_action: input.proposed_repair_action ?? entry.repair,
    service_affecting: input.service_affecting ?? entry.service_affecting,
    // An id the catalog marks unsuppressible stays so, whatever the raiser says.
    suppression: entry.suppression && (input.suppression ?? true),
    inhibit_alarms: input.inhibit_alarms ?? false,
    mgmt_affecting: atOrAbove(severity, entry.mgmt_affecting),
    degrade_affecting: atOrAbove(severity, entry.degrade_affecting),
    timestamp: timestampFor(input.timestamp, now),
  };
}

export interface LogRecord {
  event_log_id: string;
  entity_type_id: string;
  entity_instance_id: string;
  severity: Severity;
  reason_text: string;
  event_log_type: AlarmType;
  probable_cause: string;
  service_affecting: boolean;
  timestamp: string;
}

/** A customer log to append. */
export function logFromInput(input: LogInput, catalog: Catalog, now: Date): LogRecord {
  const entry = entryFor(catalog, input.event_log_id, 'log', 'event_log_id');
  const entity = checkEntityInstanceId(input.entity_instance_id);
  return {
    event_log_id: entry.id,
    entity_type_id: input.entity_type_id ?? entityTypeOf(entity),
    entity_instance_id: entity,
    severity: severityFor(entry, input.severity),
    reason_text: input.reason_text ?? entry.description,
    event_log_type: alarmTypeFor(input.event_log_type, entry.alarm_type, 'event_log_type'),
    probable_cause: causeFor(input.probable_cause, entry.probable_cause),
    service_affecting: input.service_affecting ?? entry.service_affecting,
    timestamp: timestampFor(input.timestamp, now),
  };
}
