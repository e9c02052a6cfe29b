// The system record's use-cases: created at first start as an AIO-SX (All-in-one, simplex)
// system, then changed field by field (system modify).

import type { Clock } from '../../common/clock.ts';
import { StarlingError } from '../../common/errors.ts';
import { newUuid } from '../../common/ids.ts';
import { SOFTWARE_VERSION } from '../../common/version.ts';
import type { Db } from '../../db/index.ts';
import { getServers, getSystem, insertSystem, setDistributedCloudRole, setServers, updateSystem, type ServersRecord } from './repo.ts';
import type { IDns, INtp, ISystem, SystemChange } from './schemas.ts';
import { checkNameservers, checkNtpservers, ntpNeedsDns, type PlatformSettings, type ServersCheck } from './domain/dns-ntp.ts';

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

  // --- DNS and NTP servers (sysinv's idns and intp) -----------------------------------------------

  async getDns(): Promise<IDns> {
    return dnsApi(await getServers(this.db, 'dns'));
  }

  async getNtp(): Promise<INtp> {
    return ntpApi(await getServers(this.db, 'ntp'));
  }

  /** dns-modify: the name servers replaced (an NTP server given by name keeps at least one). */
  async modifyDns(uuid: string, nameservers: unknown): Promise<IDns> {
    const value = checked(checkNameservers(nameservers), '/nameservers');
    return this.db.tx(async (q) => {
      const dns = await getServers(q, 'dns', true);
      if (dns.uuid !== uuid) throw new StarlingError('NOT_FOUND', `no DNS configuration with uuid ${uuid}`, { field: 'uuid' });
      const problem = ntpNeedsDns(value, (await getServers(q, 'ntp', true)).value);
      if (problem !== undefined) throw new StarlingError('VALIDATION_FAILED', problem, { field: '/nameservers' });
      await setServers(q, 'dns', value, this.clock.now());
      return dnsApi(await getServers(q, 'dns'));
    });
  }

  /** ntp-modify: the NTP servers replaced (by name only with a DNS server to resolve them). */
  async modifyNtp(uuid: string, ntpservers: unknown): Promise<INtp> {
    const value = checked(checkNtpservers(ntpservers), '/ntpservers');
    return this.db.tx(async (q) => {
      const ntp = await getServers(q, 'ntp', true);
      if (ntp.uuid !== uuid) throw new StarlingError('NOT_FOUND', `no NTP configuration with uuid ${uuid}`, { field: 'uuid' });
      const problem = ntpNeedsDns((await getServers(q, 'dns', true)).value, value);
      if (problem !== undefined) throw new StarlingError('VALIDATION_FAILED', problem, { field: '/ntpservers' });
      await setServers(q, 'ntp', value, this.clock.now());
      return ntpApi(await getServers(q, 'ntp'));
    });
  }

  /** The settings a system controller shares with its subclouds. */
  async platformSettings(): Promise<PlatformSettings> {
    const [dns, ntp] = await Promise.all([getServers(this.db, 'dns'), getServers(this.db, 'ntp')]);
    return { nameservers: dns.value, ntpservers: ntp.value };
  }

  /** A system controller's settings applied here, both lists in one transaction; true when anything changed. */
  async applyPlatformSettings(s: PlatformSettings): Promise<boolean> {
    const nameservers = checked(checkNameservers(s.nameservers), '/platform/nameservers');
    const ntpservers = checked(checkNtpservers(s.ntpservers), '/platform/ntpservers');
    const problem = ntpNeedsDns(nameservers, ntpservers);
    if (problem !== undefined) throw new StarlingError('VALIDATION_FAILED', problem, { field: '/platform/ntpservers' });
    return this.db.tx(async (q) => {
      const at = this.clock.now();
      const dns = await setServers(q, 'dns', nameservers, at);
      const ntp = await setServers(q, 'ntp', ntpservers, at);
      return dns || ntp;
    });
  }
}

function checked(c: ServersCheck, field: string): string {
  if (!c.ok) throw new StarlingError('VALIDATION_FAILED', `${field.slice(1)}: ${c.problem}`, { field });
  return c.value;
}

const dnsApi = (r: ServersRecord): IDns => ({
  uuid: r.uuid,
  nameservers: r.value,
  isystem_uuid: r.isystem_uuid,
  action: null,
  created_at: r.created_at,
  updated_at: r.updated_at,
});
const ntpApi = (r: ServersRecord): INtp => ({
  uuid: r.uuid,
  ntpservers: r.value,
  isystem_uuid: r.isystem_uuid,
  action: null,
  created_at: r.created_at,
  updated_at: r.updated_at,
});
