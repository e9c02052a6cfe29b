// Host use-cases (sysinv): add, update, delete, list, bulk add/export, auto-discovery by agents
// with their inventory, labels. Actions (lock, unlock…) are decided here by the state rules and
// carried out by maintenance.

import { isIP } from 'node:net';
import type { Clock } from '../../common/clock.ts';
import { StarlingError } from '../../common/errors.ts';
import { newUuid } from '../../common/ids.ts';
import type { Logger } from '../../common/log.ts';
import type { Sealer } from '../../common/sealed.ts';
import type { Db, Queryable } from '../../db/index.ts';
import type { AlarmPort } from '../../fault/index.ts';
import { renderBulkXml } from './domain/bulk-xml.ts';
import { parseBulkXmlInWorker } from './bulk-xml-parse.ts';
import {
  checkBmc,
  checkHostInput,
  checkNewHost,
  defaultSubfunctions,
  type HostInput,
  type HostValues,
} from './domain/host.ts';
import { decide, updatableFields, type HostAction } from './domain/host-state.ts';
import { assignCpuFunctions, defaultAioPlatform, type CpuRequest, type LogicalCpu } from './domain/cpu-assign.ts';
import {
  INVENTORY_TABLES,
  countUnlockedEnabledControllers,
  deleteHost,
  deleteLabel,
  findHost,
  findHostByMac,
  insertHosts,
  listHosts,
  listInventory,
  listLabels,
  replaceDisks,
  replaceInventory,
  updateHost,
  upsertLabel,
  type HostRow,
  type InventoryRows,
  type InventoryTable,
  type LabelRow,
  type NewHostRow,
} from './repo.ts';
import { getSystem } from '../system/repo.ts';
import { findInventoryRow, findLabel, findMemory, findNode, listNodes, updateMemory } from './repo.ts';
import { ensurePortInterfaces } from '../networking/repo.ts';
import {
  memoryView,
  planMemoryChange,
  type MemoryNode,
  type MemoryRequest,
} from './domain/memory.ts';

export interface Registration {
  mgmt_mac: string;
  hostname?: string;
  /** The first controller of a new site (the agent `starling up` starts): becomes controller-0. */
  bootstrap_controller?: boolean;
  heartbeat?: HeartbeatEndpoint[];
  inventory: Partial<InventoryRows>;
}

export interface HeartbeatEndpoint {
  network: 'mgmt' | 'cluster-host' | 'oam';
  address: string;
  port: number;
}

/** What inventory needs of maintenance, as a port (maintenance builds on inventory, not the reverse):
 *  carrying out an action decided here, and storing where a host answers heartbeat. Both run in
 *  the caller's transaction. */
export interface MaintenancePort {
  /** `action`: any but delete (inventory's own) and swact/force-swact (they need HA). */
  startAction(
    q: Queryable,
    hostUuid: string,
    action: Exclude<HostAction, 'delete' | 'swact' | 'force-swact'>,
    task: string | null,
  ): Promise<void>;
  saveHeartbeatEndpoints(q: Queryable, hostUuid: string, endpoints: HeartbeatEndpoint[]): Promise<void>;
  /** After a commit that changed hosts (registered, updated, deleted): maintenance looks again. */
  hostsChanged?(hostUuids: string[]): void;
}

const LABEL_KEY = /^[A-Za-z0-9]([A-Za-z0-9._/-]{0,251}[A-Za-z0-9])?$/;

/** What an agent reports is checked like any input: each table's key present, numbers numbers,
 *  MACs Ethernet MACs; a bad row is named (`/inventory/ethernet_ports/2/mac`) and nothing is stored. */
function checkInventory(inv: Partial<InventoryRows>): void {
  const bad = (pointer: string, problem: string): never => {
    throw new StarlingError('VALIDATION_FAILED', `${pointer} ${problem}`, { field: pointer });
  };
  const ints: Record<string, string[]> = {
    icpus: ['cpu', 'core', 'thread', 'numa_node'],
    imemorys: [
      'numa_node',
      'memtotal_mib',
      'memavail_mib',
      'vm_hugepages_nr_2M',
      'vm_hugepages_avail_2M',
      'vm_hugepages_nr_1G',
      'vm_hugepages_avail_1G',
    ],
    idisks: ['size_mib'],
  };
  for (const table of Object.keys(INVENTORY_TABLES) as InventoryTable[]) {
    const key = INVENTORY_TABLES[table].key[0];
    const seen = new Set<unknown>();
    (inv[table] ?? []).forEach((row, i) => {
      const at = `/inventory/${table}/${i}`;
      if (row[key] === undefined || row[key] === null) bad(`${at}/${key}`, 'is required');
      if (seen.has(row[key])) bad(`${at}/${key}`, `repeats ${String(row[key])}`);
      seen.add(row[key]);
      for (const f of ints[table] ?? [])
        if (!Number.isInteger(row[f])) bad(`${at}/${f}`, 'must be an integer');
      if (table === 'idisks') {
        for (const f of ['available_mib', 'last_partition'] as const) {
          const v = row[f];
          if (v !== undefined && v !== null && !(Number.isInteger(v) && (v as number) >= 0))
            bad(`${at}/${f}`, 'must be a whole number of at least 0, or null');
        }
        if (typeof row.available_mib === 'number' && row.available_mib > (row.size_mib as number))
          bad(`${at}/available_mib`, `must not exceed size_mib (${String(row.size_mib)})`);
      }
      if (
        table === 'imemorys' &&
        row.vm_hugepages_use_1G !== undefined &&
        typeof row.vm_hugepages_use_1G !== 'boolean'
      )
        bad(`${at}/vm_hugepages_use_1G`, 'must be true or false');
      if (
        table === 'ethernet_ports' &&
        row.mac !== null &&
        row.mac !== undefined &&
        !(typeof row.mac === 'string' && /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(row.mac))
      ) {
        bad(`${at}/mac`, 'must be an Ethernet MAC address or null');
      }
    });
  }
}

export class HostService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly secrets: Sealer,
    private readonly alarms: AlarmPort,
    private readonly log: Logger,
    private readonly maintenance?: MaintenancePort,
  ) {}

  private async host(q: Queryable, ref: string, lock = false): Promise<HostRow> {
    const h = await findHost(q, ref, lock);
    if (!h) throw new StarlingError('NOT_FOUND', `no host ${ref}`, { field: 'host_id' });
    return h;
  }

  async list(personality?: string): Promise<HostRow[]> {
    return listHosts(this.db, personality === undefined ? {} : { personality });
  }

  async get(ref: string): Promise<HostRow> {
    return this.host(this.db, ref);
  }

  /** The host a reference names, if any (no error: the agent channel answers its own 404). */
  async find(ref: string): Promise<HostRow | undefined> {
    return findHost(this.db, ref);
  }

  private async systemMode(
    q: Queryable,
  ): Promise<{ mode: 'simplex' | 'duplex' | 'duplex-direct'; allInOne: boolean }> {
    const s = await getSystem(q);
    return { mode: (s?.system_mode ?? 'simplex') as 'simplex', allInOne: s?.system_type === 'All-in-one' };
  }

  private toRow(v: HostValues, allInOne: boolean): NewHostRow {
    const { bm_password, location, ...rest } = v;
    return {
      uuid: newUuid(),
      ...rest,
      ...(v.personality !== undefined && v.subfunctions === undefined
        ? { subfunctions: defaultSubfunctions(v.personality, allInOne) }
        : {}),
      ...(v.personality !== undefined ? { invprovision: 'provisioning' } : {}),
      ...(location !== undefined ? { location } : {}),
      ...(bm_password !== undefined ? { bm_password_enc: this.secrets.seal(bm_password) } : {}),
    };
  }

  private refuseOnSimplex(mode: string, what: string): void {
    if (mode === 'simplex') {
      throw new StarlingError(
        'HOST_STATE_CONFLICT',
        `${what} is not possible on a simplex (AIO-SX) system; change the system to duplex first (system modify --system_mode duplex)`,
      );
    }
  }

  async add(input: HostInput): Promise<HostRow> {
    const v = checkHostInput(input);
    checkNewHost(v);
    return this.db.tx(async (q) => {
      const { mode, allInOne } = await this.systemMode(q);
      this.refuseOnSimplex(mode, 'adding a host');
      await this.refuseDuplicates(q, [v]);
      const row = this.toRow(v, allInOne);
      await insertHosts(q, [row]);
      return this.host(q, row.uuid);
    });
  }

  private async refuseDuplicates(
    q: Queryable,
    hosts: HostValues[],
    label = (i: number) => (hosts.length > 1 ? `host ${i + 1}: ` : ''),
  ): Promise<void> {
    const names = hosts.map((h) => h.hostname ?? null);
    const macs = hosts.map((h) => h.mgmt_mac ?? null);
    const taken = await q.query<{ hostname: string | null; mgmt_mac: string | null }>(
      `SELECT hostname, mgmt_mac::text FROM ihosts WHERE hostname = ANY($1) OR mgmt_mac = ANY($2::macaddr[])`,
      [names.filter(Boolean), macs.filter(Boolean)],
    );
    for (const t of taken.rows) {
      const i =
        t.hostname !== null && names.includes(t.hostname)
          ? names.indexOf(t.hostname)
          : macs.indexOf(t.mgmt_mac);
      const field = t.hostname !== null && names.includes(t.hostname) ? 'hostname' : 'mgmt_mac';
      throw new StarlingError(
        'CONFLICT',
        `${label(i)}a host with ${field} ${field === 'hostname' ? t.hostname : t.mgmt_mac} already exists`,
        {
          field,
          ...(hosts.length > 1 ? { details: { host: i + 1 } } : {}),
        },
      );
    }
  }

  /**
   * host-update: the fields asked for (raw values, in the order given), each allowed by the host's
   * state and checked; errors name the field as sysinv's JSON-patch path (`/hostname`).
   */
  async update(ref: string, changes: HostFieldChanges): Promise<HostRow> {
    const updated = await this.db.tx(async (q) => {
      const h = await this.host(q, ref, true);
      const allowed = updatableFields(h);
      const input: Record<string, unknown> = {};
      for (const [field, value] of Object.entries(changes)) {
        const path = `/${field}`;
        if (!allowed.includes(field)) {
          const why =
            ['hostname', 'personality', 'subfunctions'].includes(field) && h.personality !== null
              ? 'is set once, when the host is provisioned'
              : h.administrative === 'unlocked'
                ? 'can be changed only while the host is locked'
                : 'cannot be changed';
          throw new StarlingError(
            h.administrative === 'unlocked' ? 'HOST_NOT_LOCKED' : 'VALIDATION_FAILED',
            `${path} ${why}`,
            { field: path },
          );
        }
        if (typeof value !== 'string' && !(field === 'location' && typeof value === 'object' && value !== null)) {
          throw new StarlingError('VALIDATION_FAILED', `${path} must be a string`, { field: path });
        }
        input[field] = value;
      }
      const v = checkHostInput(input);
      checkBmc({
        bm_type: v.bm_type ?? h.bm_type,
        bm_ip: v.bm_ip ?? h.bm_ip ?? undefined,
        bm_username: v.bm_username ?? h.bm_username ?? undefined,
      });
      if (v.personality !== undefined && (v.hostname ?? h.hostname) === null) {
        throw new StarlingError('VALIDATION_FAILED', 'a hostname is needed with the personality', {
          field: '/hostname',
        });
      }
      await this.refuseDuplicates(q, [
        {
          ...(v.hostname !== undefined && v.hostname !== h.hostname ? { hostname: v.hostname } : {}),
          ...(v.mgmt_mac !== undefined && v.mgmt_mac !== h.mgmt_mac ? { mgmt_mac: v.mgmt_mac } : {}),
        },
      ]);
      const { allInOne } = await this.systemMode(q);
      const { uuid: _uuid, ...row } = this.toRow(v, allInOne);
      await updateHost(q, h.uuid, row, this.clock.now());
      return this.host(q, h.uuid);
    });
    this.maintenance?.hostsChanged?.([updated.uuid]);
    return updated;
  }

  /** An action (lock, unlock, reboot…): decided with the state rules, then handed to
   *  maintenance, in one transaction. */
  async act(ref: string, action: HostAction): Promise<HostRow> {
    if (action === 'delete') {
      const h = await this.host(this.db, ref);
      await this.delete(ref);
      return h;
    }
    const h = await this.db.tx(async (q) => {
      const host = await this.host(q, ref, true);
      const d = decide(action, host, await this.siteFacts(q));
      if (!d.ok) throw new StarlingError(d.code, d.reason, { field: '/action' });
      if (action === 'swact' || action === 'force-swact' || this.maintenance === undefined) {
        throw new StarlingError(
          'NOT_AVAILABLE',
          `${action} is allowed for ${host.hostname ?? host.uuid} but cannot be carried out by this controller`,
          { field: '/action' },
        );
      }
      await this.maintenance.startAction(q, host.uuid, action, d.task);
      return this.host(q, host.uuid);
    });
    if (h.hostname !== null) {
      await this.alarms
        .log({
          event_log_id: '200.021',
          entity_instance_id: `host=${h.hostname}`,
          severity: 'warning',
          reason_text: `${action} of ${h.hostname} requested`,
        })
        .catch((e: unknown) => this.log.warn({ err: e }, 'could not log the host action'));
    }
    return h;
  }

  private async siteFacts(q: Queryable) {
    return {
      system_mode: (await this.systemMode(q)).mode,
      unlocked_enabled_controllers: await countUnlockedEnabledControllers(q),
      ha_available: false,
    };
  }

  /** host-delete: the rules, then the host and its inventory, then its alarms. */
  async delete(ref: string): Promise<void> {
    const h = await this.db.tx(async (q) => {
      const host = await this.host(q, ref, true);
      const d = decide('delete', host, await this.siteFacts(q));
      if (!d.ok) throw new StarlingError(d.code, d.reason, { field: 'host_id' });
      await deleteHost(q, host.uuid);
      return host;
    });
    this.maintenance?.hostsChanged?.([h.uuid]);
    if (h.hostname !== null) {
      await this.alarms
        .clearEntity(`host=${h.hostname}`)
        .catch((e: unknown) =>
          this.log.error({ err: e, host: h.hostname }, 'could not clear the deleted host’s alarms'),
        );
    }
  }

  /** host-bulk-add: every host checked first; all are added in one transaction, or none. */
  async bulkAdd(xml: string): Promise<{ added: HostRow[]; warnings: string[] }> {
    const hosts = await parseBulkXmlInWorker(xml);
    return this.db.tx(async (q) => {
      const { mode, allInOne } = await this.systemMode(q);
      this.refuseOnSimplex(mode, 'bulk-adding hosts');
      // StarlingX: the hosts of a bulk file are installed from an active controller.
      if ((await countUnlockedEnabledControllers(q)) === 0) {
        throw new StarlingError(
          'HOST_STATE_CONFLICT',
          'bulk-adding hosts needs an unlocked-enabled controller: unlock controller-0 first',
        );
      }
      await this.refuseDuplicates(q, hosts, (i) => `host ${i + 1} (${hosts[i]?.hostname ?? '?'}): `);
      const rows = hosts.map(({ power_on: _p, ...v }) => this.toRow(v, allInOne));
      await insertHosts(q, rows);
      const warnings = hosts
        .filter((h) => h.power_on)
        .map(
          (h) =>
            `${h.hostname}: <power_on/> ignored: ${h.bm_type === undefined || h.bm_type === 'none' ? 'no BMC data' : 'powering on arrives with maintenance'}`,
        );
      const added = await listHosts(q);
      const ids = new Set(rows.map((r) => r.uuid));
      return { added: added.filter((h) => ids.has(h.uuid)), warnings };
    });
  }

  async bulkExport(): Promise<string> {
    return renderBulkXml((await listHosts(this.db)).filter((h) => h.hostname !== null));
  }

  /**
   * Auto-discovery: an agent reports its management MAC and inventory. A host the controller does
   * not know becomes a new, unprovisioned host (the operator then sets hostname and personality);
   * a known one gets its inventory refreshed.
   */
  async register(r: Registration, source?: string): Promise<HostRow> {
    const mac = checkHostInput({ mgmt_mac: r.mgmt_mac }).mgmt_mac!;
    checkInventory(r.inventory);
    const endpoints = (r.heartbeat ?? []).map((e, i) => {
      const any = e.address === '0.0.0.0' || e.address === '::';
      const address = any ? (source ?? '').replace(/^::ffff:/, '') : e.address;
      if (isIP(address) === 0)
        throw new StarlingError(
          'VALIDATION_FAILED',
          `/heartbeat/${i}/address '${e.address}' is not an IP address`,
          { field: `/heartbeat/${i}/address` },
        );
      return { ...e, address };
    });
    const hostname = r.hostname === undefined ? undefined : checkHostInput({ hostname: r.hostname }).hostname;
    const registered = await this.db.tx(async (q) => {
      await q.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`starling.inventory.register.${mac}`]);
      let h = await findHostByMac(q, mac);
      let newAio = false;
      if (!h) {
        const { mode, allInOne } = await this.systemMode(q);
        const firstController =
          r.bootstrap_controller === true && (await listHosts(q, { personality: 'controller' })).length === 0;
        if (!firstController && mode === 'simplex' && (await listHosts(q)).length > 0) {
          throw new StarlingError(
            'HOST_STATE_CONFLICT',
            `a simplex system has one host: the agent with MAC ${mac} is not part of it`,
            { field: 'mgmt_mac' },
          );
        }
        const row: NewHostRow = firstController
          ? {
              uuid: newUuid(),
              hostname: hostname ?? 'controller-0',
              personality: 'controller',
              subfunctions: defaultSubfunctions('controller', allInOne),
              invprovision: 'provisioned',
              administrative: 'unlocked',
              operational: 'enabled',
              availability: 'available',
              mgmt_mac: mac,
            }
          : { uuid: newUuid(), mgmt_mac: mac, availability: 'online' };
        // A new host boots from, and has its root on, the first disk it reports (e.g. /dev/vda),
        // not a /dev/sda it may not have; the operator can change both while it is locked.
        const disk = (r.inventory.idisks ?? [])
          .map((d) => d.device_node)
          .filter((n): n is string => typeof n === 'string' && n !== '')
          .sort()[0];
        if (disk !== undefined) Object.assign(row, { boot_device: disk, rootfs_device: disk });
        await insertHosts(q, [row]);
        newAio = firstController && allInOne;
        h = (await findHostByMac(q, mac))!;
        this.log.info(
          { mac, hostname: h.hostname, uuid: h.uuid },
          firstController ? 'first controller registered' : 'new host discovered',
        );
      } else if (h.availability === 'offline') {
        await updateHost(
          q,
          h.uuid,
          {
            availability:
              h.administrative === 'unlocked' && h.operational === 'enabled' ? 'available' : 'online',
          },
          this.clock.now(),
        );
      }
      for (const table of Object.keys(INVENTORY_TABLES) as InventoryTable[]) {
        const rows = r.inventory[table];
        if (rows === undefined) continue;
        if (table === 'idisks') await replaceDisks(q, h.uuid, rows, newUuid);
        else await replaceInventory(q, h.uuid, table, rows, newUuid);
      }
      // A new all-in-one controller gets StarlingX's default platform cores.
      if (newAio && r.inventory.icpus !== undefined) {
        const cpus = (await listInventory(q, h.uuid, 'icpus')) as unknown as LogicalCpu[];
        const next = defaultAioPlatform(cpus, { subfunctions: h.subfunctions ?? '', vswitchConfigured: false });
        if (next !== undefined)
          await q.query(
            `UPDATE icpus SET allocated_function = v.f FROM unnest($2::int[], $3::text[]) AS v(cpu, f) WHERE icpus.host_uuid = $1 AND icpus.cpu = v.cpu`,
            [h.uuid, [...next.keys()], [...next.values()]],
          );
      }
      // Each discovered port gets its Ethernet interface, as StarlingX's agent report does.
      await ensurePortInterfaces(q, h.uuid);
      await updateHost(q, h.uuid, { inv_state: 'inventoried' }, this.clock.now());
      if (r.heartbeat !== undefined) await this.maintenance?.saveHeartbeatEndpoints(q, h.uuid, endpoints);
      return this.host(q, h.uuid);
    });
    this.maintenance?.hostsChanged?.([registered.uuid]);
    return registered;
  }

  async inventory(ref: string, table: InventoryTable): Promise<Record<string, unknown>[]> {
    const h = await this.host(this.db, ref);
    const rows = await listInventory(this.db, h.uuid, table);
    return table === 'imemorys'
      ? rows.map((m) => memoryView(m as unknown as MemoryNode & Record<string, unknown>))
      : rows;
  }

  /** One inventory row (port, CPU, disk, PCI device) by uuid. */
  async inventoryRow(table: InventoryTable, uuid: string): Promise<Record<string, unknown>> {
    const r = await findInventoryRow(this.db, table, uuid);
    if (!r) throw new StarlingError('NOT_FOUND', `no ${table.replace(/s$/, '')} ${uuid}`, { field: 'uuid' });
    return table === 'imemorys' ? memoryView(r as unknown as MemoryNode & Record<string, unknown>) : r;
  }

  /** A host's NUMA nodes (sysinv's inodes). */
  async nodes(ref: string): Promise<{ uuid: string; numa_node: number; ihost_uuid: string }[]> {
    const h = await this.host(this.db, ref);
    return listNodes(this.db, h.uuid);
  }

  async node(uuid: string): Promise<{ uuid: string; numa_node: number; ihost_uuid: string }> {
    const n = await findNode(this.db, uuid);
    if (!n) throw new StarlingError('NOT_FOUND', `no NUMA node ${uuid}`, { field: 'inode_uuid' });
    return n;
  }

  async label(uuid: string): Promise<LabelRow> {
    const l = await findLabel(this.db, uuid);
    if (!l) throw new StarlingError('NOT_FOUND', `no label ${uuid}`, { field: 'label_uuid' });
    return l;
  }

  async memory(uuid: string): Promise<Record<string, unknown>> {
    const m = await findMemory(this.db, uuid);
    if (!m) throw new StarlingError('NOT_FOUND', `no memory ${uuid}`, { field: 'memory_uuid' });
    return memoryView(m as unknown as MemoryNode & Record<string, unknown>);
  }

  /** host-memory-modify: pending huge pages and platform memory (raw values, checked by
   *  planMemoryChange), on a locked host. */
  async modifyMemory(uuid: string, requested: MemoryRequest): Promise<Record<string, unknown>> {
    return this.db.tx(async (q) => {
      const found = await findMemory(q, uuid);
      if (!found) throw new StarlingError('NOT_FOUND', `no memory ${uuid}`, { field: 'memory_uuid' });
      const h = await this.host(q, found.host_uuid, true);
      if (h.administrative !== 'locked') {
        throw new StarlingError(
          'HOST_NOT_LOCKED',
          `${h.hostname ?? h.uuid} must be locked before its memory changes`,
          { field: 'host_id' },
        );
      }
      const node = (await findMemory(q, uuid, true)) as unknown as MemoryNode;
      await updateMemory(q, uuid, planMemoryChange(node, requested));
      return memoryView((await findMemory(q, uuid)) as unknown as MemoryNode & Record<string, unknown>);
    });
  }

  /** host-cpu-modify: StarlingX's rules, on a locked host; answers the host's CPUs. */
  async modifyCpus(ref: string, requests: CpuRequest[]): Promise<Record<string, unknown>[]> {
    return this.db.tx(async (q) => {
      const h = await this.host(q, ref, true);
      if (h.administrative !== 'locked') {
        throw new StarlingError(
          'HOST_NOT_LOCKED',
          `${h.hostname ?? h.uuid} must be locked before its CPU functions change`,
          { field: 'host_id' },
        );
      }
      const cpus = (await listInventory(q, h.uuid, 'icpus')) as unknown as LogicalCpu[];
      const next = assignCpuFunctions(cpus, requests, {
        subfunctions: h.subfunctions ?? h.personality ?? '',
        vswitchConfigured: false,
      });
      await q.query(
        `UPDATE icpus SET allocated_function = v.f FROM unnest($2::int[], $3::text[]) AS v(cpu, f) WHERE icpus.host_uuid = $1 AND icpus.cpu = v.cpu`,
        [h.uuid, [...next.keys()], [...next.values()]],
      );
      return listInventory(q, h.uuid, 'icpus');
    });
  }

  async labels(ref: string): Promise<LabelRow[]> {
    const h = await this.host(this.db, ref);
    return listLabels(this.db, h.uuid);
  }

  /** host-label-assign: key=value pairs. A key the host already has keeps its value unless
   *  `overwrite` is set (sysinv's rule: the whole assignment is refused, nothing changes). */
  async assignLabels(ref: string, pairs: Record<string, unknown>, overwrite = false): Promise<LabelRow[]> {
    const entries = Object.entries(pairs);
    if (entries.length === 0)
      throw new StarlingError('VALIDATION_FAILED', 'give at least one key=value label', { field: '/' });
    for (const [k, v] of entries) {
      if (!LABEL_KEY.test(k))
        throw new StarlingError(
          'VALIDATION_FAILED',
          `label key '${k}' must be letters, digits, . _ / - (up to 253)`,
          { field: `/${k}` },
        );
      if (typeof v !== 'string' || v.length > 63)
        throw new StarlingError(
          'VALIDATION_FAILED',
          `label ${k} must have a string value of up to 63 characters`,
          { field: `/${k}` },
        );
    }
    return this.db.tx(async (q) => {
      const h = await this.host(q, ref, true);
      if (!overwrite) {
        const existing = new Set((await listLabels(q, h.uuid)).map((l) => l.label_key));
        const taken = entries.find(([k]) => existing.has(k));
        if (taken)
          throw new StarlingError(
            'VALIDATION_FAILED',
            `Label ${taken[0]} exists for host ${h.hostname ?? h.uuid}. Use overwrite option to assign a new value.`,
            { field: `/${taken[0]}` },
          );
      }
      const out: LabelRow[] = [];
      for (const [k, v] of entries)
        out.push(
          await upsertLabel(q, {
            uuid: newUuid(),
            host_uuid: h.uuid,
            label_key: k,
            label_value: v as string,
          }),
        );
      return out;
    });
  }

  async removeLabel(uuid: string): Promise<LabelRow> {
    const l = await deleteLabel(this.db, uuid);
    if (!l) throw new StarlingError('NOT_FOUND', `no label ${uuid}`, { field: 'label_uuid' });
    return l;
  }
}

/** host-update's changes: field → raw value, in the order asked (the first refused one answers). */
export type HostFieldChanges = Readonly<Record<string, unknown>>;
