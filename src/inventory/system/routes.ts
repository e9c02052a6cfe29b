// sysinv's /v1/isystems, /v1/idns and /v1/intp; and the platform settings a system controller
// reads and sets on its subclouds (`/v1.0/platform`).

import type { App } from '../../api/server.ts';
import { JsonPatch, patchFields, stringField, type FieldCheck } from '../../api/json-patch.ts';
import { StarlingError } from '../../common/errors.ts';
import {
  IDns,
  IDnsList,
  INtp,
  INtpList,
  ISystem,
  ISystemList,
  PlatformSettingsBody,
  SYSTEM_MODES,
  SystemParams,
  UuidParams,
  type SystemChange,
} from './schemas.ts';
import { checkNameservers, checkNtpservers, type ServersCheck } from './domain/dns-ntp.ts';
import type { InventoryService } from './service.ts';

const TIMEZONE: FieldCheck = (v) =>
  typeof v === 'string' && /^[A-Za-z0-9_+\-/]{1,64}$/.test(v) ? undefined : 'must be a time zone name like UTC or America/Toronto';

/** The fields PATCH /v1/isystems may replace, each with its check. */
const SYSTEM_PATCHABLE: Record<keyof SystemChange, FieldCheck> = {
  name: stringField(255, 1),
  description: stringField(255),
  location: stringField(255),
  contact: stringField(255),
  timezone: TIMEZONE,
  system_mode: (v) => ((SYSTEM_MODES as readonly unknown[]).includes(v) ? undefined : 'must be simplex, duplex or duplex-direct'),
};

export function inventoryRoutes(app: App, inventory: InventoryService): void {
  app.get('/v1/isystems', { schema: { response: { 200: ISystemList } } }, async () => ({
    isystems: [await inventory.getSystem()],
  }));

  app.get('/v1/isystems/:system_id', { schema: { params: SystemParams, response: { 200: ISystem } } }, async (req) => {
    const s = await inventory.getSystem();
    if (s.uuid !== req.params.system_id) {
      throw new StarlingError('NOT_FOUND', `no system with uuid ${req.params.system_id}`, { field: 'system_id' });
    }
    return s;
  });

  app.patch(
    '/v1/isystems/:system_id',
    { schema: { params: SystemParams, body: JsonPatch, response: { 200: ISystem } } },
    async (req) => inventory.modifySystem(req.params.system_id, patchFields(req.body, SYSTEM_PATCHABLE) as SystemChange),
  );
}

const problemOf = (c: ServersCheck): string | undefined => (c.ok ? undefined : c.problem);
/** StarlingX's client adds `action=apply` (or install) to each change: accepted, nothing else to do
 *  here (the settings take effect from the database). */
const ACTION = stringField(32);

/** sysinv's DNS and NTP resources: one of each per site, changed with a JSON-patch list. */
export function dnsNtpRoutes(app: App, inventory: InventoryService): void {
  app.get('/v1/idns', { schema: { response: { 200: IDnsList } } }, async () => ({ idnss: [await inventory.getDns()] }));
  app.get('/v1/idns/:uuid', { schema: { params: UuidParams, response: { 200: IDns } } }, async (req) => {
    const d = await inventory.getDns();
    if (d.uuid !== req.params.uuid) throw new StarlingError('NOT_FOUND', `no DNS configuration with uuid ${req.params.uuid}`, { field: 'uuid' });
    return d;
  });
  app.patch('/v1/idns/:uuid', { schema: { params: UuidParams, body: JsonPatch, response: { 200: IDns } } }, async (req) => {
    const f = patchFields(req.body, { nameservers: (v) => problemOf(checkNameservers(v)), action: ACTION });
    return inventory.modifyDns(req.params.uuid, f.nameservers ?? (await inventory.getDns()).nameservers);
  });

  app.get('/v1/intp', { schema: { response: { 200: INtpList } } }, async () => ({ intps: [await inventory.getNtp()] }));
  app.get('/v1/intp/:uuid', { schema: { params: UuidParams, response: { 200: INtp } } }, async (req) => {
    const n = await inventory.getNtp();
    if (n.uuid !== req.params.uuid) throw new StarlingError('NOT_FOUND', `no NTP configuration with uuid ${req.params.uuid}`, { field: 'uuid' });
    return n;
  });
  app.patch('/v1/intp/:uuid', { schema: { params: UuidParams, body: JsonPatch, response: { 200: INtp } } }, async (req) => {
    const f = patchFields(req.body, { ntpservers: (v) => problemOf(checkNtpservers(v)), action: ACTION });
    return inventory.modifyNtp(req.params.uuid, f.ntpservers ?? (await inventory.getNtp()).ntpservers);
  });
}

/** The subcloud end of platform sync: `GET /v1.0/platform` → `{platform: {nameservers, ntpservers}}`;
 *  `PUT` makes this site's equal to the body's (admin only, like every change). */
export function platformSyncRoutes(app: App, inventory: InventoryService): void {
  app.get('/v1.0/platform', { config: { access: 'admin' } }, async () => ({ platform: await inventory.platformSettings() }));
  app.put('/v1.0/platform', { schema: { body: PlatformSettingsBody } }, async (req) => {
    const changed = await inventory.applyPlatformSettings(req.body.platform);
    return { platform: await inventory.platformSettings(), changed };
  });
}
