// The host-state port: what other capabilities (maintenance) may read and write of `ihosts`,
// which inventory owns. Typed columns only, in the caller's transaction, so a maintenance step
// writes its workflow and the host's state together while inventory stays the table's one writer.

import type { Queryable } from '../../db/index.ts';
import type { Administrative, Availability, Operational } from './domain/host-state.ts';

export type BmType = 'none' | 'ipmi' | 'redfish' | 'dynamic';

/** The host columns maintenance decides on. */
export interface HostStateRow {
  uuid: string;
  hostname: string | null;
  personality: string | null;
  administrative: Administrative;
  operational: Operational;
  availability: Availability;
  task: string | null;
  bm_type: BmType;
}

/** A change of a host's state; absent fields are kept (task: null clears it). */
export interface HostStatePatch {
  administrative?: Administrative;
  operational?: Operational;
  availability?: Availability;
  task?: string | null;
}

export interface HostBmc {
  bm_type: BmType;
  bm_ip: string | null;
  bm_username: string | null;
  /** Sealed with the site's secrets key. */
  bm_password_enc: string | null;
}

/** A host interface as the agent renders it. */
export interface HostInterfaceConfig {
  ifname: string;
  iftype: string;
  ifclass: string | null;
  imtu: number;
  aemode: string | null;
  txhashpolicy: string | null;
  vlan_id: number | null;
  ports: string[];
  uses: string[];
  networks: string[];
  addresses: string[];
}

/** What the agent renders at unlock: CPU functions, huge pages per NUMA node, interfaces. */
export interface HostConfig {
  cpus: { cpu: number; allocated_function: string }[];
  memory: { numa_node: number; vm_hugepages_nr_2M: number; vm_hugepages_nr_1G: number }[];
  interfaces: HostInterfaceConfig[];
}

export interface HostStatePort {
  /** Every host's state (maintenance's picture of the site at start and at each resync). */
  list(q: Queryable): Promise<HostStateRow[]>;
  /** One host's state, its row locked until the transaction ends (an operator's action locks it
   *  too, so the two take turns). Undefined: no such host. */
  lock(q: Queryable, uuid: string): Promise<HostStateRow | undefined>;
  /** Writes a host's state; `updated_at` moves with it. */
  write(q: Queryable, uuid: string, patch: HostStatePatch): Promise<void>;
  /** The uuids of the unlocked-enabled controllers. */
  enabledControllers(q: Queryable): Promise<string[]>;
  bmc(q: Queryable, uuid: string): Promise<HostBmc | undefined>;
  config(q: Queryable, uuid: string): Promise<HostConfig>;
}

const COLUMNS = 'uuid, hostname, personality, administrative, operational, availability, task, bm_type';

export const hostStatePort: HostStatePort = {
  async list(q) {
    return (await q.query<HostStateRow>(`SELECT ${COLUMNS} FROM ihosts ORDER BY id`)).rows;
  },

  async lock(q, uuid) {
    return (await q.query<HostStateRow>(`SELECT ${COLUMNS} FROM ihosts WHERE uuid = $1 FOR UPDATE`, [uuid]))
      .rows[0];
  },

  async write(q, uuid, p) {
    if (
      p.administrative === undefined &&
      p.operational === undefined &&
      p.availability === undefined &&
      p.task === undefined
    )
      return;
    await q.query(
      `UPDATE ihosts SET administrative = coalesce($2, administrative),
                         operational = coalesce($3, operational),
                         availability = coalesce($4, availability),
                         task = CASE WHEN $5 THEN $6 ELSE task END,
                         updated_at = now()
        WHERE uuid = $1`,
      [uuid, p.administrative ?? null, p.operational ?? null, p.availability ?? null, p.task !== undefined, p.task ?? null],
    );
  },

  async enabledControllers(q) {
    const r = await q.query<{ uuid: string }>(
      `SELECT uuid FROM ihosts WHERE personality = 'controller' AND administrative = 'unlocked' AND operational = 'enabled'`,
    );
    return r.rows.map((x) => x.uuid);
  },

  async bmc(q, uuid) {
    return (
      await q.query<HostBmc>('SELECT bm_type, bm_ip, bm_username, bm_password_enc FROM ihosts WHERE uuid = $1', [uuid])
    ).rows[0];
  },

  async config(q, uuid) {
    const cpus = await q.query<{ cpu: number; allocated_function: string }>(
      'SELECT cpu, allocated_function FROM icpus WHERE host_uuid = $1 ORDER BY cpu',
      [uuid],
    );
    const memory = await q.query<{ numa_node: number; vm_hugepages_nr_2M: number; vm_hugepages_nr_1G: number }>(
      'SELECT numa_node, "vm_hugepages_nr_2M", "vm_hugepages_nr_1G" FROM imemorys WHERE host_uuid = $1 ORDER BY numa_node',
      [uuid],
    );
    // Each interface with its ports, its lower interfaces, the network types it carries and its
    // addresses from their pools: what the host's network configuration is rendered from.
    const interfaces = await q.query<HostInterfaceConfig>(
      `SELECT i.ifname, i.iftype, i.ifclass, i.imtu, i.aemode, i.txhashpolicy, i.vlan_id,
              coalesce((SELECT array_agg(p.name ORDER BY p.name) FROM ethernet_ports p WHERE p.interface_uuid = i.uuid), '{}') AS ports,
              coalesce((SELECT array_agg(l.ifname ORDER BY l.ifname) FROM interface_uses u JOIN interfaces l ON l.uuid = u.lower_uuid WHERE u.interface_uuid = i.uuid), '{}') AS uses,
              coalesce((SELECT array_agg(n.type ORDER BY n.type) FROM interface_networks x JOIN networks n ON n.uuid = x.network_uuid WHERE x.interface_uuid = i.uuid), '{}') AS networks,
              coalesce((SELECT array_agg(host(a.address) || '/' || a.prefix ORDER BY a.id) FROM addresses a WHERE a.interface_uuid = i.uuid), '{}') AS addresses
         FROM interfaces i WHERE i.host_uuid = $1 ORDER BY i.ifname`,
      [uuid],
    );
    return { cpus: cpus.rows, memory: memory.rows, interfaces: interfaces.rows };
  },
};
