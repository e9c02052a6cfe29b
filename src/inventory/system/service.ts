// The system record's use-cases: created at first start as an AIO-SX (All-in-one, simplex)
// system, then changed field by field (system modify).

import type { Clock } from '../../common/clock.ts';
import { StarlingError } from '../../common/errors.ts';
import { newUuid } from '../../common/ids.ts';
import { SOFTWARE_VERSION } from '../../common/version.ts';
import type { Db } from '../../db/index.ts';
import { getSystem, insertSystem, setDistributedCloudRole, updateSystem } from './repo.ts';
import type { ISystem, SystemChange } from './schemas.ts';

export class InventoryService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** @param role the distributed cloud role, set on the first start (and on a site that had none). */
  async bootstrapSystem(region: string, role?: string): Promise<ISystem> {
    await insertSystem(this.db, {
      uuid: newUuid(),
      name: 'starling',
      system_type: 'All-in-one',
      system_mode: 'simplex',
      software_version: SOFTWARE_VERSION,
      region_name: region,
    });
    if (role !== undefined) await setDistributedCloudRole(this.db, role);
    return this.getSystem();
  }

  async getSystem(): Promise<ISystem> {
    const s = await getSystem(this.db);
    if (!s) throw new StarlingError('SERVICE_UNAVAILABLE', 'the system record does not exist yet');
    return s;
  }

  async modifySystem(uuid: string, patch: SystemChange): Promise<ISystem> {
    return this.db.tx(async (q) => {
      const current = await getSystem(q);
      // StarlingX converts an AIO-SX to duplex (adding a second controller), never back.
      if (patch.system_mode !== undefined && current && patch.system_mode !== current.system_mode && current.system_mode !== 'simplex') {
        throw new StarlingError('VALIDATION_FAILED', `system_mode cannot change from ${current.system_mode} to ${patch.system_mode}: only simplex converts to duplex`, {
          field: '/system_mode',
        });
      }
      const s = await updateSystem(q, uuid, patch, this.clock.now());
      if (!s) throw new StarlingError('NOT_FOUND', `no system with uuid ${uuid}`, { field: 'system_id' });
      return s;
    });
  }
}
