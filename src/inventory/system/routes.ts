// sysinv's /v1/isystems.

import type { App } from '../../api/server.ts';
import { JsonPatch, patchFields, stringField, type FieldCheck } from '../../api/json-patch.ts';
import { StarlingError } from '../../common/errors.ts';
import { ISystem, ISystemList, SYSTEM_MODES, SystemParams, type SystemChange } from './schemas.ts';
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
