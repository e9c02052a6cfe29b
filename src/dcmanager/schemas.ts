// Shapes of dcmanager's resources (StarlingX's field names: hyphenated, as its API returns them)
// and of the requests its routes take. Shared by the routes and the CLI.

import { Type, type Static } from 'typebox';

const Str = (max = 255) => Type.String({ maxLength: max });
const StrOrNum = Type.Union([Type.String({ maxLength: 255 }), Type.Integer()]);

export interface EndpointSyncStatus {
  endpoint_type: string;
  sync_status: string;
}

/** A subcloud as `GET /v1.0/subclouds[/{ref}]` returns it. The last three fields are Starling's. */
export interface Subcloud {
  id: number;
  name: string;
  description: string | null;
  location: string | null;
  'software-version': string;
  'management-state': string;
  'availability-status': string;
  'deploy-status': string;
  'backup-status': string | null;
  'backup-datetime': string | null;
  'error-description': string;
  'region-name': string;
  'management-subnet': string;
  'management-start-ip': string;
  'management-end-ip': string;
  'management-gateway-ip': string;
  'openstack-installed': boolean;
  'prestage-status': string | null;
  'prestage-versions': string | null;
  'systemcontroller-gateway-ip': string;
  data_install: string | null;
  data_upgrade: string | null;
  'created-at': string;
  'updated-at': string | null;
  group_id: number;
  peer_group_id: number | null;
  rehome_data: string | null;
  endpoint_sync_status: EndpointSyncStatus[];
  /** Every endpoint in sync → in-sync; any out of sync → out-of-sync; else unknown. */
  sync_status: string;
  'bootstrap-address': string;
  'last-audit-at': string | null;
  'audit-fail-count': number;
}

export interface SubcloudGroup {
  id: number;
  name: string;
  description: string;
  update_apply_type: string;
  max_parallel_subclouds: number;
  'created-at': string;
  'updated-at': string | null;
}

export interface AlarmSummaryRow {
  region_name: string;
  uuid: string;
  critical_alarms: number;
  major_alarms: number;
  minor_alarms: number;
  warnings: number;
  cloud_status: string;
}

/** `subcloud add`: the bootstrap address and values (StarlingX's), optionally fields given
 *  directly, which win over the values file. */
export const SubcloudCreate = Type.Object(
  {
    'bootstrap-address': Str(2048),
    bootstrap_values: Type.String({ maxLength: 65_536 }),
    sysadmin_password: Type.Optional(Str(1024)),
    group_id: Type.Optional(StrOrNum),
    name: Type.Optional(Str()),
    description: Type.Optional(Str()),
    location: Type.Optional(Str()),
    management_subnet: Type.Optional(Str(64)),
    management_start_ip: Type.Optional(Str(64)),
    management_end_ip: Type.Optional(Str(64)),
    management_gateway_ip: Type.Optional(Str(64)),
    systemcontroller_gateway_ip: Type.Optional(Str(64)),
  },
  { additionalProperties: false },
);
export type SubcloudCreate = Static<typeof SubcloudCreate>;

/** `subcloud update | manage | unmanage` (PATCH): the fields StarlingX's update takes. */
export const SubcloudUpdate = Type.Object(
  {
    'management-state': Type.Optional(Type.Union([Type.Literal('managed'), Type.Literal('unmanaged')])),
    description: Type.Optional(Str()),
    location: Type.Optional(Str()),
    group_id: Type.Optional(StrOrNum),
    bootstrap_address: Type.Optional(Str(2048)),
    bootstrap_values: Type.Optional(Type.String({ maxLength: 65_536 })),
    force: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type SubcloudUpdate = Static<typeof SubcloudUpdate>;

/** `GET /v1.0/subclouds` paging (OpenStack's limit and marker: the id or name of the previous
 *  page's last subcloud); neither = every subcloud, as StarlingX answers. */
export const SubcloudListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    marker: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  },
  { additionalProperties: false },
);
export type SubcloudListQuery = Static<typeof SubcloudListQuery>;

export const SubcloudParams = Type.Object({ subcloud_ref: Type.String({ minLength: 1, maxLength: 255 }) });

export const GroupCreate = Type.Object(
  {
    name: Type.String({ maxLength: 1024 }),
    description: Type.Optional(Type.String({ maxLength: 1024 })),
    update_apply_type: Type.Optional(Type.String({ maxLength: 64 })),
    max_parallel_subclouds: Type.Optional(StrOrNum),
  },
  { additionalProperties: false },
);
export type GroupCreate = Static<typeof GroupCreate>;

export const GroupUpdate = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 1024 })),
    description: Type.Optional(Type.String({ maxLength: 1024 })),
    update_apply_type: Type.Optional(Type.String({ maxLength: 64 })),
    max_parallel_subclouds: Type.Optional(StrOrNum),
  },
  { additionalProperties: false },
);
export type GroupUpdate = Static<typeof GroupUpdate>;

export const GroupParams = Type.Object({ group_ref: Type.String({ minLength: 1, maxLength: 255 }) });
