// The alarm model after StarlingX's FM (ITU X.733): severities, alarm types, probable causes,
// and the shapes of an alarm and an event log entry. Pure data.

export const SEVERITIES = ['critical', 'major', 'minor', 'warning'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Most to least severe: for "at or above" comparisons (mgmt/degrade affecting). */
export const SEVERITY_RANK: Record<Severity, number> = { critical: 4, major: 3, minor: 2, warning: 1 };

export const ALARM_TYPES = [
  'other',
  'communication',
  'qos',
  'processing-error',
  'equipment',
  'environmental',
  'integrity-violation',
  'operational-violation',
  'physical-violation',
  'security-service-or-mechanism-violation',
  'time-domain-violation',
] as const;
export type AlarmType = (typeof ALARM_TYPES)[number];

/** X.733 / X.736 probable causes, in StarlingX's spelling. */
export const PROBABLE_CAUSES = [
  'adaptor-error', 'application-subsystem-failure', 'bandwidth-reduced', 'call-establishment-error',
  'communication-protocol-error', 'communication-subsystem-failure', 'configuration-or-customization-error',
  'congestion', 'corrupt-data', 'cpu-cycles-limit-exceeded', 'dataset-or-modem-error', 'degraded-signal',
  'dte-dce-interface-error', 'enclosure-door-open', 'equipment-malfunction', 'excessive-vibration', 'file-error',
  'fire-detected', 'flood-detected', 'framing-error', 'heating-ventilation-cooling-system-problem',
  'humidity-unacceptable', 'io-device-error', 'input-device-error', 'lan-error', 'leak-detected',
  'local-node-transmission-error', 'loss-of-frame', 'loss-of-signal', 'material-supply-exhausted',
  'multiplexer-problem', 'out-of-memory', 'output-device-error', 'performance-degraded', 'power-problem',
  'pressure-unacceptable', 'processor-problem', 'pump-failure', 'queue-size-exceeded', 'receive-failure',
  'receiver-failure', 'remote-node-transmission-error', 'resource-at-or-nearing-capacity',
  'response-time-excessive', 'retransmission-rate-excessive', 'software-error',
  'software-program-abnormally-terminated', 'software-program-error', 'storage-capacity-problem',
  'temperature-unacceptable', 'threshold-crossed', 'timing-problem', 'toxic-leak-detected', 'transmit-failure',
  'transmitter-failure', 'underlying-resource-unavailable', 'version-mismatch', 'duplicate-information',
  'information-missing', 'information-modification-detected', 'information-out-of-sequence',
  'unexpected-information', 'denial-of-service', 'out-of-service', 'procedural-error', 'unspecified-reason',
  'cable-tamper', 'intrusion-detection', 'authentication-failure', 'breach-of-confidentiality',
  'non-repudiation-failure', 'unauthorized-access-attempt', 'delayed-information', 'key-expired',
  'out-of-hours-activity', 'unknown',
] as const;

/** An active alarm, as stored and as the REST API shows it (StarlingX field names). */
export interface Alarm {
  uuid: string;
  alarm_id: string;
  alarm_state: 'set';
  entity_type_id: string;
  entity_instance_id: string;
  severity: Severity;
  reason_text: string;
  alarm_type: AlarmType;
  probable_cause: string;
  proposed_repair_action: string;
  service_affecting: boolean;
  suppression: boolean;
  inhibit_alarms: boolean;
  mgmt_affecting: boolean;
  degrade_affecting: boolean;
  timestamp: string;
}

export type EventState = 'set' | 'clear' | 'log';

/** One entry of the event log: an alarm set or clear, or a customer log. */
export interface EventLogEntry {
  uuid: string;
  event_log_id: string;
  state: EventState;
  entity_type_id: string;
  entity_instance_id: string;
  severity: Severity | 'clear';
  reason_text: string;
  event_log_type: AlarmType;
  probable_cause: string;
  proposed_repair_action: string;
  service_affecting: boolean;
  suppression: boolean;
  timestamp: string;
}
