// The maintenance engine as a reconciler, against the real database, on manual time: heartbeat
// observations are fed to it (a pulser port the test drives), agents are real registry sessions
// whose commands the test records, alarms go to the real fault service. Minutes of timeouts take
// no wall time; each test runs in a few hundred milliseconds.

import { randomBytes, randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../common/log.ts';
import { sealer } from '../common/sealed.ts';
import { Db } from '../db/index.ts';
import { AgentRegistry } from '../agentlink/index.ts';
import { FaultService, loadCatalog } from '../fault/index.ts';
import { hostStatePort, type HostStatePort } from '../inventory/index.ts';
import { insertHosts } from '../inventory/hosts/repo.ts';
import { ManualScheduler } from '../runtime/index.ts';
import { freshDatabase, type TestDatabase } from '../../test/support/site.ts';
import { MAINTENANCE_DEFAULTS, MaintenanceEngine, type PulserFactory } from './engine.ts';
import type { HbObservation, HbTarget } from './heartbeat/pulser.ts';
import { findWorkflow, writeWorkflowStep } from './repo.ts';
import { failHost } from './domain/workflow.ts';

const T0 = Date.UTC(2026, 0, 1, 12);
const CONFIG = { ...MAINTENANCE_DEFAULTS, sensorPeriodMs: 0 };

interface Sent {
  hostname: string;
  event: string;
  data: { id?: string; command?: string };
}

/** A site on manual time: one database, the engine, agents the test connects, a pulser it drives. */
async function harness(database: TestDatabase) {
  const db = new Db(database.url, 6);
  const clock = new ManualScheduler(T0);
  const wallClock = { now: () => new Date(clock.now()) };
  const agents = new AgentRegistry(() => clock.now());
  const sent: Sent[] = [];
  const fault = new FaultService(db, wallClock, loadCatalog(), { maxCount: 10_000, maxAgeSeconds: 86_400 });
  let targets: HbTarget[] = [];
  let onTick: (obs: HbObservation[]) => void = () => undefined;
  const pulser: PulserFactory = async (o) => {
    onTick = o.onTick;
    return {
      setTargets: (t) => void (targets = t),
      listening: () => [],
      stats: async () => ({ received: 0, answered: 0, forged: 0, replayed: 0, ahead: 0, malformed: 0, sent: 0, sendErrors: 0, multicastTargets: 0 }),
      close: async () => undefined,
    };
  };
  // Counts the host reads that start a reconcile (the port is inventory's real one).
  let reconciles = 0;
  const hostState: HostStatePort = {
    ...hostStatePort,
    lock: (q, uuid) => {
      reconciles++;
      return hostStatePort.lock(q, uuid);
    },
  };
  const newEngine = () =>
    new MaintenanceEngine(
      {
        db,
        clock: wallClock,
        log: silentLogger,
        alarms: fault,
        agents,
        sealer: sealer(randomBytes(32).toString('base64')),
        siteKey: randomBytes(32),
        controllerName: 'controller',
        scheduler: clock,
        pulser,
        hostState,
      },
      CONFIG,
    );
  let engine = newEngine();

  const h = {
    db,
    clock,
    sent,
    get engine() {
      return engine;
    },
    get targets() {
      return targets;
    },
    reconciles: () => reconciles,
    /** A new engine, as after a controller restart (the old one must be stopped). */
    async restart() {
      engine = newEngine();
      await engine.start();
      await engine.idle();
    },
    /** An unlocked-enabled-available worker with heartbeat on mgmt and cluster-host. */
    async worker(hostname: string, state: Record<string, string> = {}): Promise<string> {
      const uuid = randomUUID();
      await insertHosts(db, [
        {
          uuid,
          hostname,
          personality: 'worker',
          administrative: 'unlocked',
          operational: 'enabled',
          availability: 'available',
          ...state,
        } as never,
      ]);
      await db.tx((q) =>
        engine.saveEndpoints(q, uuid, [
          { network: 'mgmt', address: '127.0.0.1', port: 2001 },
          { network: 'cluster-host', address: '127.0.0.2', port: 2001 },
        ]),
      );
      return uuid;
    },
    connect(hostname: string, uuid: string): () => void {
      return agents.connect(
        { hostname, host_uuid: uuid, version: 'test', source: '127.0.0.1', connected_at: new Date(clock.now()).toISOString() },
        `instance-${hostname}`,
        () => undefined,
        (event, data) => sent.push({ hostname, event, data: data as Sent['data'] }),
      );
    },
    commands: (hostname: string) => sent.filter((s) => s.hostname === hostname && s.event === 'command').map((s) => s.data.command),
    lastCommand: (hostname: string) => sent.filter((s) => s.hostname === hostname && s.event === 'command').at(-1)!.data,
    /** One heartbeat period: every target answers unless `lost` names its host and network. */
    async beat(lost: Record<string, string[]> = {}) {
      clock.advance(CONFIG.heartbeatPeriodMs);
      onTick(targets.map((t) => ({ hostId: t.hostId, network: t.network, answered: !(lost[t.hostId] ?? []).includes(t.network) })));
      await engine.idle();
    },
    /** Moves time by `ms`, stopping at each due timer and letting the work it starts finish. */
    async advance(ms: number) {
      const end = clock.now() + ms;
      await engine.idle();
      for (let at = clock.nextAt(); at !== undefined && at <= end; at = clock.nextAt()) {
        clock.advance(at - clock.now());
        await engine.idle();
      }
      clock.advance(end - clock.now());
      await engine.idle();
    },
    async state(uuid: string) {
      const r = await db.query<{ s: string; task: string | null }>(
        "SELECT administrative || '-' || operational || '-' || availability AS s, task FROM ihosts WHERE uuid = $1",
        [uuid],
      );
      return r.rows[0]!.s;
    },
    async alarms() {
      return (await db.query<{ a: string }>("SELECT alarm_id || ' ' || entity_instance_id AS a FROM alarms ORDER BY 1")).rows.map(
        (r) => r.a,
      );
    },
    async close() {
      await engine.stop();
      await db.close();
    },
  };
  return h;
}

describe('the maintenance engine on the work queue (manual time)', () => {
  let database: TestDatabase;
  let h: Awaited<ReturnType<typeof harness>>;
  beforeEach(async () => {
    database = await freshDatabase();
    h = await harness(database);
  });
  afterEach(async () => {
    await h?.close();
    await database?.drop();
  });

  it('an idle site does no work between events: heartbeats that keep answering reconcile nothing', async () => {
    const a = await h.worker('worker-0');
    const b = await h.worker('worker-1');
    h.connect('worker-0', a);
    h.connect('worker-1', b);
    await h.engine.start();
    await h.advance(200); // the targets are read
    expect(h.targets.map((t) => `${t.hostId === a ? 'worker-0' : 'worker-1'}/${t.network}`).sort()).toEqual([
      'worker-0/cluster-host',
      'worker-0/mgmt',
      'worker-1/cluster-host',
      'worker-1/mgmt',
    ]);
    const before = h.reconciles();
    for (let i = 0; i < 200; i++) await h.beat(); // 20 s of heartbeat
    expect(h.reconciles()).toBe(before);
    // A miss or two below the degrade threshold is no event either.
    for (let i = 0; i < 3; i++) await h.beat({ [a]: ['mgmt'] });
    await h.beat();
    expect(h.reconciles()).toBe(before);
    // The periodic resync (30 s) is the only other work.
    await h.advance(CONFIG.resyncPeriodMs);
    expect(h.reconciles() - before).toBe(2);
  });

  it('one network lost: degraded with 200.005 at the threshold, available and cleared when it answers again', async () => {
    const a = await h.worker('worker-0');
    h.connect('worker-0', a);
    await h.engine.start();
    await h.advance(200);
    for (let i = 0; i < CONFIG.thresholds.degrade; i++) await h.beat({ [a]: ['mgmt'] });
    expect(await h.state(a)).toBe('unlocked-enabled-degraded');
    expect(await h.alarms()).toEqual(['200.005 host=worker-0.network=mgmt']);
    const atDegrade = h.reconciles();
    for (let i = 0; i < 20; i++) await h.beat({ [a]: ['mgmt'] }); // still lost: no new event
    expect(h.reconciles()).toBe(atDegrade);
    await h.beat();
    expect(await h.state(a)).toBe('unlocked-enabled-available');
    expect(await h.alarms()).toEqual([]);
  });

  it('heartbeat lost everywhere: failed with 200.004, reboot asked after the commit; the answer moves recovery on; back → recovered', async () => {
    const a = await h.worker('worker-0');
    h.connect('worker-0', a);
    await h.engine.start();
    await h.advance(200);
    for (let i = 0; i < CONFIG.thresholds.failure; i++) await h.beat({ [a]: ['mgmt', 'cluster-host'] });
    expect(await h.state(a)).toBe('unlocked-disabled-failed');
    expect(await h.alarms()).toContain('200.004 host=worker-0');
    const wf = await findWorkflow(h.db, a);
    expect(wf).toMatchObject({ kind: 'recovery', step: 'recovery-await-reboot' });
    const reboot = h.lastCommand('worker-0');
    expect(reboot).toMatchObject({ command: 'reboot', id: wf!.pending });
    await h.engine.commandResult(reboot.id!, { ok: true });
    await h.engine.idle();
    expect(await findWorkflow(h.db, a)).toMatchObject({ step: 'recovery-booting' });
    // The host comes back: its agent reconnects and heartbeat answers; go-enabled tests pass.
    h.connect('worker-0', a);
    await h.engine.idle();
    await h.beat();
    const test = h.lastCommand('worker-0');
    expect(test.command).toBe('goenabled');
    await h.engine.commandResult(test.id!, { ok: true });
    await h.engine.idle();
    expect(await h.state(a)).toBe('unlocked-enabled-available');
    expect(await findWorkflow(h.db, a)).toBeUndefined();
    expect(await h.alarms()).toEqual([]);
  });

  it('a step waiting for an answer runs again at its timeout, not on a poll: an unanswered unlock falls back to locked', async () => {
    const a = await h.worker('worker-0', { administrative: 'locked', operational: 'disabled', availability: 'online' });
    h.connect('worker-0', a);
    await h.engine.start();
    await h.advance(200);
    await h.db.tx((q) => hostStatePort.lock(q, a).then(() => h.engine.startAction(q, a, 'unlock', 'Unlocking')));
    await h.engine.idle();
    expect(h.commands('worker-0')).toEqual(['apply-config']);
    const before = h.reconciles();
    await h.advance(CONFIG.timers.ackTimeoutMs * 5 - 10);
    expect(h.reconciles()).toBe(before);
    await h.advance(20);
    // The timeout's run, then one steady-state look at the host the ended workflow hands back.
    expect(h.reconciles()).toBe(before + 2);
    expect(await h.state(a)).toBe('locked-disabled-online');
    expect(await findWorkflow(h.db, a)).toBeUndefined();
  });

  it('a controller restart loses no answer: one stored before the restart moves the step on after it', async () => {
    const a = await h.worker('worker-0', { administrative: 'locked', operational: 'disabled', availability: 'online' });
    h.connect('worker-0', a);
    await h.engine.start();
    await h.advance(200);
    await h.db.tx((q) => hostStatePort.lock(q, a).then(() => h.engine.startAction(q, a, 'unlock', 'Unlocking')));
    await h.engine.idle();
    const applyConfig = h.lastCommand('worker-0');
    expect(applyConfig.command).toBe('apply-config');
    // The controller stops; the agent's answer is stored as it arrives (the route awaits it).
    await h.engine.stop();
    await h.engine.commandResult(applyConfig.id!, { ok: true });
    await h.restart();
    // The new engine goes on from the stored answer: the reboot is asked, the unlock has not failed.
    expect(h.lastCommand('worker-0').command).toBe('reboot');
    expect(await findWorkflow(h.db, a)).toMatchObject({ kind: 'unlock', step: 'await-reboot-ack' });
    expect(await h.state(a)).toBe('unlocked-disabled-online');
    // An answer to a command no workflow waits for (late, or forged) is not stored.
    await h.engine.commandResult(applyConfig.id!, { ok: true });
    await h.engine.commandResult(randomUUID(), { ok: true });
    const stored = await h.db.query('SELECT command_id FROM host_command_results');
    expect(stored.rows).toEqual([]);
  });

  it('lost update: an operator’s lock committed while a recovery was due is neither overwritten nor undone', async () => {
    const a = await h.worker('worker-0');
    h.connect('worker-0', a);
    await h.engine.start();
    await h.advance(200);
    // The operator's transaction holds the host's row while it decides to lock it.
    let release!: () => void;
    const decided = new Promise<void>((r) => (release = r));
    let holding!: () => void;
    const held = new Promise<void>((r) => (holding = r));
    const operator = h.db.tx(async (q) => {
      await hostStatePort.lock(q, a);
      holding();
      await decided;
      await h.engine.startAction(q, a, 'lock', 'Locking');
    });
    await held;
    // Meanwhile heartbeat is lost on every network: the engine's reconcile of the host is due (a
    // failure and its recovery) and waits for the operator's row lock.
    for (let i = 0; i < CONFIG.thresholds.failure; i++) {
      h.clock.advance(CONFIG.heartbeatPeriodMs);
      h.engine.observe(
        h.targets.map((t) => ({ hostId: t.hostId, network: t.network, answered: false })),
      );
    }
    const waiting = async () =>
      (
        await h.db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
      ).rows[0]!.n;
    for (let i = 0; i < 100 && (await waiting()) === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await waiting()).toBe(1);
    release();
    await operator;
    await h.engine.idle();
    // The lock stands: no recovery was written over it, no reboot asked, no failure alarm.
    expect(await findWorkflow(h.db, a)).toMatchObject({ kind: 'lock', step: 'await-lock' });
    expect(h.commands('worker-0')).toEqual(['lock']);
    expect(await h.alarms()).not.toContain('200.004 host=worker-0');
    await h.engine.commandResult(h.lastCommand('worker-0').id!, { ok: true });
    await h.engine.idle();
    expect(await h.state(a)).toMatch(/^locked-disabled-/);
    expect(await findWorkflow(h.db, a)).toBeUndefined();
  });

  it('lost update at the write: a recovery planned from a snapshot taken before the lock is refused by the compare', async () => {
    const a = await h.worker('worker-0');
    await h.db.tx((q) => hostStatePort.lock(q, a).then(() => h.engine.startAction(q, a, 'lock', 'Locking')));
    const host = { hostname: 'worker-0', administrative: 'unlocked', operational: 'enabled', availability: 'available', hasBmc: false, onlyController: false } as const;
    const recovery = failHost(host, 'heartbeat lost', T0);
    const w = await h.db.tx((q) => writeWorkflowStep(q, a, null, recovery.workflow, recovery.host));
    expect(w.written).toBe(false);
    expect(await findWorkflow(h.db, a)).toMatchObject({ kind: 'lock' });
    expect(await h.state(a)).toBe('unlocked-enabled-available');
  });
});
