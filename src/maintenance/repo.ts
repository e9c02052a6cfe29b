// Maintenance's tables: heartbeat endpoints per host and network, and the workflow in progress
// per host (one at most: an operator's action or an automatic recovery).

import type { Queryable } from '../db/index.ts';
import type { InterfaceConfig } from '../agentlink/index.ts';
import type { HostPatch, Workflow, WorkflowKind } from './domain/workflow.ts';
import type { HbNetwork } from './domain/heartbeat.ts';

export interface HbEndpointRow {
  host_uuid: string;
  network: HbNetwork;
  address: string;
  port: number;
}

export async function replaceHbEndpoints(
  q: Queryable,
  hostUuid: string,
  endpoints: Omit<HbEndpointRow, 'host_uuid'>[],
): Promise<void> {
  await q.query('DELETE FROM host_hb_endpoints WHERE host_uuid = $1', [hostUuid]);
  if (endpoints.length === 0) return;
  await q.query(
    `INSERT INTO host_hb_endpoints (host_uuid, network, address, port)
     SELECT $1, n, a::inet, p FROM unnest($2::text[], $3::text[], $4::int[]) AS v(n, a, p)`,
    [
      hostUuid,
      endpoints.map((e) => e.network),
      endpoints.map((e) => e.address),
      endpoints.map((e) => e.port),
    ],
  );
}

export async function listHbEndpoints(q: Queryable, hostUuid?: string): Promise<HbEndpointRow[]> {
  const r = await q.query<HbEndpointRow>(
    `SELECT host_uuid, network, host(address) AS address, port FROM host_hb_endpoints ${hostUuid === undefined ? '' : 'WHERE host_uuid = $1'} ORDER BY host_uuid, network`,
    hostUuid === undefined ? [] : [hostUuid],
  );
  return r.rows;
}

interface WorkflowRow {
  host_uuid: string;
  kind: WorkflowKind;
  step: string;
  attempt: number;
  started_at: Date;
  step_started_at: Date;
  pending: string | null;
  reason: string | null;
}

const toWorkflow = (r: WorkflowRow): Workflow => ({
  kind: r.kind,
  step: r.step,
  attempt: r.attempt,
  startedAt: r.started_at.getTime(),
  stepStartedAt: r.step_started_at.getTime(),
  pending: r.pending,
  reason: r.reason,
});

export async function listWorkflows(q: Queryable): Promise<Map<string, Workflow>> {
  const r = await q.query<WorkflowRow>('SELECT * FROM host_workflows');
  return new Map(r.rows.map((row) => [row.host_uuid, toWorkflow(row)]));
}

export async function findWorkflow(
  q: Queryable,
  hostUuid: string,
  lock = false,
): Promise<Workflow | undefined> {
  const r = await q.query<WorkflowRow>(
    `SELECT * FROM host_workflows WHERE host_uuid = $1${lock ? ' FOR UPDATE' : ''}`,
    [hostUuid],
  );
  return r.rows[0] === undefined ? undefined : toWorkflow(r.rows[0]);
}

/**
 * Writes a host's workflow if it is still the one the writer planned from (`from`: the workflow it
 * read, or null when it read none): a compare-and-set on (kind, step, step start), so a step planned
 * from an old snapshot cannot overwrite what another writer (an operator's action, the other engine
 * pass) committed since. Returns false, writing nothing, when the stored workflow has moved on.
 */
export async function saveWorkflow(
  q: Queryable,
  hostUuid: string,
  wf: Workflow,
  from: Workflow | null,
): Promise<boolean> {
  const values = [hostUuid, wf.kind, wf.step, wf.attempt, wf.startedAt, wf.stepStartedAt, wf.pending, wf.reason];
  if (from === null) {
    const r = await q.query(
      `INSERT INTO host_workflows (host_uuid, kind, step, attempt, started_at, step_started_at, pending, reason)
       VALUES ($1, $2, $3, $4, to_timestamp($5 / 1000.0), to_timestamp($6 / 1000.0), $7, $8)
       ON CONFLICT (host_uuid) DO NOTHING`,
      values,
    );
    return r.rowCount === 1;
  }
  const r = await q.query(
    `UPDATE host_workflows SET kind = $2, step = $3, attempt = $4, started_at = to_timestamp($5 / 1000.0),
            step_started_at = to_timestamp($6 / 1000.0), pending = $7, reason = $8
      WHERE host_uuid = $1 AND ${SAME_AS_FROM}`,
    [...values, from.kind, from.step, from.stepStartedAt],
  );
  return r.rowCount === 1;
}

/** The stored workflow is the one planned from ($9 kind, $10 step, $11 step start in ms). */
const SAME_AS_FROM = 'kind = $9 AND step = $10 AND step_started_at = to_timestamp($11 / 1000.0)';

/** Ends a host's workflow if it is still the one planned from (see saveWorkflow); false if not. */
export async function deleteWorkflow(q: Queryable, hostUuid: string, from: Workflow): Promise<boolean> {
  const r = await q.query(
    'DELETE FROM host_workflows WHERE host_uuid = $1 AND kind = $2 AND step = $3 AND step_started_at = to_timestamp($4 / 1000.0)',
    [hostUuid, from.kind, from.step, from.stepStartedAt],
  );
  return r.rowCount === 1;
}

/** The few host columns maintenance decides on, for every host (a cache refreshed each second). */
export interface MtceHostRow {
  uuid: string;
  hostname: string | null;
  personality: string | null;
  administrative: 'locked' | 'unlocked';
  operational: 'enabled' | 'disabled';
  availability: string;
  task: string | null;
  bm_type: 'none' | 'ipmi' | 'redfish' | 'dynamic';
}

const MTCE_HOST_COLUMNS = 'uuid, hostname, personality, administrative, operational, availability, task, bm_type';

export async function listMtceHosts(q: Queryable): Promise<MtceHostRow[]> {
  const r = await q.query<MtceHostRow>(
    `SELECT ${MTCE_HOST_COLUMNS} FROM ihosts`,
  );
  return r.rows;
}

/** Locks a host's row for a maintenance step (operators' actions lock it too: they take turns). */
export async function lockMtceHost(q: Queryable, hostUuid: string): Promise<MtceHostRow | undefined> {
  const r = await q.query<MtceHostRow>(`SELECT ${MTCE_HOST_COLUMNS} FROM ihosts WHERE uuid = $1 FOR UPDATE`, [
    hostUuid,
  ]);
  return r.rows[0];
}

export type StepWrite =
  | { written: true }
  /** Not written: the host is gone (host undefined), or its workflow is no longer the one planned
   *  from; what is stored now, to plan again from. */
  | { written: false; host: MtceHostRow | undefined; workflow: Workflow | undefined };

/**
 * Writes one maintenance step in the caller's transaction: the host row locked first (an
 * operator's action locks it too, so the two take turns), then the workflow saved or ended by
 * compare-and-set against `from` (the workflow the step was planned from, null if none), then the
 * host state. Nothing is written when the compare fails.
 */
export async function writeWorkflowStep(
  q: Queryable,
  hostUuid: string,
  from: Workflow | null,
  next: Workflow | null,
  host: HostPatch,
): Promise<StepWrite> {
  const row = await lockMtceHost(q, hostUuid);
  if (row === undefined) return { written: false, host: undefined, workflow: undefined };
  const ok =
    next === null
      ? from === null || (await deleteWorkflow(q, hostUuid, from))
      : await saveWorkflow(q, hostUuid, next, from);
  if (!ok) return { written: false, host: row, workflow: await findWorkflow(q, hostUuid) };
  await patchHostState(q, hostUuid, host);
  return { written: true };
}

export interface BmcRow {
  bm_type: 'none' | 'ipmi' | 'redfish' | 'dynamic';
  bm_ip: string | null;
  bm_username: string | null;
  bm_password_enc: string | null;
}

export async function findBmc(q: Queryable, hostUuid: string): Promise<BmcRow | undefined> {
  const r = await q.query<BmcRow>(
    'SELECT bm_type, bm_ip, bm_username, bm_password_enc FROM ihosts WHERE uuid = $1',
    [hostUuid],
  );
  return r.rows[0];
}

/** Host state written by maintenance; `updated_at` moves with it. */
export async function patchHostState(q: Queryable, hostUuid: string, patch: object): Promise<void> {
  const p = patch as Record<string, unknown>;
  const keys = Object.keys(p).filter((k) =>
    ['administrative', 'operational', 'availability', 'task'].includes(k),
  );
  if (keys.length === 0) return;
  await q.query(
    `UPDATE ihosts SET ${keys.map((k, i) => `${k} = $${i + 2}`).join(', ')}, updated_at = now() WHERE uuid = $1`,
    [hostUuid, ...keys.map((k) => p[k])],
  );
}

/** A host interface as the agent renders it (the command's payload: one shape on both ends). */
export type InterfaceConfigRow = InterfaceConfig;

/** What the agent renders at unlock: the host's CPU functions, huge pages and interfaces. */
export async function hostConfigRows(
  q: Queryable,
  hostUuid: string,
): Promise<{
  cpus: { cpu: number; allocated_function: string }[];
  memory: { numa_node: number; vm_hugepages_nr_2M: number; vm_hugepages_nr_1G: number }[];
  interfaces: InterfaceConfigRow[];
}> {
  const cpus = await q.query<{ cpu: number; allocated_function: string }>(
    'SELECT cpu, allocated_function FROM icpus WHERE host_uuid = $1 ORDER BY cpu',
    [hostUuid],
  );
  const memory = await q.query<{ numa_node: number; vm_hugepages_nr_2M: number; vm_hugepages_nr_1G: number }>(
    'SELECT numa_node, "vm_hugepages_nr_2M", "vm_hugepages_nr_1G" FROM imemorys WHERE host_uuid = $1 ORDER BY numa_node',
    [hostUuid],
  );
  // What the host's network configuration is rendered from: each interface with its ports, its
  // lower interfaces, the network types it carries and its addresses from their pools.
  const interfaces = await q.query<InterfaceConfigRow>(
    `SELECT i.ifname, i.iftype, i.ifclass, i.imtu, i.aemode, i.txhashpolicy, i.vlan_id,
            coalesce((SELECT array_agg(p.name ORDER BY p.name) FROM ethernet_ports p WHERE p.interface_uuid = i.uuid), '{}') AS ports,
            coalesce((SELECT array_agg(l.ifname ORDER BY l.ifname) FROM interface_uses u JOIN interfaces l ON l.uuid = u.lower_uuid WHERE u.interface_uuid = i.uuid), '{}') AS uses,
            coalesce((SELECT array_agg(n.type ORDER BY n.type) FROM interface_networks x JOIN networks n ON n.uuid = x.network_uuid WHERE x.interface_uuid = i.uuid), '{}') AS networks,
            coalesce((SELECT array_agg(host(a.address) || '/' || a.prefix ORDER BY a.id) FROM addresses a WHERE a.interface_uuid = i.uuid), '{}') AS addresses
       FROM interfaces i WHERE i.host_uuid = $1 ORDER BY i.ifname`,
    [hostUuid],
  );
  return { cpus: cpus.rows, memory: memory.rows, interfaces: interfaces.rows };
}

/** Heartbeat-loss and sensor alarms set before this controller started (so they can clear). */
export async function activeMaintenanceAlarms(
  q: Queryable,
): Promise<{ alarm_id: string; entity_instance_id: string }[]> {
  const r = await q.query<{ alarm_id: string; entity_instance_id: string }>(
    `SELECT alarm_id, entity_instance_id FROM alarms WHERE alarm_id IN ('200.005', '200.009', '200.007', '200.010')`,
  );
  return r.rows;
}
