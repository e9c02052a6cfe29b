// Maintenance's tables: heartbeat endpoints per host and network, the workflow in progress per
// host (one at most: an operator's action or an automatic recovery) and the answers to the
// command it waits for. Host state itself is inventory's (`ihosts`), read and written through
// inventory's host-state port, in the same transaction.

import type { Queryable } from '../db/index.ts';
import { hostStatePort, type HostStateRow } from '../inventory/index.ts';
import type { CommandResult, HostPatch, Workflow, WorkflowKind } from './domain/workflow.ts';
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

export type StepWrite =
  | { written: true }
  /** Not written: the host is gone (host undefined), or its workflow is no longer the one planned
   *  from; what is stored now, to plan again from. */
  | { written: false; host: HostStateRow | undefined; workflow: Workflow | undefined };

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
  const row = await hostStatePort.lock(q, hostUuid);
  if (row === undefined) return { written: false, host: undefined, workflow: undefined };
  if (!(await writeLockedStep(q, hostUuid, from, next, host)))
    return { written: false, host: row, workflow: await findWorkflow(q, hostUuid) };
  return { written: true };
}

/** writeWorkflowStep for a caller that holds the host's row lock already. False: not written. */
export async function writeLockedStep(
  q: Queryable,
  hostUuid: string,
  from: Workflow | null,
  next: Workflow | null,
  host: HostPatch,
): Promise<boolean> {
  const ok =
    next === null
      ? from === null || (await deleteWorkflow(q, hostUuid, from))
      : await saveWorkflow(q, hostUuid, next, from);
  if (!ok) return false;
  await hostStatePort.write(q, hostUuid, host);
  // The answers the old step waited for are spent once the workflow moves on.
  await dropCommandResults(q, hostUuid, next?.pending ?? null);
  return true;
}

/**
 * Stores the answer to a command if a host's workflow is waiting for it (a late answer, to a step
 * that timed out, is dropped). Returns the host whose workflow waits for it.
 */
export async function saveCommandResult(
  q: Queryable,
  commandId: string,
  result: CommandResult,
): Promise<string | undefined> {
  const r = await q.query<{ host_uuid: string }>(
    `INSERT INTO host_command_results (command_id, host_uuid, ok, error, detail)
     SELECT $1, host_uuid, $2, $3, $4::jsonb FROM host_workflows WHERE pending = $1
     ON CONFLICT (command_id) DO NOTHING
     RETURNING host_uuid`,
    [
      commandId,
      result.ok,
      result.ok ? null : result.error,
      result.ok && result.detail !== undefined ? JSON.stringify(result.detail) : null,
    ],
  );
  return r.rows[0]?.host_uuid;
}

/** The stored answers for a host's commands, by command id. */
export async function commandResults(q: Queryable, hostUuid: string): Promise<Record<string, CommandResult>> {
  const r = await q.query<{ command_id: string; ok: boolean; error: string | null; detail: unknown }>(
    'SELECT command_id, ok, error, detail FROM host_command_results WHERE host_uuid = $1',
    [hostUuid],
  );
  return Object.fromEntries(
    r.rows.map((x) => [
      x.command_id,
      x.ok
        ? { ok: true as const, ...(x.detail === null ? {} : { detail: x.detail }) }
        : { ok: false as const, error: x.error ?? 'failed' },
    ]),
  );
}

/** Drops a host's stored answers but the one its workflow now waits for (`keep`). */
export async function dropCommandResults(q: Queryable, hostUuid: string, keep: string | null): Promise<void> {
  await q.query('DELETE FROM host_command_results WHERE host_uuid = $1 AND command_id IS DISTINCT FROM $2', [
    hostUuid,
    keep,
  ]);
}
