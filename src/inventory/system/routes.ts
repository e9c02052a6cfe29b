// sysinv's /v1/isystems.

import type { App } from '../../api/server.ts';
import { JsonPatch } from '../../api/json-patch.ts';
import { StarlingError } from '../../common/errors.ts';
import { ISystem, ISystemList, SystemParams } from './schemas.ts';
import type { InventoryService } from './service.ts';

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
    async (req) => inventory.modifySystem(req.params.system_id, req.body),
  );
}
