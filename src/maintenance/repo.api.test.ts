// Maintenance's workflow writes against the real database: a step planned from a snapshot that
// another writer has since moved on (an operator's lock committed while the engine was planning a
// recovery from what it read before) is refused, never written over the newer workflow.

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Db } from '../db/index.ts';
import { freshDatabase, type TestDatabase } from '../../test/support/site.ts';
import { insertHosts } from '../inventory/hosts/repo.ts';
import { failHost, newWorkflow, type WfHost, type Workflow } from './domain/workflow.ts';
import { hostStatePort } from '../inventory/index.ts';
import { deleteWorkflow, findWorkflow, saveWorkflow, writeWorkflowStep } from './repo.ts';

describe('workflow writes: compare-and-set on the workflow planned from', () => {
  let database: TestDatabase;
  let db: Db;
  const T0 = Date.UTC(2026, 0, 1, 12, 0, 0, 123);
  const wfHost: WfHost = {
    hostname: 'worker-0',
    administrative: 'unlocked',
    operational: 'enabled',
    availability: 'available',
    hasBmc: true,
    onlyController: false,
  };
  let n = 0;
  async function newHost(): Promise<string> {
    const uuid = randomUUID();
    await insertHosts(db, [
      {
        uuid,
        hostname: `worker-${n++}`,
        personality: 'worker',
        administrative: 'unlocked',
        operational: 'enabled',
        availability: 'available',
      },
    ]);
    return uuid;
  }
  /** What an operator's action does: the host row locked, then the workflow written. */
  const operatorStarts = (uuid: string, wf: Workflow, from: Workflow | null) =>
    db.tx(async (q) => {
      await hostStatePort.lock(q, uuid);
      return saveWorkflow(q, uuid, wf, from);
    });

  beforeAll(async () => {
    database = await freshDatabase();
    db = new Db(database.url, 4);
  });
  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  it('a recovery planned before an operator locked the host does not overwrite the lock', async () => {
    const uuid = await newHost();
    // The engine's snapshot: no workflow; heartbeat says the host failed.
    const seen = (await findWorkflow(db, uuid)) ?? null;
    expect(seen).toBeNull();
    // Meanwhile the operator's lock commits.
    await operatorStarts(uuid, newWorkflow('lock', T0), null);
    expect((await findWorkflow(db, uuid))?.kind).toBe('lock');
    // The engine writes the recovery it planned from its snapshot: refused, the lock stays.
    const recovery = failHost(wfHost, 'heartbeat lost', T0 + 50).workflow;
    expect(recovery?.kind).toBe('recovery');
    const written = await db.tx((q) => saveWorkflow(q, uuid, recovery!, seen));
    expect((await findWorkflow(db, uuid))?.kind).toBe('lock');
    expect(written).toBe(false);
  });

  it('a recovery step planned before an operator locked the host neither overwrites nor ends the lock', async () => {
    const uuid = await newHost();
    const recovery = failHost(wfHost, 'heartbeat lost', T0).workflow!;
    await db.tx((q) => saveWorkflow(q, uuid, recovery, null));
    const seen = (await findWorkflow(db, uuid))!;
    expect(seen).toEqual(recovery);
    // The operator's lock ends the recovery (and replaces its workflow).
    await operatorStarts(uuid, newWorkflow('lock', T0 + 10), seen);
    const lock = { kind: 'lock', step: newWorkflow('lock', 0).step };
    expect(await findWorkflow(db, uuid)).toMatchObject(lock);
    // The engine's next recovery step, and its end, both planned from the old recovery: refused.
    const next: Workflow = { ...seen, step: 'reboot', stepStartedAt: T0 + 20, attempt: 1 };
    const written = await db.tx((q) => saveWorkflow(q, uuid, next, seen));
    expect(await findWorkflow(db, uuid)).toMatchObject(lock);
    const ended = await db.tx((q) => deleteWorkflow(q, uuid, seen));
    expect(await findWorkflow(db, uuid)).toMatchObject(lock);
    expect([written, ended]).toEqual([false, false]);
  });

  it('a step planned from the stored workflow is written, and the workflow it wrote can end', async () => {
    const uuid = await newHost();
    expect(await operatorStarts(uuid, newWorkflow('unlock', T0), null)).toBe(true);
    const seen = (await findWorkflow(db, uuid))!;
    const next: Workflow = { ...seen, step: 'next-step', stepStartedAt: T0 + 1_001, pending: randomUUID() };
    expect(await db.tx((q) => saveWorkflow(q, uuid, next, seen))).toBe(true);
    const stored = (await findWorkflow(db, uuid))!;
    expect(stored).toEqual(next);
    // A second writer planning from the same old snapshot is refused.
    expect(await db.tx((q) => saveWorkflow(q, uuid, { ...next, step: 'other' }, seen))).toBe(false);
    expect(await db.tx((q) => deleteWorkflow(q, uuid, stored))).toBe(true);
    expect(await findWorkflow(db, uuid)).toBeUndefined();
  });

  it('the engine’s step and an operator’s action at once: they take turns on the host row, and the step planned before the action is not written', async () => {
    const uuid = await newHost();
    const hostState = async () =>
      (
        await db.query<{ s: string }>(
          "SELECT administrative || '-' || operational || '-' || availability AS s FROM ihosts WHERE uuid = $1",
          [uuid],
        )
      ).rows[0]?.s;
    // The engine planned a recovery from "no workflow" (its snapshot).
    const failed = failHost(wfHost, 'heartbeat lost', T0);
    // The operator's transaction holds the host row while it decides.
    let release!: () => void;
    const decided = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const holding = new Promise<void>((r) => (locked = r));
    const operator = db.tx(async (q) => {
      await hostStatePort.lock(q, uuid);
      locked();
      await decided;
      return saveWorkflow(q, uuid, newWorkflow('lock', T0 + 1), null);
    });
    await holding;
    let engineDone = false;
    const engine = db
      .tx((q) => writeWorkflowStep(q, uuid, null, failed.workflow, failed.host))
      .finally(() => (engineDone = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(engineDone).toBe(false); // waiting for the operator's transaction
    release();
    expect(await operator).toBe(true);
    const w = await engine;
    expect(w).toMatchObject({ written: false, workflow: { kind: 'lock' } });
    expect((await findWorkflow(db, uuid))?.kind).toBe('lock');
    expect(await hostState()).toBe('unlocked-enabled-available'); // the failed state was not written
    // Planned again from what is stored, the engine's next step is written.
    if (w.written) throw new Error('unreachable');
    const stored = w.workflow!;
    const next: Workflow = { ...stored, step: 'wait-lock', stepStartedAt: T0 + 2 };
    const again = await db.tx((q) => writeWorkflowStep(q, uuid, stored, next, { task: 'Locking' }));
    expect(again).toEqual({ written: true });
    expect(await findWorkflow(db, uuid)).toMatchObject({ kind: 'lock', step: 'wait-lock' });
  });

  it('a step for a host deleted meanwhile writes nothing', async () => {
    const uuid = await newHost();
    await db.query('DELETE FROM ihosts WHERE uuid = $1', [uuid]);
    const failed = failHost(wfHost, 'heartbeat lost', T0);
    expect(await db.tx((q) => writeWorkflowStep(q, uuid, null, failed.workflow, failed.host))).toEqual({
      written: false,
      host: undefined,
      workflow: undefined,
    });
  });
});
