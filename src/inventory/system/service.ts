// Inventory use-cases. So far: the system record, created at first start as an AIO-SX
// (All-in-one, simplex) system; hosts, CPUs, memory, ports and the rest arrive with issue 3.

import type { Clock } from '../../common/clock.ts';
import { StarlingError } from '../../common/errors.ts';
import { newUuid } from '../../common/ids.ts';
import { SOFTWARE_VERSION } from '../../common/version.ts';
import type { Db } from '../../db/index.ts';
import { patchFields, stringField, type JsonPatch } from '../../api/json-patch.ts';
import { getSystem, insertSystem, setDistributedCloudRole, updateSystem } from './repo.ts';
import type { ISystem } from './schemas.ts';


const TIMEZONE: import('../../api/json-patch.ts').FieldCheck = (v) =>
  typeof v === 'string' && /^[A-Za-z0-9_+\-/]{1,64}$/.test(v) ? undefined : 'must be a time zone name like UTC or America/Toronto';

export const SYSTEM_PATCHABLE = {
  name: stringField(255, 1),
  description: stringField(255),
  location: stringField(255),
  contact: stringField(255),
  timezone: TIMEZONE,
  system_mode: ((v) => (v === 'simplex' || v === 'duplex' || v === 'duplex-direct' ? undefined : 'must be simplex, duplex or duplex-direct')) as import('../../api/json-patch.ts').FieldCheck,
};

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

  async modifySystem(uuid: string, ops: JsonPatch): Promise<ISystem> {
    const patch = patchFields(ops, SYSTEM_PATCHABLE);
    return this.db.tx(async (q) => {
      const current = await getSystem(q);
      // StarlingX converts an AIO-SX to duplex (adding a second controller), never back.
      if (patch.system_mode !== undefined && current && patch.system_mode !== current.system_mode && current.system_mode !== 'simplex') {
        throw new StarlingError('VALIDATION_FAILED', `system_mode cannot change from ${current.system_mode} to ${patch.system_mode as string}: only simplex converts to duplex`, {
          field: '/system_mode',
        });
      }
      const s = await updateSystem(q, uuid, patch, this.clock.now());
      if (!s) throw new StarlingError('NOT_FOUND', `no system with uuid ${uuid}`, { field: 'system_id' });
      return s;
    });
  }
}
