-- Fault management: active alarms, the event log, suppression by alarm id, SNMP trap destinations.

CREATE TABLE alarms (
  uuid                   uuid PRIMARY KEY,
  seq                    bigserial NOT NULL UNIQUE,      -- stable tie-break for paging
  alarm_id               text NOT NULL CHECK (alarm_id ~ '^[0-9]{3}\.[0-9]{3}$'),
  entity_type_id         text NOT NULL,
  entity_instance_id     text NOT NULL CHECK (length(entity_instance_id) BETWEEN 1 AND 255),
  severity               text NOT NULL CHECK (severity IN ('critical', 'major', 'minor', 'warning')),
  severity_rank          smallint GENERATED ALWAYS AS (
                           CASE severity WHEN 'critical' THEN 4 WHEN 'major' THEN 3 WHEN 'minor' THEN 2 ELSE 1 END) STORED,
  reason_text            text NOT NULL,
  alarm_type             text NOT NULL,
  probable_cause         text NOT NULL,
  proposed_repair_action text NOT NULL,
  service_affecting      boolean NOT NULL,
  suppression            boolean NOT NULL,
  inhibit_alarms         boolean NOT NULL DEFAULT false,
  mgmt_affecting         boolean NOT NULL,
  degrade_affecting      boolean NOT NULL,
  timestamp              timestamptz NOT NULL,
  updated_at             timestamptz NOT NULL DEFAULT now(),
  -- StarlingX's rule: one alarm per (alarm_id, entity_instance_id); a repeat set updates it.
  UNIQUE (alarm_id, entity_instance_id)
);
CREATE INDEX alarms_by_time ON alarms (timestamp DESC, seq DESC);
CREATE INDEX alarms_by_severity ON alarms (severity_rank DESC, timestamp DESC, seq DESC);
CREATE INDEX alarms_by_entity ON alarms (entity_instance_id text_pattern_ops);

CREATE TABLE event_suppression (
  uuid               uuid PRIMARY KEY,
  alarm_id           text NOT NULL UNIQUE,
  description        text NOT NULL,
  suppression_status text NOT NULL DEFAULT 'unsuppressed' CHECK (suppression_status IN ('suppressed', 'unsuppressed')),
  updated_at         timestamptz
);

CREATE TABLE event_log (
  seq                    bigserial PRIMARY KEY,
  uuid                   uuid NOT NULL UNIQUE,
  event_log_id           text NOT NULL,
  state                  text NOT NULL CHECK (state IN ('set', 'clear', 'log')),
  entity_type_id         text NOT NULL,
  entity_instance_id     text NOT NULL,
  severity               text NOT NULL CHECK (severity IN ('critical', 'major', 'minor', 'warning', 'clear')),
  reason_text            text NOT NULL,
  event_log_type         text NOT NULL,
  probable_cause         text NOT NULL,
  proposed_repair_action text NOT NULL DEFAULT '',
  service_affecting      boolean NOT NULL,
  suppression            boolean NOT NULL,
  timestamp              timestamptz NOT NULL
);
CREATE INDEX event_log_by_time ON event_log (timestamp DESC, seq DESC);
CREATE INDEX event_log_by_key ON event_log (event_log_id, entity_instance_id);

-- sysinv's itrapdest: where SNMP v2c traps of every alarm change go.
CREATE TABLE snmp_trap_destinations (
  uuid        uuid PRIMARY KEY,
  ip_address  inet NOT NULL,
  port        integer NOT NULL DEFAULT 162 CHECK (port BETWEEN 1 AND 65535),
  community   text NOT NULL CHECK (length(community) BETWEEN 1 AND 255),
  type        text NOT NULL DEFAULT 'snmpv2c_trap' CHECK (type = 'snmpv2c_trap'),
  transport   text NOT NULL DEFAULT 'udp' CHECK (transport = 'udp'),
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (ip_address, port)
);
