// The node-configuration tables: address_pools, networks, interfaces with their lower interfaces
// (interface_uses), ports (ethernet_ports.interface_uuid) and networks (interface_networks).

import type { Queryable } from '../../db/index.ts';
import { canonicalIp, type AddressPool, type NewNetwork } from './domain/networks.ts';
import type { HostNetworking, Iface, Network, Port } from './domain/interfaces.ts';
import { MTU_MAX, MTU_MIN, DEFAULT_MTU } from './domain/interfaces.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const iso = (d: Date | null): string | null => d?.toISOString() ?? null;

// --- address pools ----------------------------------------------------------------------------------

export interface PoolRow extends AddressPool {
  id: number;
  uuid: string;
  created_at: string;
  updated_at: string | null;
}

const POOL_SELECT = `SELECT id, uuid, name, host(subnet) AS network, masklen(subnet) AS prefix, "order", ranges,
  host(floating_address) AS floating_address, host(controller0_address) AS controller0_address,
  host(controller1_address) AS controller1_address, host(gateway_address) AS gateway_address, created_at, updated_at
  FROM address_pools`;

type DbPool = Omit<PoolRow, 'created_at' | 'updated_at'> & { created_at: Date; updated_at: Date | null };
const canon = (v: string | null): string | null => (v === null ? null : (canonicalIp(v) ?? v));
const toPool = (r: DbPool): PoolRow => ({
  ...r,
  network: canon(r.network)!,
  floating_address: canon(r.floating_address),
  controller0_address: canon(r.controller0_address),
  controller1_address: canon(r.controller1_address),
  gateway_address: canon(r.gateway_address),
  created_at: r.created_at.toISOString(),
  updated_at: iso(r.updated_at),
});

export async function listPools(q: Queryable): Promise<PoolRow[]> {
  return (await q.query<DbPool>(`${POOL_SELECT} ORDER BY id`)).rows.map(toPool);
}

/** By uuid or name. */
export async function findPool(q: Queryable, ref: string): Promise<PoolRow | undefined> {
  const r = await q.query<DbPool>(`${POOL_SELECT} WHERE ${UUID.test(ref) ? 'uuid::text' : 'name'} = $1`, [
    ref,
  ]);
  return r.rows[0] && toPool(r.rows[0]);
}

/** A pool's stored columns, in the order insertPool and updatePool bind them ($2…$9). */
const poolValues = (p: AddressPool): unknown[] => [
  p.name,
  `${p.network}/${p.prefix}`,
  p.order,
  JSON.stringify(p.ranges),
  p.floating_address,
  p.controller0_address,
  p.controller1_address,
  p.gateway_address,
];

export async function insertPool(q: Queryable, uuid: string, p: AddressPool): Promise<void> {
  await q.query(
    `INSERT INTO address_pools (uuid, name, subnet, "order", ranges, floating_address, controller0_address, controller1_address, gateway_address)
     VALUES ($1, $2, $3::cidr, $4, $5::jsonb, $6, $7, $8, $9)`,
    [uuid, ...poolValues(p)],
  );
}

export async function updatePool(q: Queryable, uuid: string, p: AddressPool, at: Date): Promise<void> {
  await q.query(
    `UPDATE address_pools SET name = $2, subnet = $3::cidr, "order" = $4, ranges = $5::jsonb, floating_address = $6,
            controller0_address = $7, controller1_address = $8, gateway_address = $9, updated_at = $10
      WHERE uuid = $1`,
    [uuid, ...poolValues(p), at],
  );
}

export async function deletePool(q: Queryable, uuid: string): Promise<void> {
  await q.query('DELETE FROM address_pools WHERE uuid = $1', [uuid]);
}

// --- networks ---------------------------------------------------------------------------------------

export interface NetworkRow extends NewNetwork {
  id: number;
  uuid: string;
}

const NETWORK_SELECT = 'SELECT id, uuid, name, type, dynamic, pool_uuid FROM networks';

export async function listNetworks(q: Queryable): Promise<NetworkRow[]> {
  return (await q.query<NetworkRow>(`${NETWORK_SELECT} ORDER BY id`)).rows;
}

/** By uuid, numeric id or name. */
export async function findNetwork(q: Queryable, ref: string): Promise<NetworkRow | undefined> {
  const col = UUID.test(ref) ? 'uuid::text' : /^\d+$/.test(ref) ? 'id::text' : 'name';
  return (await q.query<NetworkRow>(`${NETWORK_SELECT} WHERE ${col} = $1`, [ref])).rows[0];
}

export async function insertNetwork(q: Queryable, uuid: string, n: NewNetwork): Promise<void> {
  await q.query('INSERT INTO networks (uuid, name, type, dynamic, pool_uuid) VALUES ($1, $2, $3, $4, $5)', [
    uuid,
    n.name,
    n.type,
    n.dynamic,
    n.pool_uuid,
  ]);
}

export async function deleteNetwork(q: Queryable, uuid: string): Promise<void> {
  await q.query('DELETE FROM networks WHERE uuid = $1', [uuid]);
}

/** Where a network is assigned: host and interface names. */
export async function networkAssignments(
  q: Queryable,
  networkUuid: string,
): Promise<{ hostname: string | null; ifname: string }[]> {
  return (
    await q.query<{ hostname: string | null; ifname: string }>(
      `SELECT h.hostname, i.ifname FROM interface_networks n JOIN interfaces i ON i.uuid = n.interface_uuid
         JOIN ihosts h ON h.uuid = i.host_uuid WHERE n.network_uuid = $1 ORDER BY h.hostname, i.ifname`,
      [networkUuid],
    )
  ).rows;
}

// --- interfaces -------------------------------------------------------------------------------------

/** A host's interfaces, ports and the site's networks, as the interface rules read them. */
export async function loadHostNetworking(
  q: Queryable,
  host: HostNetworking['host'] & { uuid: string },
): Promise<
  HostNetworking & { stamps: Map<string, { created_at: string; updated_at: string | null; id: number }> }
> {
  const ifs = await q.query<Iface & { id: number; created_at: Date; updated_at: Date | null }>(
    `SELECT i.id, i.uuid, i.ifname, i.iftype, i.ifclass, i.imtu, i.aemode, i.txhashpolicy, i.vlan_id, i.sriov_numvfs, i.sriov_vf_driver,
            i.created_at, i.updated_at,
            ARRAY(SELECT u.lower_uuid::text FROM interface_uses u JOIN interfaces l ON l.uuid = u.lower_uuid
                   WHERE u.interface_uuid = i.uuid ORDER BY l.ifname) AS uses,
            ARRAY(SELECT p.uuid::text FROM ethernet_ports p WHERE p.interface_uuid = i.uuid ORDER BY p.name) AS ports,
            ARRAY(SELECT n.network_uuid::text FROM interface_networks n JOIN networks w ON w.uuid = n.network_uuid
                   WHERE n.interface_uuid = i.uuid ORDER BY w.id) AS networks
       FROM interfaces i WHERE i.host_uuid = $1 ORDER BY i.ifname`,
    [host.uuid],
  );
  const ports = await q.query<Port>(
    'SELECT uuid, name, mac::text AS mac, sriov_totalvfs, driver FROM ethernet_ports WHERE host_uuid = $1 ORDER BY name',
    [host.uuid],
  );
  const networks = await q.query<Network>('SELECT uuid, id, name, type FROM networks ORDER BY id');
  const stamps = new Map(
    ifs.rows.map((r) => [
      r.uuid,
      { id: r.id, created_at: r.created_at.toISOString(), updated_at: iso(r.updated_at) },
    ]),
  );
  return {
    host: { hostname: host.hostname, personality: host.personality, subfunctions: host.subfunctions },
    interfaces: ifs.rows.map(({ id: _id, created_at: _c, updated_at: _u, ...i }) => i),
    ports: ports.rows,
    networks: networks.rows,
    stamps,
  };
}

/** The host an interface belongs to. */
export async function interfaceHost(q: Queryable, uuid: string): Promise<string | undefined> {
  if (!UUID.test(uuid)) return undefined;
  return (await q.query<{ host_uuid: string }>('SELECT host_uuid FROM interfaces WHERE uuid = $1', [uuid]))
    .rows[0]?.host_uuid;
}

/** Writes an interface and its links (lower interfaces, ports, networks) as given. */
export async function saveInterface(
  q: Queryable,
  hostUuid: string,
  i: Iface,
  at: Date,
  isNew: boolean,
): Promise<void> {
  const values = [
    i.uuid,
    hostUuid,
    i.ifname,
    i.iftype,
    i.ifclass,
    i.imtu,
    i.aemode,
    i.txhashpolicy,
    i.vlan_id,
    i.sriov_numvfs,
    i.sriov_vf_driver,
    at,
  ];
  if (isNew) {
    await q.query(
      `INSERT INTO interfaces (uuid, host_uuid, ifname, iftype, ifclass, imtu, aemode, txhashpolicy, vlan_id, sriov_numvfs, sriov_vf_driver, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      values,
    );
  } else {
    await q.query(
      `UPDATE interfaces SET ifname = $3, iftype = $4, ifclass = $5, imtu = $6, aemode = $7, txhashpolicy = $8, vlan_id = $9,
              sriov_numvfs = $10, sriov_vf_driver = $11, updated_at = $12
        WHERE uuid = $1 AND host_uuid = $2`,
      values,
    );
  }
  await q.query('DELETE FROM interface_uses WHERE interface_uuid = $1', [i.uuid]);
  await q.query(
    'INSERT INTO interface_uses (interface_uuid, lower_uuid) SELECT $1::uuid, unnest($2::uuid[])',
    [i.uuid, i.uses],
  );
  await q.query(
    'UPDATE ethernet_ports SET interface_uuid = NULL WHERE interface_uuid = $1 AND NOT (uuid = ANY($2::uuid[]))',
    [i.uuid, i.ports],
  );
  await q.query(
    'UPDATE ethernet_ports SET interface_uuid = $1 WHERE host_uuid = $2 AND uuid = ANY($3::uuid[])',
    [i.uuid, hostUuid, i.ports],
  );
  await q.query('DELETE FROM interface_networks WHERE interface_uuid = $1', [i.uuid]);
  await q.query(
    'INSERT INTO interface_networks (interface_uuid, network_uuid) SELECT $1::uuid, unnest($2::uuid[])',
    [i.uuid, i.networks],
  );
}

export async function setInterfaceMtu(
  q: Queryable,
  changes: { uuid: string; imtu: number }[],
  at: Date,
): Promise<void> {
  if (changes.length === 0) return;
  await q.query(
    'UPDATE interfaces SET imtu = v.imtu, updated_at = $3 FROM unnest($1::uuid[], $2::int[]) AS v(uuid, imtu) WHERE interfaces.uuid = v.uuid',
    [changes.map((c) => c.uuid), changes.map((c) => c.imtu), at],
  );
}

export async function deleteInterface(q: Queryable, uuid: string): Promise<void> {
  await q.query('DELETE FROM interfaces WHERE uuid = $1', [uuid]);
}

/**
 * StarlingX gives every discovered port an Ethernet interface named after it (class none). Ports
 * without an interface get one; a name another interface already has is skipped.
 */
export async function ensurePortInterfaces(q: Queryable, hostUuid: string): Promise<void> {
  await q.query(
    `WITH made AS (
       INSERT INTO interfaces (uuid, host_uuid, ifname, iftype, imtu)
       SELECT gen_random_uuid(), p.host_uuid, p.name, 'ethernet',
              CASE WHEN p.mtu BETWEEN ${MTU_MIN} AND ${MTU_MAX} THEN p.mtu ELSE ${DEFAULT_MTU} END
         FROM ethernet_ports p
        WHERE p.host_uuid = $1 AND p.interface_uuid IS NULL AND length(p.name) BETWEEN 1 AND 15
       ON CONFLICT (host_uuid, ifname) DO NOTHING
       RETURNING uuid, ifname)
     UPDATE ethernet_ports p SET interface_uuid = made.uuid FROM made WHERE p.host_uuid = $1 AND p.name = made.ifname`,
    [hostUuid],
  );
}

/** The ports of an interface, as the port resource shows them. */
export async function interfacePorts(q: Queryable, uuid: string): Promise<Record<string, unknown>[]> {
  return (
    await q.query(
      `SELECT uuid, host_uuid, interface_uuid, name, mac::text AS mac, mtu, speed, link_mode, pciaddr, driver, numa_node, pvendor, pdevice,
              sriov_totalvfs, sriov_numvfs
         FROM ethernet_ports WHERE interface_uuid = $1 ORDER BY name`,
      [uuid],
    )
  ).rows;
}

// --- addresses ----------------------------------------------------------------------------------------

export interface AddressRow {
  uuid: string;
  ihost_uuid: string;
  interface_uuid: string;
  ifname: string;
  network_uuid: string;
  networktype: string;
  pool_uuid: string;
  address: string;
  prefix: number;
  name: string;
}

const ADDRESS_SELECT = `SELECT a.uuid, a.host_uuid AS ihost_uuid, a.interface_uuid, i.ifname, a.network_uuid, n.type AS networktype,
       a.pool_uuid, host(a.address) AS address, a.prefix, a.name
  FROM addresses a JOIN interfaces i ON i.uuid = a.interface_uuid JOIN networks n ON n.uuid = a.network_uuid`;

const toAddress = (r: AddressRow): AddressRow => ({ ...r, address: canonicalIp(r.address) ?? r.address });

export async function listHostAddresses(q: Queryable, hostUuid: string): Promise<AddressRow[]> {
  return (
    await q.query<AddressRow>(`${ADDRESS_SELECT} WHERE a.host_uuid = $1 ORDER BY n.id`, [hostUuid])
  ).rows.map(toAddress);
}

export async function findAddress(q: Queryable, uuid: string): Promise<AddressRow | undefined> {
  if (!UUID.test(uuid)) return undefined;
  const r = (await q.query<AddressRow>(`${ADDRESS_SELECT} WHERE a.uuid = $1`, [uuid])).rows[0];
  return r && toAddress(r);
}

/** The addresses a host's interfaces call for: each platform interface's dynamic networks that have a pool. */
export async function wantedAddresses(
  q: Queryable,
  hostUuid: string,
): Promise<{ interface_uuid: string; network_uuid: string; networktype: string; pool_uuid: string }[]> {
  return (
    await q.query<{ interface_uuid: string; network_uuid: string; networktype: string; pool_uuid: string }>(
      `SELECT x.interface_uuid, n.uuid AS network_uuid, n.type AS networktype, n.pool_uuid
         FROM interface_networks x JOIN interfaces i ON i.uuid = x.interface_uuid JOIN networks n ON n.uuid = x.network_uuid
        WHERE i.host_uuid = $1 AND i.ifclass = 'platform' AND n.dynamic AND n.pool_uuid IS NOT NULL
        ORDER BY n.id`,
      [hostUuid],
    )
  ).rows;
}

/** Addresses of a pool held by any host (canonical text). */
export async function takenAddresses(q: Queryable, poolUuid: string): Promise<Set<string>> {
  const r = await q.query<{ address: string }>(
    'SELECT host(address) AS address FROM addresses WHERE pool_uuid = $1',
    [poolUuid],
  );
  return new Set(r.rows.map((a) => canonicalIp(a.address) ?? a.address));
}

export async function insertAddress(
  q: Queryable,
  a: {
    uuid: string;
    host_uuid: string;
    interface_uuid: string;
    network_uuid: string;
    pool_uuid: string;
    address: string;
    prefix: number;
    name: string;
  },
): Promise<void> {
  await q.query(
    `INSERT INTO addresses (uuid, host_uuid, interface_uuid, network_uuid, pool_uuid, address, prefix, name)
     VALUES ($1, $2, $3, $4, $5, $6::inet, $7, $8)`,
    [a.uuid, a.host_uuid, a.interface_uuid, a.network_uuid, a.pool_uuid, a.address, a.prefix, a.name],
  );
}

export async function moveAddress(
  q: Queryable,
  uuid: string,
  interfaceUuid: string,
  at: Date,
): Promise<void> {
  await q.query('UPDATE addresses SET interface_uuid = $2, updated_at = $3 WHERE uuid = $1', [
    uuid,
    interfaceUuid,
    at,
  ]);
}

export async function deleteAddresses(q: Queryable, uuids: string[]): Promise<void> {
  if (uuids.length > 0) await q.query('DELETE FROM addresses WHERE uuid = ANY($1::uuid[])', [uuids]);
}

/** The host's management address (ihosts.mgmt_ip), as its mgmt network address says. */
export async function setMgmtIp(q: Queryable, hostUuid: string, ip: string | null): Promise<void> {
  await q.query('UPDATE ihosts SET mgmt_ip = $2::inet WHERE uuid = $1', [hostUuid, ip]);
}
