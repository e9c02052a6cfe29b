// The API's answers as the dashboard reads them (a subset of each resource's fields).

export interface Host {
  uuid: string;
  id: number;
  hostname: string | null;
  personality: string | null;
  subfunctions: string | null;
  administrative: string;
  operational: string;
  availability: string;
  task: string | null;
  action: string | null;
  mgmt_ip: string | null;
  mgmt_mac: string | null;
  bm_type: string | null;
  bm_ip: string | null;
  uptime: number | null;
  location: unknown;
  software_load: string | null;
  invprovision: string | null;
  created_at: string | null;
  updated_at: string | null;
}

export interface Alarm {
  uuid: string;
  alarm_id: string;
  alarm_state: string;
  entity_type_id: string;
  entity_instance_id: string;
  timestamp: string;
  severity: string;
  reason_text: string;
  alarm_type: string;
  probable_cause: string;
  proposed_repair_action: string;
  service_affecting: boolean | string;
  suppression: boolean | string;
  suppression_status: string;
  mgmt_affecting: boolean | string;
  degrade_affecting: boolean | string;
}

export interface EventLogEntry {
  uuid: string;
  event_log_id: string;
  state: string;
  entity_type_id: string;
  entity_instance_id: string;
  timestamp: string;
  severity: string;
  reason_text: string;
  event_log_type: string;
  probable_cause: string;
  proposed_repair_action: string;
  service_affecting: boolean | string;
  suppression: boolean | string;
  suppression_status: string;
}

export interface Suppression {
  uuid: string;
  alarm_id: string;
  description: string;
  suppression_status: string;
}

export interface AlarmSummary {
  critical: number;
  major: number;
  minor: number;
  warnings: number;
  status: string;
}

export interface Subcloud {
  id: number;
  name: string;
  'availability-status': string;
  'management-state': string;
  'deploy-status': string;
  sync_status?: string;
  'region-name'?: string;
}

export interface SubcloudAlarms {
  region_name: string;
  uuid: string;
  critical_alarms: number;
  major_alarms: number;
  minor_alarms: number;
  warnings: number;
  cloud_status: string;
}
