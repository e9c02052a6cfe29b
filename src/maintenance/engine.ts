// The maintenance engine (StarlingX mtcAgent + hbsAgent + hwmond) in the controller: pulses every
// host on each of its networks, turns misses into degraded/failed hosts and alarms, runs the
// persisted action and recovery workflows, and acts through the agents' channels and the BMCs.

import { randomUUID } from 'node:crypto';
import type { Clock } from '../common/clock.ts';
import type { Logger } from '../common/log.ts';
import type { Sealer } from '../common/sealed.ts';
import type { Db, Queryable } from '../db/index.ts';
import type { AgentCommand, AgentRegistry } from '../agentlink/index.ts';
import type { AlarmPort } from '../fault/index.ts';
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
import { hostNetworkKeys, type HbNetworkKeys } from '../agentlink/heartbeat/index.ts';
import type { BmcTarget } from './bmc/index.ts';
import {
  activeMaintenanceAlarms,
  findBmc,
  findWorkflow,
  hostConfigRows,
  listHbEndpoints,
  listMtceHosts,
  listWorkflows,
  patchHostState,
  replaceHbEndpoints,
  saveWorkflow,
  writeWorkflowStep,
  type HbEndpointRow,
  type MtceHostRow,
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
}

export const MAINTENANCE_DEFAULTS: MaintenanceConfig = {
  heartbeatPeriodMs: 100,
  thresholds: HB_DEFAULTS,
  timers: MTCE_DEFAULTS,
  redfishScheme: 'https',
  bmcTimeoutMs: 10_000,
  sensorPeriodMs: 60_000,
};

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
}

const SENSOR_AUDIT_CONCURRENCY = 8;
/** StarlingX waits for a host's mtcAlive before heartbeating it; we wait for its agent's channel,
 *  at most this long after the controller starts. */
const START_GRACE_MS = 30_000;
const clear200010 = (hostname: string): AlarmChange => ({
  op: 'clear',
  alarm_id: '200.010',
  entity: `host=${hostname}`,
});

export class MaintenanceEngine {
  private pulser: Pulser | undefined;
  private hb: HbSiteState = emptyHbState();
  private hosts = new Map<string, MtceHostRow>();
  private targets: HbTarget[] = [];
  /** Each host's heartbeat keys (host uuid → network → key), derived once. */
  private readonly hostKeys = new Map<string, HbNetworkKeys>();
  private workflows = new Map<string, Workflow>();
  private readonly results = new Map<string, CommandResult>();
  /** Alarms this engine believes active (alarm_id|entity), to send only changes. */
  private readonly active = new Set<string>();
  /** Hosts an agent reported a critical failure for (hostname → reason). */
  private readonly reportedFailures = new Map<string, string>();
  private timers: NodeJS.Timeout[] = [];
  private busy = false;
  private steadyBusy = false;
  private stopped = false;

  constructor(
    private readonly deps: MaintenanceDeps,
    private readonly config: MaintenanceConfig = MAINTENANCE_DEFAULTS,
  ) {}

  async start(): Promise<void> {
    const { log, agents } = this.deps;
    // Alarms already active (from before a restart) are known, so they clear.
    for (const a of await activeMaintenanceAlarms(this.deps.db))
      this.active.add(`${a.alarm_id}|${a.entity_instance_id}`);
    await this.refresh();
    this.pulser = await startPulser({
      ...(this.deps.heartbeatBind === undefined ? {} : { bind: this.deps.heartbeatBind }),
      periodMs: this.config.heartbeatPeriodMs,
      controller: this.deps.controllerName,
      log,
      onTick: (obs) => this.onHeartbeat(obs),
    });
    agents.onConnect((a) => this.greet(a.hostname, a.host_uuid));
    // Agents that connected while this engine was starting get their keys too.
    for (const a of agents.list()) this.greet(a.hostname, a.host_uuid);
    await this.refreshTargets();
    this.timers.push(
      setInterval(() => this.guard('refresh', () => this.refresh().then(() => this.refreshTargets())), 1000),
      setInterval(() => this.guard('workflows', () => this.runWorkflows()), 200),
    );
    if (this.config.sensorPeriodMs > 0)
      this.timers.push(
        setInterval(() => this.guard('sensors', () => this.auditSensors()), this.config.sensorPeriodMs),
      );
    for (const t of this.timers) t.unref();
    log.info({ periodMs: this.config.heartbeatPeriodMs, ...this.config.thresholds }, 'maintenance started');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    await this.pulser?.close();
    await Promise.all([...this.inFlight]);
  }

  /** The agent's answer to a command sent down its channel. */
  commandResult(id: string, result: CommandResult): void {
    // An answer that comes after its step timed out is not waited for any more.
    if (![...this.workflows.values()].some((w) => w.pending === id)) return;
    this.results.set(id, result);
    this.guard('workflows', () => this.runWorkflows());
  }

  /** An agent reports something maintenance acts on (a critical process that cannot be restored). */
  agentEvent(hostname: string, event: { type: 'critical-failure'; reason: string }): void {
    this.reportedFailures.set(hostname, event.reason);
    this.deps.log.warn({ host: hostname, reason: event.reason }, 'agent reported a critical failure');
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
    if (!(await saveWorkflow(q, hostUuid, newWorkflow(action, this.deps.clock.now().getTime()), existing ?? null)))
      throw new StarlingError('HOST_STATE_CONFLICT', 'the host changed meanwhile; try again', { field: '/action' });
    // StarlingX shows an unlocking host as unlocked-disabled at once (it then reboots into service);
    // a lock stays unlocked until it is done.
    await patchHostState(
      q,
      hostUuid,
      action === 'unlock' || action === 'force-unlock'
        ? { task, administrative: 'unlocked', operational: 'disabled' }
        : { task },
    );
    setImmediate(() => this.guard('workflows', () => this.runWorkflows()));
  }

  // --- internals ---------------------------------------------------------------------------------

  private readonly inFlight = new Set<Promise<void>>();

  /** Runs a step in the background, logging its failure; stop() waits for the running ones. */
  private guard(what: string, f: () => Promise<void>): void {
    if (this.stopped) return;
    const p = f()
      .catch((e: unknown) => this.deps.log.error({ err: e, what }, 'maintenance step failed'))
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  private async refresh(): Promise<void> {
    const rows = await listMtceHosts(this.deps.db);
    this.hosts = new Map(rows.map((h) => [h.uuid, h]));
    this.workflows = await listWorkflows(this.deps.db);
    for (const id of Object.keys(this.hb.hosts)) if (!this.hosts.has(id)) this.hb = forgetHost(this.hb, id);
  }

  private async refreshTargets(): Promise<void> {
    const targets: HbTarget[] = [];
    for (const e of await listHbEndpoints(this.deps.db)) {
      const h = this.hosts.get(e.host_uuid);
      // A powered-off host is not pulsed: it is not expected to answer.
      if (!h || h.availability === 'power-off' || h.hostname === null) continue;
      // Just after this controller started, a host is pulsed once its agent has connected (its
      // endpoints may be from before the restart); after the grace, every host is.
      const fresh = this.deps.agents.connectedSince(h.hostname) !== undefined || this.registered.has(h.uuid);
      if (!fresh && Date.now() - this.startedAt < START_GRACE_MS) continue;
      targets.push({
        hostId: e.host_uuid,
        network: e.network,
        address: e.address,
        port: e.port,
        key: this.keysOf(e.host_uuid)[e.network],
      });
    }
    for (const id of this.hostKeys.keys()) if (!this.hosts.has(id)) this.hostKeys.delete(id);
    for (const id of Object.keys(this.hb.hosts))
      if (!targets.some((t) => t.hostId === id)) this.hb = forgetHost(this.hb, id);
    this.targets = targets;
    this.pulser?.setTargets(targets);
  }

  private keysOf(hostUuid: string): HbNetworkKeys {
    let k = this.hostKeys.get(hostUuid);
    if (k === undefined) this.hostKeys.set(hostUuid, (k = hostNetworkKeys(this.deps.siteKey, hostUuid)));
    return k;
  }

  /** Sends an agent that just connected its own host's heartbeat keys (never the site key). */
  private greet(hostname: string, hostUuid: string): void {
    const keys = this.keysOf(hostUuid);
    this.deps.agents.send(hostname, 'heartbeat', {
      keys: Object.fromEntries(Object.entries(keys).map(([n, k]) => [n, k.toString('base64')])),
      period_ms: this.config.heartbeatPeriodMs,
    });
  }

  private onHeartbeat(obs: HbObservation[]): void {
    const { state, events } = hbTick(this.hb, obs, this.config.thresholds, this.deps.clock.now().getTime());
    this.hb = state;
    for (const e of events) {
      if (e.type === 'mnfa-enter' || e.type === 'mnfa-exit') {
        const names = e.hostIds.map((id) => this.hosts.get(id)?.hostname ?? id);
        this.deps.log.warn(
          { hosts: names },
          e.type === 'mnfa-enter'
            ? 'multi-node heartbeat failure: treated as a network event, failures held off'
            : 'multi-node failure event over',
        );
      }
    }
    this.guard('heartbeat', () => this.applySteadyState());
  }

  /** Hosts with no workflow converge on what their heartbeat says. */
  private async applySteadyState(): Promise<void> {
    if (this.steadyBusy) return;
    this.steadyBusy = true;
    try {
      await this.steadyPass();
    } finally {
      this.steadyBusy = false;
    }
  }

  private async steadyPass(): Promise<void> {
    for (const h of this.hosts.values()) {
      if (h.hostname === null || this.workflows.has(h.uuid)) continue;
      const view = this.hb.hosts[h.uuid];
      const d = steadyState(
        {
          hostname: h.hostname,
          administrative: h.administrative,
          operational: h.operational,
          availability: h.availability,
        },
        view,
        this.hb.mnfa.active,
      );
      if (view !== undefined) await this.syncLossAlarms(h.hostname, d.alarms);
      const reported = this.reportedFailures.get(h.hostname);
      if (reported !== undefined) this.reportedFailures.delete(h.hostname);
      const fail =
        d.fail ??
        (reported !== undefined && h.administrative === 'unlocked' && h.operational === 'enabled'
          ? reported
          : undefined);
      if (fail !== undefined) {
        await this.apply(h, null, failHost(this.wfHost(h), fail, this.deps.clock.now().getTime()));
      } else if (d.availability !== undefined) {
        await patchHostState(this.deps.db, h.uuid, { availability: d.availability });
        this.deps.log.info(
          { host: h.hostname, from: h.availability, to: d.availability },
          'host availability changed',
        );
        await this.logState(
          h.hostname,
          `${h.hostname} is now ${h.administrative}-${h.operational}-${d.availability}`,
        );
        h.availability = d.availability;
      }
    }
  }

  private async syncLossAlarms(
    hostname: string,
    want: { alarm_id: string; entity: string; reason: string }[],
  ): Promise<void> {
    const wanted = new Set(want.map((a) => `${a.alarm_id}|${a.entity}`));
    for (const a of want) {
      const key = `${a.alarm_id}|${a.entity}`;
      if (this.active.has(key)) continue;
      this.active.add(key);
      await this.alarm({
        op: 'raise',
        alarm_id: a.alarm_id,
        entity: a.entity,
        severity: 'major',
        reason: a.reason,
      });
    }
    for (const [net, id] of Object.entries(HB_LOSS_ALARM)) {
      const key = `${id}|host=${hostname}.network=${net}`;
      if (this.active.has(key) && !wanted.has(key)) {
        this.active.delete(key);
        await this.alarm({ op: 'clear', alarm_id: id, entity: `host=${hostname}.network=${net}` });
      }
    }
  }

  private wfHost(h: MtceHostRow): WfHost {
    const controllers = [...this.hosts.values()].filter(
      (x) => x.personality === 'controller' && x.administrative === 'unlocked' && x.operational === 'enabled',
    );
    return {
      hostname: h.hostname ?? h.uuid,
      administrative: h.administrative,
      operational: h.operational,
      availability: h.availability,
      hasBmc: h.bm_type !== 'none',
      onlyController:
        h.personality === 'controller' &&
        controllers.length <= 1 &&
        (controllers.length === 0 || controllers[0]?.uuid === h.uuid),
    };
  }

  private async runWorkflows(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      this.workflows = await listWorkflows(this.deps.db);
      for (const [uuid, wf] of this.workflows) {
        const h = this.hosts.get(uuid) ?? (await listMtceHosts(this.deps.db)).find((x) => x.uuid === uuid);
        if (!h) continue;
        const hostname = h.hostname ?? uuid;
        const since = this.deps.agents.connectedSince(hostname);
        const view = this.hb.hosts[uuid];
        const step = advance(
          this.wfHost(h),
          wf,
          {
            agentConnected: since !== undefined,
            agentConnectedAt: since ?? null,
            hb: view?.health ?? 'unknown',
            results: Object.fromEntries(this.results),
          },
          this.deps.clock.now().getTime(),
          this.config.timers,
          randomUUID,
        );
        if (step.workflow === wf) continue;
        // The answer the step waited for is consumed once the workflow moves on.
        if ((await this.apply(h, wf, step)) && wf.pending !== null) this.results.delete(wf.pending);
      }
    } finally {
      this.busy = false;
    }
  }

  /**
   * Writes a step planned from `from` (the workflow read, null if none) — workflow and host state in
   * one transaction, the host row locked as an operator's action locks it — then sends its commands
   * and alarms. When the stored workflow is no longer `from` (an operator's action committed since
   * the read), nothing is written or sent: the host is read again and planned again. False then.
   */
  private async apply(h: MtceHostRow, from: Workflow | null, step: StepResult): Promise<boolean> {
    const hostname = h.hostname ?? h.uuid;
    const w = await this.deps.db.tx((q) => writeWorkflowStep(q, h.uuid, from, step.workflow, step.host));
    if (!w.written) {
      // Re-read: the next pass plans from what is stored (a deleted host is dropped at refresh).
      if (w.host !== undefined) {
        Object.assign(h, w.host);
        if (w.workflow === undefined) this.workflows.delete(h.uuid);
        else this.workflows.set(h.uuid, w.workflow);
      }
      this.deps.log.info(
        { host: hostname, planned: step.workflow?.kind ?? 'end', stored: w.workflow?.kind ?? 'none' },
        'maintenance step not written: the host changed meanwhile; planning again',
      );
      setImmediate(() => this.guard('workflows', () => this.runWorkflows()));
      return false;
    }
    Object.assign(h, step.host);
    if (step.workflow === null) {
      this.workflows.delete(h.uuid);
      // A failure the agent reported while the workflow ran is settled by it (the go-enabled test
      // checks the host's processes again).
      this.reportedFailures.delete(hostname);
    } else this.workflows.set(h.uuid, step.workflow);
    if (step.note !== undefined) {
      this.deps.log.info(
        { host: hostname, workflow: step.workflow?.kind, step: step.workflow?.step, note: step.note },
        'maintenance',
      );
      await this.logState(hostname, `${hostname}: ${step.note}`);
    }
    for (const a of step.alarms) await this.alarm(a);
    for (const c of step.commands) await this.send(h, c);
    return true;
  }

  private async send(h: MtceHostRow, c: WfCommand): Promise<void> {
    const hostname = h.hostname ?? h.uuid;
    if (c.to === 'agent') {
      const command: AgentCommand =
        c.command === 'apply-config'
          ? {
              id: c.id,
              command: c.command,
              host: { hostname, personality: h.personality, ...(await hostConfigRows(this.deps.db, h.uuid)) },
            }
          : { id: c.id, command: c.command };
      const sent = this.deps.agents.sendCommand(hostname, command);
      if (!sent) this.results.set(c.id, { ok: false, error: 'the agent is not connected' });
      return;
    }
    this.guard('bmc', () =>
      this.bmc(h, c.op).then(
        () => void this.results.set(c.id, { ok: true }),
        (e: unknown) =>
          void this.results.set(c.id, { ok: false, error: e instanceof Error ? e.message : String(e) }),
      ),
    );
  }

  private async bmcTarget(h: MtceHostRow): Promise<BmcTarget> {
    const b = await findBmc(this.deps.db, h.uuid);
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
  private async bmc(h: MtceHostRow, op: 'reset' | 'cycle' | 'on' | 'off'): Promise<void> {
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
        this.active.add(`${a.alarm_id}|${a.entity}`);
      } else {
        await this.deps.alarms.clear(a.alarm_id, a.entity);
        this.active.delete(`${a.alarm_id}|${a.entity}`);
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
  private sensorsBusy = false;
  private readonly startedAt = Date.now();
  /** Hosts whose agent registered its heartbeat endpoints since this controller started. */
  private readonly registered = new Set<string>();

  /** Stores where a host answers heartbeat (its agent's registration, in the caller's transaction). */
  async saveEndpoints(
    q: Queryable,
    hostUuid: string,
    endpoints: Omit<HbEndpointRow, 'host_uuid'>[],
  ): Promise<void> {
    await replaceHbEndpoints(q, hostUuid, endpoints);
    this.registered.add(hostUuid);
  }

  private async auditSensors(): Promise<void> {
    // One audit at a time; within it, a few BMCs at once (an unreachable one costs its timeout).
    if (this.sensorsBusy) return;
    this.sensorsBusy = true;
    try {
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

  private async auditHostSensors(h: MtceHostRow): Promise<void> {
    if (h.hostname === null) return;
    const bmcAlarm = `200.010|host=${h.hostname}`;
    try {
      const { connectBmc } = await import('./bmc/index.ts'); // loaded on first use, not at start-up
      const driver = await connectBmc(await this.bmcTarget(h), {
        timeoutMs: this.config.bmcTimeoutMs,
        allowSelfSigned: true,
      });
      const sensors = await driver.sensors();
      if (this.active.has(bmcAlarm)) await this.alarm(clear200010(h.hostname));
      const bad = new Map(
        sensors
          .filter((x) => x.status === 'minor' || x.status === 'major' || x.status === 'critical')
          .map((x) => [`host=${h.hostname}.sensor=${x.name}`, x]),
      );
      for (const [entity, x] of bad) {
        await this.alarm({
          op: 'raise',
          alarm_id: '200.007',
          entity,
          severity: x.status as 'minor' | 'major' | 'critical',
          reason: `${h.hostname} sensor ${x.name} is out of tolerance: ${x.reading ?? '?'} ${x.units}`,
        });
      }
      for (const key of [...this.active]) {
        const [id, entity] = key.split('|') as [string, string];
        if (id === '200.007' && entity.startsWith(`host=${h.hostname}.sensor=`) && !bad.has(entity))
          await this.alarm({ op: 'clear', alarm_id: id, entity });
      }
    } catch (e) {
      if (!this.active.has(bmcAlarm)) {
        await this.alarm({
          op: 'raise',
          alarm_id: '200.010',
          entity: `host=${h.hostname}`,
          severity: 'warning',
          reason: `Access to the BMC of ${h.hostname} failed: ${e instanceof Error ? e.message : String(e)}`,
        });
      }
    }
  }
}
