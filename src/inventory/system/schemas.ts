// Shapes of sysinv's isystem resource (StarlingX field names).

import { Type, type Static } from 'typebox';

const Nullable = <T extends import('typebox').TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const ISystem = Type.Object({
  uuid: Type.String(),
  name: Type.String(),
  system_type: Type.String(),
  system_mode: Type.String(),
  description: Type.String(),
  location: Type.String(),
  contact: Type.String(),
  software_version: Type.String(),
  timezone: Type.String(),
  region_name: Type.String(),
  distributed_cloud_role: Nullable(Type.String()),
  capabilities: Type.Record(Type.String(), Type.Unknown()),
  created_at: Type.String(),
  updated_at: Nullable(Type.String()),
});
export type ISystem = Static<typeof ISystem>;

/** The fields `system modify` changes (each already checked). */
export type SystemChange = Partial<Pick<ISystem, 'name' | 'description' | 'location' | 'contact' | 'timezone'>> & {
  system_mode?: SystemMode;
};
export const SYSTEM_MODES = ['simplex', 'duplex', 'duplex-direct'] as const;
export type SystemMode = (typeof SYSTEM_MODES)[number];

export const ISystemList = Type.Object({ isystems: Type.Array(ISystem) });
export const SystemParams = Type.Object({ system_id: Type.String({ minLength: 1, maxLength: 64 }) });

/** sysinv's idns (DNS name servers, comma-separated) and intp (NTP servers). */
export const IDns = Type.Object({
  uuid: Type.String(),
  nameservers: Type.String(),
  isystem_uuid: Nullable(Type.String()),
  action: Type.Null(),
  created_at: Type.String(),
  updated_at: Nullable(Type.String()),
});
export type IDns = Static<typeof IDns>;
export const INtp = Type.Object({
  uuid: Type.String(),
  ntpservers: Type.String(),
  isystem_uuid: Nullable(Type.String()),
  action: Type.Null(),
  created_at: Type.String(),
  updated_at: Nullable(Type.String()),
});
export type INtp = Static<typeof INtp>;
export const IDnsList = Type.Object({ idnss: Type.Array(IDns) });
export const INtpList = Type.Object({ intps: Type.Array(INtp) });
export const UuidParams = Type.Object({ uuid: Type.String({ minLength: 1, maxLength: 64 }) });

/** The platform settings a system controller pushes to a subcloud (`PUT /v1.0/platform`). */
export const PlatformSettingsBody = Type.Object(
  {
    platform: Type.Object(
      { nameservers: Type.String({ maxLength: 1024 }), ntpservers: Type.String({ maxLength: 1024 }) },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
