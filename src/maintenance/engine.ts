// The maintenance engine (StarlingX mtcAgent + hbsAgent + hwmond) in the controller: pulses every
// host on each of its networks, turns misses into degraded/failed hosts and alarms, runs the
// persisted action and recovery workflows, and acts through the agents' channels and the BMCs.
//
// It is a reconciler on the runtime's keyed work queue, keyed by host: `reconcile(host)` locks
// the host's row, plans the next step with pure domain code (a workflow's `advance`, or the
// steady-state rules for a host without one), writes it with a compare on the workflow it was
// planned from, commits, and only then sends commands and alarms. Events add the host to the
// queue — a heartbeat state change, an agent connecting, a command's answer, an operator's
// action, an inventory change — and a step that waits on time asks to run again at its next
// timeout. A slow periodic resync is the safety net; between events an idle site costs nothing.

import { randomUUID } from 'node:crypto';
import type { Clock } from '../common/clock.ts';
import type { Logger } from '../common/log.ts';
import type { Sealer } from '../common/sealed.ts';
import type { Db, Queryable } from '../db/index.ts';
import type { AgentCommand, AgentRegistry } from '../agentlink/index.ts';
import type { AlarmPort } from '../fault/index.ts';
import { hostStatePort, type HostStatePort, type HostStateRow } from '../inventory/index.ts';
import {
  done,
  realScheduler,
  requeueAfter,
  WorkQueue,
  type Cancel,
  type ReconcileResult,
  type Scheduler,
} from '../runtime/index.ts';
import { StarlingError } from '../common/errors.ts';
import {
  HB_DEFAULTS,
  emptyHbState,
  forgetHost,
  hbTick,
  type HbObservation,
  type HbSiteState,
  type HbThresholds,
} from './domain/heartbeat.ts';
import {
  MTCE_DEFAULTS,
  advance,
  failHost,
  newWorkflow,
  nextCheckIn,
  type AlarmChange,
  type CommandResult,
  type MtceTimers,
  type StepResult,
  type WfCommand,
  type WfHost,
  type Workflow,
  type WorkflowKind,
} from './domain/workflow.ts';
import { HB_LOSS_ALARM, steadyState } from './domain/steady.ts';
import { startPulser, type HbTarget, type Pulser } from './heartbeat/pulser.ts';
import { hostNetworkKeys, pulseKeys, type HbNetworkKeys } from '../agentlink/heartbeat/index.ts';
import type { BmcTarget } from './bmc/index.ts';
import {
  commandResults,
  findWorkflow,
  listHbEndpoints,
  replaceHbEndpoints,
  saveCommandResult,
  saveWorkflow,
  writeLockedStep,
  type HbEndpointRow,
} from './repo.ts';

export interface MaintenanceConfig {
  heartbeatPeriodMs: number;
  thresholds: HbThresholds;
  timers: MtceTimers;
  /** Redfish BMCs are reached over https (real BMCs) or http (the lab's emulators). */
  redfishScheme: 'http' | 'https';
  bmcTimeoutMs: number;
  /** How often BMC sensors are read (StarlingX hwmond audits every 60 s-ish); 0 = never. */
  sensorPeriodMs: number;
  /** How often every host is reconciled even without an event (a safety net for a missed one). */
  resyncPeriodMs: number;
}

export const MAINTENANCE_DEFAULTS: MaintenanceConfig = {
  heartbeatPeriodMs: 100,
  thresholds: HB_DEFAULTS,
  timers: MTCE_DEFAULTS,
  redfishScheme: 'https',
  bmcTimeoutMs: 10_000,
  sensorPeriodMs: 60_000,
  resyncPeriodMs: 30_000,
};

/** How the engine pulses hosts: the UDP pulser worker; tests pass one they drive themselves. */
export type PulserFactory = (opts: {
  bind?: string;
  periodMs: number;
  controller: string;
  log: Logger;
  onTick: (obs: HbObservation[]) => void;
}) => Promise<Pulser>;

export interface MaintenanceDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  alarms: AlarmPort;
  agents: AgentRegistry;
  sealer: Sealer;
  /** The site's heartbeat key (32 bytes): each host's key for each network is derived from it
   *  (agentlink/heartbeat/keys.ts). It never leaves the controllers. */
  siteKey: Buffer;
  controllerName: string;
  /** The address the controller serves on (the API's bind address): heartbeat listens there. */
  heartbeatBind?: string;
  /** Time for the work queue's waits and the workflows' clocks (default: the real one, read
   *  through `clock`). */
  scheduler?: Scheduler;
  pulser?: PulserFactory;
  /** Inventory's host-state port (the only way to `ihosts`). */
  hostState?: HostStatePort;
}

/** Hosts reconciled at once (each holds a database connection for its transaction). */
const RECONCILE_CONCURRENCY = 4;
const SENSOR_AUDIT_CONCURRENCY = 8;
/** A step that stays where it is but says it is due now is looked at again after this long. */
const MIN_REQUEUE_MS = 100;
/** Events that change the pulser's targets (registrations, deletions) are gathered this long. */
const TARGETS_DEBOUNCE_MS = 100;
/** StarlingX waits for a host's mtcAlive before heartbeating it; we wait for its agent's channel,
 *  at most this long after the controller starts. */
const START_GRACE_MS = 30_000;
/** The alarms maintenance raises from heartbeat loss, by host. */
const LOSS_ALARMS = Object.values(HB_LOSS_ALARM);

/** What a reconcile decided inside its transaction, acted on after the commit. */
interface Plan {
  host: HostStateRow;
  /** The step written (a workflow's, or the recovery a failure starts). */
  step?: StepResult;
  /** The availability the steady-state rules wrote. */
  availability?: HostStateRow['availability'];
  /** Heartbeat-loss alarms that should be active (monitored hosts without a workflow). */
  lossAlarms?: { alarm_id: string; entity: string; reason: string }[];
  /** The workflow as it stands after the transaction. */
  workflow: Workflow | null;
}

export class MaintenanceEngine {
  private pulser: Pulser | undefined;
  private hb: HbSiteState = emptyHbState();
  /** The site's hosts as last read (names, availability): for targets, logs and statistics. */
  private hosts = new Map<string, HostStateRow>();
  private targets: HbTarget[] = [];
  /** Each host's heartbeat keys (host uuid → network → key), derived once. */
  private readonly hostKeys = new Map<string, HbNetworkKeys>();
  /** The site's pulse keys, one per network (every agent gets them). */
  private readonly pulseKeys: HbNetworkKeys;
  /** Hosts an agent reported a critical failure for (host uuid → reason), until reconciled. */
  private readonly reportedFailures = new Map<string, string>();
  /** Hosts whose agent registered its heartbeat endpoints since this controller started. */
  private readonly registered = new Set<string>();
  private readonly queue: WorkQueue<string>;
  private readonly scheduler: Scheduler;
  private readonly hostState: HostStatePort;
  private readonly timers: Cancel[] = [];
  private targetsTimer: Cancel | undefined;
  private startedAt = 0;
  private sensorsBusy = false;
  private stopped = false;
  private readonly background = new Set<Promise<void>>();

  constructor(
    private readonly deps: MaintenanceDeps,
    private readonly config: MaintenanceConfig = MAINTENANCE_DEFAULTS,
  ) {
    this.scheduler = deps.scheduler ?? { now: () => deps.clock.now().getTime(), after: (ms, fn) => realScheduler.after(ms, fn) };
    this.hostState = deps.hostState ?? hostStatePort;
    this.pulseKeys = pulseKeys(deps.siteKey);
    this.queue = new WorkQueue<string>({
      reconcile: (uuid) => this.reconcile(uuid),
      concurrency: RECONCILE_CONCURRENCY,
      backoff: { initialMs: 500, maxMs: 30_000 },
      scheduler: this.scheduler,
      onError: (uuid, err, retryInMs) =>
        deps.log.error({ err, host: this.nameOf(uuid), retryInMs }, 'maintenance step failed; retrying'),
      onTerminal: (uuid, err) => deps.log.error({ err, host: this.nameOf(uuid) }, 'maintenance step failed'),
    });
  }

  async start(): Promise<void> {
    const { log, agents } = this.deps;
    this.startedAt = this.scheduler.now();
    await this.refreshHosts();
    this.pulser = await (this.deps.pulser ?? startPulser)({
      ...(this.deps.heartbeatBind === undefined ? {} : { bind: this.deps.heartbeatBind }),
      periodMs: this.config.heartbeatPeriodMs,
      controller: this.deps.controllerName,
      pulseKeys: this.pulseKeys,
      report: 'changes',
      log,
      onTick: (obs) => this.observe(obs),
    });
    agents.onConnect((a) => {
      this.greet(a.hostname, a.host_uuid);
      // A connect is news for a workflow waiting for the agent, and may make the host a target.
      this.queue.add(a.host_uuid);
      this.refreshTargetsSoon();
    });
    // A lost channel is news too: a step waiting on the agent looks again (heartbeat covers the host).
    agents.onDisconnect((a) => this.queue.add(a.host_uuid));
    // Agents that connected while this engine was starting get their keys too.
    for (const a of agents.list()) this.greet(a.hostname, a.host_uuid);
    await this.refreshTargets();
    // Every host once now (workflows left by a previous controller go on), then at each resync.
    for (const uuid of this.hosts.keys()) this.queue.add(uuid);
    this.every(this.config.resyncPeriodMs, () => this.resync());
    // After the start grace, hosts whose agents never connected are pulsed too.
    this.timers.push(this.scheduler.after(START_GRACE_MS, () => this.refreshTargetsSoon()));
    if (this.config.sensorPeriodMs > 0) this.every(this.config.sensorPeriodMs, () => this.auditSensors());
    log.info({ periodMs: this.config.heartbeatPeriodMs, ...this.config.thresholds }, 'maintenance started');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const cancel of this.timers) cancel();
    this.targetsTimer?.();
    await this.queue.stop();
    await this.pulser?.close();
    while (this.background.size > 0) await Promise.all([...this.background]);
  }

  /** Resolves when no host is waiting to be reconciled or being reconciled (for tests). */
  async idle(): Promise<void> {
    for (;;) {
      await this.queue.idle();
      if (this.background.size === 0) return;
      await Promise.all([...this.background]);
    }
  }

  /** The agent's answer to a command sent down its channel: stored (if a workflow waits for it)
   *  before this resolves, then the host is reconciled. */
  async commandResult(id: string, result: CommandResult): Promise<void> {
    const host = await saveCommandResult(this.deps.db, id, result);
    // An answer that comes after its step timed out is not waited for any more.
    if (host !== undefined) this.queue.add(host);
  }

  /** An agent reports something maintenance acts on (a critical process that cannot be restored). */
  agentEvent(hostname: string, event: { type: 'critical-failure'; reason: string }): void {
    this.deps.log.warn({ host: hostname, reason: event.reason }, 'agent reported a critical failure');
    const uuid = [...this.hosts.values()].find((h) => h.hostname === hostname)?.uuid;
    if (uuid === undefined) return;
    this.reportedFailures.set(uuid, event.reason);
    this.queue.add(uuid);
  }

  /** Inventory changed these hosts (registered, updated, deleted): look at them again. */
  hostsChanged(uuids: readonly string[]): void {
    for (const uuid of uuids) this.queue.add(uuid);
    this.refreshTargetsSoon();
  }

  /** Heartbeat statistics (sent, answered, dropped forged/replayed packets). */
  async heartbeatStats(): Promise<Record<string, unknown>> {
    return {
      period_ms: this.config.heartbeatPeriodMs,
      ...this.config.thresholds,
      mnfa_active: this.hb.mnfa.active,
      listening: this.pulser?.listening() ?? [],
      ...(this.pulser ? await this.pulser.stats() : {}),
      hosts: Object.fromEntries(
        [...this.hosts.values()]
          .filter((h) => this.hb.hosts[h.uuid] !== undefined)
          .map((h) => [
            h.hostname ?? h.uuid,
            {
              ...this.hb.hosts[h.uuid],
              endpoints: this.targets
                .filter((t) => t.hostId === h.uuid)
                .map(({ network, address, port }) => ({ network, address, port })),
            },
          ]),
      ),
    };
  }

  /** Starts an operator's action inside the caller's transaction (the host row is locked by it). */
  async startAction(
    q: Queryable,
    hostUuid: string,
    action: WorkflowKind,
    task: string | null,
  ): Promise<void> {
    const existing = await findWorkflow(q, hostUuid, true);
    if (existing && existing.kind !== 'recovery') {
      throw new StarlingError(
        'HOST_STATE_CONFLICT',
        `the host is busy with ${existing.kind} (${existing.step})`,
        { field: '/action' },
      );
    }
    // An operator's lock ends an automatic recovery (StarlingX: lock, then unlock, to retry).
    if (existing && !action.includes('lock')) {
      throw new StarlingError(
        'HOST_STATE_CONFLICT',
        'the host is being recovered automatically; lock it to stop the recovery',
        { field: '/action' },
      );
    }
    // The caller locked the host row, as every maintenance step does: nothing moved since the read.
    if (!(await saveWorkflow(q, hostUuid, newWorkflow(action, this.scheduler.now()), existing ?? null)))
      throw new StarlingError('HOST_STATE_CONFLICT', 'the host changed meanwhile; try again', { field: '/action' });
    // StarlingX shows an unlocking host as unlocked-disabled at once (it then reboots into service);
    // a lock stays unlocked until it is done.
    await this.hostState.write(
      q,
      hostUuid,
      action === 'unlock' || action === 'force-unlock'
        ? { task, administrative: 'unlocked', operational: 'disabled' }
        : { task },
    );
    // Its first step runs once the caller commits: the reconcile waits for the host's row lock.
    this.queue.add(hostUuid);
  }

  /** Stores where a host answers heartbeat (its agent's registration, in the caller's transaction). */
  async saveEndpoints(
    q: Queryable,
    hostUuid: string,
    endpoints: Omit<HbEndpointRow, 'host_uuid'>[],
  ): Promise<void> {
    await replaceHbEndpoints(q, hostUuid, endpoints);
    this.registered.add(hostUuid);
    this.refreshTargetsSoon();
  }

  /** One heartbeat period's observations: only hosts whose heartbeat state changed are looked at. */
  observe(obs: HbObservation[]): void {
    const { state, events } = hbTick(this.hb, obs, this.config.thresholds, this.scheduler.now());
    this.hb = state;
    for (const e of events) {
      if (e.type === 'mnfa-enter' || e.type === 'mnfa-exit') {
        this.deps.log.warn(
          { hosts: e.hostIds.map((id) => this.nameOf(id)) },
          e.type === 'mnfa-enter'
            ? 'multi-node heartbeat failure: treated as a network event, failures held off'
            : 'multi-node failure event over',
        );
        for (const id of e.hostIds) this.queue.add(id);
      } else this.queue.add(e.hostId);
    }
  }

  // --- the reconcile loop ------------------------------------------------------------------------

  /** Makes one host agree with its workflow or its heartbeat, one step. */
  private async reconcile(uuid: string): Promise<ReconcileResult> {
    if (this.stopped) return done;
    const now = this.scheduler.now();
    const plan = await this.deps.db.tx((q) => this.plan(q, uuid, now));
    if (plan === undefined) {
      // The host is gone: forget it.
      this.forget(uuid);
      return done;
    }
    const before = this.hosts.get(uuid);
    const h = { ...plan.host, ...(plan.step?.host ?? {}), ...(plan.availability ? { availability: plan.availability } : {}) };
    this.hosts.set(uuid, h);
    if (before === undefined || (before.availability === 'power-off') !== (h.availability === 'power-off'))
      this.refreshTargetsSoon();
    await this.act(plan, h);
    // A workflow that just ended hands the host back to the steady-state rules (its heartbeat-loss
    // alarms, its availability): once more, now.
    if (plan.workflow === null) return plan.step !== undefined && plan.step.workflow === null ? requeueAfter(0) : done;
    const wait = nextCheckIn(plan.workflow, now, this.config.timers);
    if (wait === undefined) return done;
    return requeueAfter(plan.step === undefined ? Math.max(wait, MIN_REQUEUE_MS) : wait);
  }

  /** The transaction of a reconcile: the host's row locked, the next step planned and written. */
  private async plan(q: Queryable, uuid: string, now: number): Promise<Plan | undefined> {
    const host = await this.hostState.lock(q, uuid);
    if (host === undefined) return undefined;
    const wf = (await findWorkflow(q, uuid, true)) ?? null;
    const hostname = host.hostname ?? uuid;
    if (wf !== null) {
      const since = this.deps.agents.connectedSince(hostname);
      const step = advance(
        await this.wfHost(q, host),
        wf,
        {
          agentConnected: since !== undefined,
          agentConnectedAt: since ?? null,
          hb: this.hb.hosts[uuid]?.health ?? 'unknown',
          results: wf.pending === null ? {} : await commandResults(q, uuid),
        },
        now,
        this.config.timers,
        randomUUID,
      );
      if (step.workflow === wf) return { host, workflow: wf };
      // The host's row is locked: the compare holds unless something wrote without the lock.
      if (!(await writeLockedStep(q, uuid, wf, step.workflow, step.host)))
        throw new Error('the workflow changed under the host lock');
      // A failure the agent reported while the workflow ran is settled by it (the go-enabled test
      // checks the host's processes again).
      if (step.workflow === null) this.reportedFailures.delete(uuid);
      return { host, step, workflow: step.workflow };
    }
    if (host.hostname === null) return { host, workflow: null };
    const view = this.hb.hosts[uuid];
    const d = steadyState({ ...host, hostname: host.hostname }, view, this.hb.mnfa.active);
    const reported = this.reportedFailures.get(uuid);
    this.reportedFailures.delete(uuid);
    const fail =
      d.fail ??
      (reported !== undefined && host.administrative === 'unlocked' && host.operational === 'enabled'
        ? reported
        : undefined);
    const lossAlarms = view === undefined ? undefined : d.alarms;
    if (fail !== undefined) {
      const step = failHost(await this.wfHost(q, host), fail, now);
      if (!(await writeLockedStep(q, uuid, null, step.workflow, step.host)))
        throw new Error('a workflow appeared under the host lock');
      return { host, step, workflow: step.workflow, ...(lossAlarms ? { lossAlarms } : {}) };
    }
    if (d.availability !== undefined) await this.hostState.write(q, uuid, { availability: d.availability });
    return {
      host,
      workflow: null,
      ...(d.availability === undefined ? {} : { availability: d.availability }),
      ...(lossAlarms ? { lossAlarms } : {}),
    };
  }

  /** After the commit: what the plan said to tell the world (log, alarms, commands). */
  private async act(plan: Plan, h: HostStateRow): Promise<void> {
    const hostname = h.hostname ?? h.uuid;
    if (plan.lossAlarms !== undefined) await this.syncLossAlarms(hostname, plan.lossAlarms);
    if (plan.availability !== undefined) {
      this.deps.log.info(
        { host: hostname, from: plan.host.availability, to: plan.availability },
        'host availability changed',
      );
      await this.logState(hostname, `${hostname} is now ${h.administrative}-${h.operational}-${plan.availability}`);
    }
    const step = plan.step;
    if (step === undefined) return;
    if (step.note !== undefined) {
      this.deps.log.info(
        { host: hostname, workflow: step.workflow?.kind, step: step.workflow?.step, note: step.note },
        'maintenance',
      );
      await this.logState(hostname, `${hostname}: ${step.note}`);
    }
    for (const a of step.alarms) await this.alarm(a);
    for (const c of step.commands) await this.send(h, c);
  }

  /** The host as the workflows see it; whether it is the site's only enabled controller is read
   *  only for controllers. */
  private async wfHost(q: Queryable, h: HostStateRow): Promise<WfHost> {
    let onlyController = false;
    if (h.personality === 'controller') {
      const enabled = await this.hostState.enabledControllers(q);
      onlyController = enabled.length === 0 || (enabled.length === 1 && enabled[0] === h.uuid);
    }
    return {
      hostname: h.hostname ?? h.uuid,
      administrative: h.administrative,
      operational: h.operational,
      availability: h.availability,
      hasBmc: h.bm_type !== 'none',
      onlyController,
    };
  }

  /** Raises the heartbeat-loss alarms that should be active and clears the others, knowing what
   *  is active from fault management (so alarms raised before a restart clear too). */
  private async syncLossAlarms(
    hostname: string,
    want: { alarm_id: string; entity: string; reason: string }[],
  ): Promise<void> {
    const active = new Set(
      (await this.deps.alarms.active(`host=${hostname}`, LOSS_ALARMS)).map(
        (a) => `${a.alarm_id}|${a.entity_instance_id}`,
      ),
    );
    const wanted = new Set(want.map((a) => `${a.alarm_id}|${a.entity}`));
    for (const a of want) {
      if (active.has(`${a.alarm_id}|${a.entity}`)) continue;
      await this.alarm({ op: 'raise', alarm_id: a.alarm_id, entity: a.entity, severity: 'major', reason: a.reason });
    }
    for (const key of active) {
      if (wanted.has(key)) continue;
      const [alarm_id, entity] = key.split('|') as [string, string];
      await this.alarm({ op: 'clear', alarm_id, entity });
    }
  }

  private async send(h: HostStateRow, c: WfCommand): Promise<void> {
    const hostname = h.hostname ?? h.uuid;
    if (c.to === 'agent') {
      const command: AgentCommand =
        c.command === 'apply-config'
          ? {
              id: c.id,
              command: c.command,
              host: { hostname, personality: h.personality, ...(await this.hostState.config(this.deps.db, h.uuid)) },
            }
          : { id: c.id, command: c.command };
      const sent = this.deps.agents.sendCommand(hostname, command);
      if (!sent) await this.commandResult(c.id, { ok: false, error: 'the agent is not connected' });
      return;
    }
    // A BMC call may take its whole timeout: it runs beside the queue, its answer stored like an
    // agent's.
    this.inBackground(() =>
      this.bmc(h, c.op).then(
        () => this.commandResult(c.id, { ok: true }),
        (e: unknown) => this.commandResult(c.id, { ok: false, error: e instanceof Error ? e.message : String(e) }),
      ),
    );
  }

  // --- hosts, targets, keys ----------------------------------------------------------------------

  private async resync(): Promise<void> {
    await this.refreshHosts();
    await this.refreshTargets();
    for (const uuid of this.hosts.keys()) this.queue.add(uuid);
  }

  private async refreshHosts(): Promise<void> {
    const rows = await this.hostState.list(this.deps.db);
    this.hosts = new Map(rows.map((h) => [h.uuid, h]));
  }

  private forget(uuid: string): void {
    if (!this.hosts.delete(uuid)) return;
    this.queue.forget(uuid);
    this.hostKeys.delete(uuid);
    this.registered.delete(uuid);
    this.reportedFailures.delete(uuid);
    this.refreshTargetsSoon();
  }

  /** Targets change on rare events (a registration, a deletion, a power-off): gathered, then read. */
  private refreshTargetsSoon(): void {
    if (this.stopped || this.targetsTimer !== undefined) return;
    this.targetsTimer = this.scheduler.after(TARGETS_DEBOUNCE_MS, () => {
      this.targetsTimer = undefined;
      this.inBackground(async () => {
        await this.refreshHosts();
        await this.refreshTargets();
      });
    });
  }

  private async refreshTargets(): Promise<void> {
    const targets: HbTarget[] = [];
    const inGrace = this.scheduler.now() - this.startedAt < START_GRACE_MS;
    for (const e of await listHbEndpoints(this.deps.db)) {
      const h = this.hosts.get(e.host_uuid);
      // A powered-off host is not pulsed: it is not expected to answer.
      if (!h || h.availability === 'power-off' || h.hostname === null) continue;
      // Just after this controller started, a host is pulsed once its agent has connected (its
      // endpoints may be from before the restart); after the grace, every host is.
      const fresh = this.deps.agents.connectedSince(h.hostname) !== undefined || this.registered.has(h.uuid);
      if (!fresh && inGrace) continue;
      targets.push({
        hostId: e.host_uuid,
        network: e.network,
        address: e.address,
        port: e.port,
        hostname: h.hostname,
        key: this.keysOf(e.host_uuid)[e.network],
      });
    }
    for (const id of this.hostKeys.keys()) if (!this.hosts.has(id)) this.hostKeys.delete(id);
    const pulsed = new Set(targets.map((t) => t.hostId));
    for (const id of Object.keys(this.hb.hosts)) if (!pulsed.has(id)) this.hb = forgetHost(this.hb, id);
    if (this.stopped) return;
    this.targets = targets;
    this.pulser?.setTargets(targets);
  }

  private keysOf(hostUuid: string): HbNetworkKeys {
    let k = this.hostKeys.get(hostUuid);
    if (k === undefined) this.hostKeys.set(hostUuid, (k = hostNetworkKeys(this.deps.siteKey, hostUuid)));
    return k;
  }

  /** Sends an agent that just connected its own host's heartbeat keys and the site's pulse keys
   *  (never the site key). */
  private greet(hostname: string, hostUuid: string): void {
    const b64 = (keys: HbNetworkKeys) => Object.fromEntries(Object.entries(keys).map(([n, k]) => [n, k.toString('base64')]));
    this.deps.agents.send(hostname, 'heartbeat', {
      keys: b64(this.keysOf(hostUuid)),
      pulse_keys: b64(this.pulseKeys),
      period_ms: this.config.heartbeatPeriodMs,
    });
  }

  private nameOf(uuid: string): string {
    return this.hosts.get(uuid)?.hostname ?? uuid;
  }

  // --- effects -----------------------------------------------------------------------------------

  /** Runs `f` beside the queue (BMC calls, target refreshes), logging a failure; stop() waits. */
  private inBackground(f: () => Promise<void>): void {
    if (this.stopped) return;
    const p = f()
      .catch((err: unknown) => this.deps.log.error({ err }, 'maintenance background work failed'))
      .finally(() => this.background.delete(p));
    this.background.add(p);
  }

  /** Runs `f` every `ms` (one run at a time, the next `ms` after the last ended), until stop. */
  private every(ms: number, f: () => Promise<void>): void {
    let cancel: Cancel = () => undefined;
    const tick = (): void => {
      this.inBackground(() =>
        f().finally(() => {
          if (!this.stopped) cancel = this.scheduler.after(ms, tick);
        }),
      );
    };
    cancel = this.scheduler.after(ms, tick);
    this.timers.push(() => cancel());
  }

  private async bmcTarget(h: HostStateRow): Promise<BmcTarget> {
    const b = await this.hostState.bmc(this.deps.db, h.uuid);
    if (!b || b.bm_type === 'none' || b.bm_ip === null)
      throw new StarlingError('BMC_ERROR', `${h.hostname ?? h.uuid} has no BMC configured`);
    const ip = b.bm_ip.includes(':') ? `[${b.bm_ip}]` : b.bm_ip;
    return {
      type: b.bm_type,
      address: b.bm_type === 'redfish' ? `${this.config.redfishScheme}://${ip}` : ip,
      username: b.bm_username ?? '',
      password: b.bm_password_enc === null ? '' : this.deps.sealer.open(b.bm_password_enc),
    };
  }

  // Certificates: BMCs ship self-signed ones, and StarlingX's redfishtool calls do not verify
  // them either; the BMC password is the protection (and the BMC network should be private).
  private async bmc(h: HostStateRow, op: 'reset' | 'cycle' | 'on' | 'off'): Promise<void> {
    const { connectBmc } = await import('./bmc/index.ts');
    const driver = await connectBmc(await this.bmcTarget(h), {
      timeoutMs: this.config.bmcTimeoutMs,
      allowSelfSigned: true,
    });
    this.deps.log.info({ host: h.hostname, bmc: driver.type, op }, 'BMC power action');
    await driver.power(op);
  }

  private async alarm(a: AlarmChange): Promise<void> {
    try {
      if (a.op === 'raise') {
        await this.deps.alarms.raise({
          alarm_id: a.alarm_id,
          entity_instance_id: a.entity,
          severity: a.severity,
          reason_text: a.reason,
        });
      } else {
        await this.deps.alarms.clear(a.alarm_id, a.entity);
      }
    } catch (e) {
      this.deps.log.error({ err: e, alarm: a.alarm_id, entity: a.entity }, 'could not change an alarm');
    }
  }

  private async logState(hostname: string, text: string): Promise<void> {
    await this.deps.alarms
      .log({
        event_log_id: '200.022',
        entity_instance_id: `host=${hostname}`,
        severity: 'warning',
        reason_text: text,
      })
      .catch((e: unknown) => this.deps.log.warn({ err: e }, 'could not log a host state change'));
  }

  /** hwmond: reads each powered host's BMC sensors; out-of-tolerance sensors raise 200.007, an
   *  unreachable BMC raises 200.010 (a warning: the host itself may be fine). */
  private async auditSensors(): Promise<void> {
    // One audit at a time; within it, a few BMCs at once (an unreachable one costs its timeout).
    if (this.sensorsBusy) return;
    this.sensorsBusy = true;
    try {
      await this.refreshHosts(); // hosts added since (an audit is rare: one read)
      const hosts = [...this.hosts.values()].filter(
        (h) => h.hostname !== null && h.bm_type !== 'none' && h.availability !== 'power-off',
      );
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < hosts.length && !this.stopped) await this.auditHostSensors(hosts[next++]!);
      };
      await Promise.all(Array.from({ length: SENSOR_AUDIT_CONCURRENCY }, worker));
    } finally {
      this.sensorsBusy = false;
    }
  }

  private async auditHostSensors(h: HostStateRow): Promise<void> {
    if (h.hostname === null) return;
    const entity = `host=${h.hostname}`;
    const active = await this.deps.alarms.active(entity, ['200.007', '200.010']);
    const bmcAlarmActive = active.some((a) => a.alarm_id === '200.010' && a.entity_instance_id === entity);
    try {
      const { connectBmc } = await import('./bmc/index.ts'); // loaded on first use, not at start-up
      const driver = await connectBmc(await this.bmcTarget(h), {
        timeoutMs: this.config.bmcTimeoutMs,
        allowSelfSigned: true,
      });
      const sensors = await driver.sensors();
      if (bmcAlarmActive) await this.alarm({ op: 'clear', alarm_id: '200.010', entity });
      const bad = new Map(
        sensors
          .filter((x) => x.status === 'minor' || x.status === 'major' || x.status === 'critical')
          .map((x) => [`${entity}.sensor=${x.name}`, x]),
      );
      for (const [sensor, x] of bad) {
        await this.alarm({
          op: 'raise',
          alarm_id: '200.007',
          entity: sensor,
          severity: x.status as 'minor' | 'major' | 'critical',
          reason: `${h.hostname} sensor ${x.name} is out of tolerance: ${x.reading ?? '?'} ${x.units}`,
        });
      }
      for (const a of active)
        if (a.alarm_id === '200.007' && !bad.has(a.entity_instance_id))
          await this.alarm({ op: 'clear', alarm_id: '200.007', entity: a.entity_instance_id });
    } catch (e) {
      if (!bmcAlarmActive) {
        await this.alarm({
          op: 'raise',
          alarm_id: '200.010',
          entity,
          severity: 'warning',
          reason: `Access to the BMC of ${h.hostname} failed: ${e instanceof Error ? e.message : String(e)}`,
        });
      }
    }
  }
}
