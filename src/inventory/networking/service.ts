// Node configuration use-cases (sysinv): address pools, networks, host interfaces. Each change is
// one transaction; interface changes lock the host's row, so two operators' changes to one host's
// interfaces are checked one after the other.

import type { Clock } from '../../common/clock.ts';
import { StarlingError } from '../../common/errors.ts';
import { newUuid } from '../../common/ids.ts';
import type { Db, Queryable } from '../../db/index.ts';
import { requireHost, type HostRow } from '../hosts/repo.ts';
import { checkNewNetwork, checkNewPool } from './domain/networks.ts';
import { allocateAddress, poolHolds } from './domain/addresses.ts';
import {
  checkInterfaceDelete,
  interfaceView,
  planInterfaceChange,
  planNewInterface,
  type HostNetworking,
} from './domain/interfaces.ts';
import {
  deleteInterface,
  deleteNetwork,
  deletePool,
  findNetwork,
  findPool,
  insertNetwork,
  insertPool,
  deleteAddresses,
  findAddress,
  insertAddress,
  listHostAddresses,
  moveAddress,
  setMgmtIp,
  takenAddresses,
  wantedAddresses,
  type AddressRow,
  updatePool,
  interfaceHost,
  interfacePorts,
  listNetworks,
  listPools,
  loadHostNetworking,
  networkAssignments,
  saveInterface,
  setInterfaceMtu,
  type NetworkRow,
  type PoolRow,
} from './repo.ts';

/** The fields addrpool-modify changes (sysinv's address pool PATCH). */
export const POOL_FIELDS = [
  'name',
  'network',
  'prefix',
  'order',
  'ranges',
  'floating_address',
  'controller0_address',
  'controller1_address',
  'gateway_address',
] as const;
/** addrpool-modify's changes: field → raw value (null clears an optional address). */
export type PoolChange = Partial<Record<(typeof POOL_FIELDS)[number], unknown>>;

export type InterfaceRecord = Record<string, unknown> & { uuid: string; ifname: string; ihost_uuid: string };

export class InterfaceService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  // --- address pools --------------------------------------------------------------------------------

  async listPools(): Promise<PoolRow[]> {
    return listPools(this.db);
  }

  async getPool(ref: string, q: Queryable = this.db): Promise<PoolRow> {
    const p = await findPool(q, ref);
    if (!p) throw new StarlingError('NOT_FOUND', `no address pool ${ref}`, { field: 'address_pool_uuid' });
    return p;
  }

  /** addrpool-add. Pools are checked against each other under one lock, so two overlapping pools
   *  added at once cannot both pass. */
  async addPool(input: Record<string, unknown>): Promise<PoolRow> {
    return this.db.tx(async (q) => {
      await q.query("SELECT pg_advisory_xact_lock(hashtext('starling.inventory.addrpools'))");
      const pool = checkNewPool(input, await listPools(q));
      const uuid = newUuid();
      await insertPool(q, uuid, pool);
      return this.getPool(uuid, q);
    });
  }

  /**
   * addrpool-modify: the pool's fields to change (raw values; null clears an optional address).
   * The changed pool is checked whole, as at addrpool-add (against the other pools, under the same
   * lock); its subnet cannot change while a network uses it.
   */
  async modifyPool(ref: string, changes: PoolChange): Promise<PoolRow> {
    return this.db.tx(async (q) => {
      await q.query("SELECT pg_advisory_xact_lock(hashtext('starling.inventory.addrpools'))");
      const p = await this.getPool(ref, q);
      const all = await listPools(q);
      const next = checkNewPool(
        { ...p, ...changes },
        all.filter((o) => o.uuid !== p.uuid),
      );
      if (next.network !== p.network || next.prefix !== p.prefix) {
        const user = (await listNetworks(q)).find((n) => n.pool_uuid === p.uuid);
        if (user)
          throw new StarlingError(
            'CONFLICT',
            `address pool ${p.name} is used by network ${user.name}: its subnet cannot change`,
            { field: 'network' in changes ? 'network' : 'prefix' },
          );
      }
      const outside = [...(await takenAddresses(q, p.uuid))].filter((a) => !poolHolds(next, a));
      if (outside.length > 0)
        throw new StarlingError(
          'CONFLICT',
          `address pool ${p.name} has given ${outside.join(', ')} to hosts: the ranges must keep ${outside.length > 1 ? 'them' : 'it'}`,
          { field: 'ranges' },
        );
      await updatePool(q, p.uuid, next, this.clock.now());
      return this.getPool(p.uuid, q);
    });
  }

  /** addrpool-delete: refused while a network uses the pool. */
  async deletePool(ref: string): Promise<void> {
    await this.db.tx(async (q) => {
      const p = await this.getPool(ref, q);
      const user = (await listNetworks(q)).find((n) => n.pool_uuid === p.uuid);
      if (user)
        throw new StarlingError(
          'CONFLICT',
          `address pool ${p.name} is used by network ${user.name}: delete the network first`,
          { field: 'address_pool_uuid' },
        );
      await deletePool(q, p.uuid);
    });
  }

  // --- networks -------------------------------------------------------------------------------------

  async listNetworks(): Promise<NetworkRow[]> {
    return listNetworks(this.db);
  }

  async getNetwork(ref: string, q: Queryable = this.db): Promise<NetworkRow> {
    const n = await findNetwork(q, ref);
    if (!n) throw new StarlingError('NOT_FOUND', `no network ${ref}`, { field: 'network_uuid' });
    return n;
  }

  /** network-add: one network per platform type, each with its own address pool. */
  async addNetwork(input: Record<string, unknown>): Promise<NetworkRow> {
    return this.db.tx(async (q) => {
      await q.query("SELECT pg_advisory_xact_lock(hashtext('starling.inventory.addrpools'))");
      const poolRef =
        typeof input.pool_uuid === 'string' && input.pool_uuid !== '' ? input.pool_uuid : undefined;
      const pool = poolRef === undefined ? undefined : await findPool(q, poolRef);
      const n = checkNewNetwork(input, {
        networks: await listNetworks(q),
        ...(pool ? { pool: { uuid: pool.uuid, name: pool.name } } : {}),
      });
      const uuid = newUuid();
      await insertNetwork(q, uuid, n);
      return this.getNetwork(uuid, q);
    });
  }

  /** network-delete: refused while an interface carries the network. */
  async deleteNetwork(ref: string): Promise<void> {
    await this.db.tx(async (q) => {
      await q.query("SELECT pg_advisory_xact_lock(hashtext('starling.inventory.addrpools'))");
      const n = await this.getNetwork(ref, q);
      const on = await networkAssignments(q, n.uuid);
      if (on.length > 0) {
        throw new StarlingError(
          'CONFLICT',
          `network ${n.name} is assigned to ${on.map((a) => `${a.hostname ?? '?'}:${a.ifname}`).join(', ')}: remove it from those interfaces first`,
          {
            field: 'network_uuid',
          },
        );
      }
      await deleteNetwork(q, n.uuid);
    });
  }

  // --- interfaces -----------------------------------------------------------------------------------

  /** Interfaces change only on a locked host (StarlingX: "Host must be locked"). */
  private requireLocked(h: HostRow, field: string): void {
    if (h.administrative !== 'locked') {
      throw new StarlingError(
        'HOST_NOT_LOCKED',
        `${h.hostname ?? h.uuid} must be locked before its interfaces change`,
        { field },
      );
    }
  }

  private async hostOfInterface(q: Queryable, uuid: string, lock = false): Promise<HostRow> {
    const hostUuid = await interfaceHost(q, uuid);
    if (hostUuid === undefined)
      throw new StarlingError('NOT_FOUND', `no interface ${uuid}`, { field: 'interface_uuid' });
    return requireHost(q, hostUuid, 'interface_uuid', lock);
  }

  private view(
    h: HostRow,
    site: Awaited<ReturnType<typeof loadHostNetworking>>,
    uuid: string,
  ): InterfaceRecord {
    const i = site.interfaces.find((x) => x.uuid === uuid)!;
    const s = site.stamps.get(uuid)!;
    return {
      ...interfaceView(i, site),
      uuid: i.uuid,
      ifname: i.ifname,
      id: s.id,
      ihost_uuid: h.uuid,
      created_at: s.created_at,
      updated_at: s.updated_at,
    };
  }

  async listInterfaces(hostRef: string): Promise<InterfaceRecord[]> {
    const h = await requireHost(this.db, hostRef, 'host_id');
    const site = await loadHostNetworking(this.db, h);
    return site.interfaces.map((i) => this.view(h, site, i.uuid));
  }

  async getInterface(uuid: string, q: Queryable = this.db): Promise<InterfaceRecord> {
    const h = await this.hostOfInterface(q, uuid);
    return this.view(h, await loadHostNetworking(q, h), uuid);
  }

  /** host-if-add. */
  async addInterface(input: Record<string, unknown>): Promise<InterfaceRecord> {
    if (typeof input.ihost_uuid !== 'string')
      throw new StarlingError('VALIDATION_FAILED', 'ihost_uuid is required', { field: 'ihost_uuid' });
    const hostRef = input.ihost_uuid;
    return this.db.tx(async (q) => {
      const h = await requireHost(q, hostRef, 'ihost_uuid', true);
      this.requireLocked(h, 'ihost_uuid');
      const site = await loadHostNetworking(q, h);
      const plan = planNewInterface(input, site, newUuid());
      await this.apply(q, h, plan, true);
      return this.getInterface(plan.iface.uuid, q);
    });
  }

  /** host-if-modify: the interface's fields to change (field → raw value, checked by
   *  planInterfaceChange). */
  async modifyInterface(uuid: string, changes: Readonly<Record<string, unknown>>): Promise<InterfaceRecord> {
    return this.db.tx(async (q) => {
      const h = await this.hostOfInterface(q, uuid, true);
      this.requireLocked(h, 'ihost_uuid');
      const site = await loadHostNetworking(q, h);
      const current = site.interfaces.find((i) => i.uuid === uuid)!;
      await this.apply(q, h, planInterfaceChange(current, changes, site), false);
      return this.getInterface(uuid, q);
    });
  }

  private async apply(
    q: Queryable,
    h: HostRow,
    plan: ReturnType<typeof planNewInterface>,
    isNew: boolean,
  ): Promise<void> {
    const at = this.clock.now();
    await saveInterface(q, h.uuid, plan.iface, at, isNew);
    await setInterfaceMtu(q, plan.mtu, at);
    await this.syncAddresses(q, h);
  }

  /**
   * Gives the host an address from the pool of each dynamic network its platform interfaces carry
   * (kept while the network stays with the host, moved with it to another interface), releases
   * those of networks it no longer carries, and keeps ihosts.mgmt_ip on its mgmt address.
   */
  private async syncAddresses(q: Queryable, h: HostRow): Promise<void> {
    const at = this.clock.now();
    const wanted = await wantedAddresses(q, h.uuid);
    const held = await listHostAddresses(q, h.uuid);
    await deleteAddresses(
      q,
      held.filter((a) => !wanted.some((w) => w.network_uuid === a.network_uuid)).map((a) => a.uuid),
    );
    for (const w of wanted) {
      const mine = held.find((a) => a.network_uuid === w.network_uuid);
      if (mine) {
        if (mine.interface_uuid !== w.interface_uuid) await moveAddress(q, mine.uuid, w.interface_uuid, at);
        continue;
      }
      // One allocation at a time per site: two hosts never pick the same free address.
      await q.query("SELECT pg_advisory_xact_lock(hashtext('starling.inventory.addrpools'))");
      const pool = (await findPool(q, w.pool_uuid))!;
      const address = allocateAddress(pool, h.hostname, await takenAddresses(q, pool.uuid));
      await insertAddress(q, {
        uuid: newUuid(),
        host_uuid: h.uuid,
        interface_uuid: w.interface_uuid,
        network_uuid: w.network_uuid,
        pool_uuid: pool.uuid,
        address,
        prefix: pool.prefix,
        name: `${h.hostname ?? h.uuid}-${w.networktype}`,
      });
    }
    // mgmt_ip follows the mgmt address; one set by hand (host-add) stays until there is one.
    const mgmt = (await listHostAddresses(q, h.uuid)).find((a) => a.networktype === 'mgmt');
    if (mgmt) await setMgmtIp(q, h.uuid, mgmt.address);
    else if (held.some((a) => a.networktype === 'mgmt')) await setMgmtIp(q, h.uuid, null);
  }

  /** host-addr-list. */
  async listAddresses(hostRef: string): Promise<AddressRow[]> {
    const h = await requireHost(this.db, hostRef, 'host_id');
    return listHostAddresses(this.db, h.uuid);
  }

  async getAddress(uuid: string): Promise<AddressRow> {
    const a = await findAddress(this.db, uuid);
    if (!a) throw new StarlingError('NOT_FOUND', `no address ${uuid}`, { field: 'address_uuid' });
    return a;
  }

  /** host-if-delete. */
  async deleteInterface(uuid: string): Promise<void> {
    await this.db.tx(async (q) => {
      const h = await this.hostOfInterface(q, uuid, true);
      this.requireLocked(h, 'ihost_uuid');
      const site: HostNetworking = await loadHostNetworking(q, h);
      checkInterfaceDelete(
        site.interfaces.find((i) => i.uuid === uuid)!,
        site,
      );
      await deleteInterface(q, uuid);
      await this.syncAddresses(q, h);
    });
  }

  async interfacePorts(uuid: string): Promise<Record<string, unknown>[]> {
    await this.hostOfInterface(this.db, uuid);
    return interfacePorts(this.db, uuid);
  }
}
