// Shapes of the fm API (StarlingX field names), shared by routes and the CLI.

import { Type, type Static } from 'typebox';
import { ALARM_TYPES, SEVERITIES } from './domain/model.ts';

const StrList = Type.Union([Type.String(), Type.Array(Type.String())]);
const Bool = Type.Boolean();
const lit = (xs: readonly string[]) => Type.Union(xs.map((x) => Type.Literal(x)));

export const Alarm = Type.Object({
  uuid: Type.String(),
  alarm_id: Type.String(),
  alarm_state: Type.String(),
  entity_type_id: Type.String(),
  entity_instance_id: Type.String(),
  severity: Type.String(),
  reason_text: Type.String(),
  alarm_type: Type.String(),
  probable_cause: Type.String(),
  proposed_repair_action: Type.String(),
  service_affecting: Bool,
  suppression: Bool,
  suppression_status: Type.String(),
  inhibit_alarms: Bool,
  mgmt_affecting: Bool,
  degrade_affecting: Bool,
  timestamp: Type.String(),
});

export const AlarmList = Type.Object({ alarms: Type.Array(Alarm), next: Type.Union([Type.String(), Type.Null()]) });

export const AlarmListQuery = Type.Object(
  {
    'q.field': Type.Optional(StrList),
    'q.op': Type.Optional(StrList),
    'q.value': Type.Optional(StrList),
    'q.type': Type.Optional(StrList),
    include_suppress: Type.Optional(Bool),
    mgmt_affecting: Type.Optional(Bool),
    expand: Type.Optional(Bool),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
    marker: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    sort_key: Type.Optional(lit(['timestamp', 'severity', 'alarm_id', 'entity_instance_id'])),
    sort_dir: Type.Optional(lit(['asc', 'desc'])),
  },
  { additionalProperties: false },
);
export type AlarmListQuery = Static<typeof AlarmListQuery>;

export const RaiseBody = Type.Object(
  {
    alarm_id: Type.String({ pattern: '^[0-9]{3}\\.[0-9]{3}$' }),
    entity_instance_id: Type.String({ minLength: 1, maxLength: 255 }),
    severity: lit(SEVERITIES),
    alarm_state: Type.Optional(Type.Literal('set')),
    entity_type_id: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    reason_text: Type.Optional(Type.String({ minLength: 1, maxLength: 4000 })),
    alarm_type: Type.Optional(lit(ALARM_TYPES)),
    probable_cause: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    proposed_repair_action: Type.Optional(Type.String({ maxLength: 4000 })),
    service_affecting: Type.Optional(Bool),
    suppression: Type.Optional(Bool),
    inhibit_alarms: Type.Optional(Bool),
    timestamp: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);

export const ClearQuery = Type.Object(
  {
    alarm_id: Type.Optional(Type.String({ pattern: '^[0-9]{3}\\.[0-9]{3}$' })),
    entity_instance_id: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    prefix: Type.Optional(Bool),
  },
  { additionalProperties: false },
);

export const SummaryQuery = Type.Object({ include_suppress: Type.Optional(Bool) }, { additionalProperties: false });
export const Summary = Type.Object({
  critical: Type.Integer(),
  major: Type.Integer(),
  minor: Type.Integer(),
  warnings: Type.Integer(),
  status: Type.String(),
});

export const Event = Type.Object({
  uuid: Type.String(),
  event_log_id: Type.String(),
  state: Type.String(),
  entity_type_id: Type.String(),
  entity_instance_id: Type.String(),
  severity: Type.String(),
  reason_text: Type.String(),
  event_log_type: Type.String(),
  probable_cause: Type.String(),
  proposed_repair_action: Type.String(),
  service_affecting: Bool,
  suppression: Bool,
  suppression_status: Type.String(),
  timestamp: Type.String(),
});
export const EventList = Type.Object({ event_log: Type.Array(Event), next: Type.Union([Type.String(), Type.Null()]) });

export const EventListQuery = Type.Object(
  {
    'q.field': Type.Optional(StrList),
    'q.op': Type.Optional(StrList),
    'q.value': Type.Optional(StrList),
    'q.type': Type.Optional(StrList),
    alarms: Type.Optional(Bool),
    logs: Type.Optional(Bool),
    include_suppress: Type.Optional(Bool),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
    marker: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
  },
  { additionalProperties: false },
);

export const LogBody = Type.Object(
  {
    event_log_id: Type.String({ pattern: '^[0-9]{3}\\.[0-9]{3}$' }),
    entity_instance_id: Type.String({ minLength: 1, maxLength: 255 }),
    severity: lit(SEVERITIES),
    entity_type_id: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    reason_text: Type.Optional(Type.String({ minLength: 1, maxLength: 4000 })),
    event_log_type: Type.Optional(lit(ALARM_TYPES)),
    probable_cause: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    service_affecting: Type.Optional(Bool),
    timestamp: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);

export const Suppression = Type.Object({
  uuid: Type.String(),
  alarm_id: Type.String(),
  description: Type.String(),
  suppression_status: Type.String(),
});
export const SuppressionQuery = Type.Object(
  {
    'q.field': Type.Optional(StrList),
    'q.op': Type.Optional(StrList),
    'q.value': Type.Optional(StrList),
    'q.type': Type.Optional(StrList),
  },
  { additionalProperties: false },
);

export const SuppressionList = Type.Object({ event_suppression: Type.Array(Suppression) });

export const UuidParam = (name: string) => Type.Object({ [name]: Type.String({ minLength: 1, maxLength: 64 }) });
