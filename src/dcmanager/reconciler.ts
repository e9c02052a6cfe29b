// The availability audit (dcmanager's subcloud audit) as a reconciler on the runtime's work
// queue: each subcloud is a key, audited every interval with at most `concurrency` at once and
// each audit bounded by a timeout, so thousands of subclouds, some dead or slow, never hold up
// the others. An audit reads the subcloud's alarm summary over its REST API; the service turns
// the observation into availability (offline after `offlineThreshold` misses) in one
// transaction; 280.001 is raised or cleared on the system controller after the commit.

import type { Logger } from '../common/log.ts';
import type { AlarmPort } from '../fault/index.ts';
import { WorkQueue, requeueAfter, done, realScheduler, type Cancel, type ReconcileResult, type Scheduler } from '../runtime/index.ts';
import type { AuditObservation } from './domain/audit.ts';
import { DEPLOY_COMPLETE } from './domain/subcloud.ts';
import type { DcManagerService } from './service.ts';
import type { SubcloudClient, SubcloudEndpoint, SubcloudProbe } from './subcloud-client.ts';
import { inSync, withoutUsers, type IdentitySnapshot } from '../identity/index.ts';
import { AGENT_USER } from '../common/version.ts';
import type { EndpointType } from './domain/subcloud.ts';

export interface AuditOptions {
  intervalMs: number;
  timeoutMs: number;
  concurrency: number;
  offlineThreshold: number;
  /** After a failed audit of an online subcloud, the next one (default: a quarter interval), so a
   *  dead subcloud is offline well within two intervals. */
  retryMs?: number;
  /**
   * The subclouds are split into `shards` by id (id mod shards). Unset: this auditor audits every
   * subcloud from start(). Set: it audits only the shards given to addShard (each a lease).
   */
  shards?: number;
}

export interface AuditDeps {
  service: DcManagerService;
  probe: SubcloudProbe;
  /** activeOfType: the active alarms with these ids (unset: the first audit clears regardless). */
  alarms: Pick<AlarmPort, 'raise' | 'clear'> & { activeOfType?: (alarmIds: readonly string[]) => Promise<{ entity_instance_id: string }[]> };
  log: Logger;
  scheduler?: Scheduler;
  /** dcorch's identity sync of managed online subclouds; unset = no sync. */
  sync?: IdentitySync;
}

/** What identity sync needs: the system controller's identity, and the subcloud's end. */
export interface IdentitySync {
  central: () => Promise<IdentitySnapshot>;
  client: Pick<SubcloudClient, 'getIdentity' | 'putIdentity'>;
}

/** The endpoint types synchronised; the others have nothing to synchronise yet. */
const SYNCED: readonly EndpointType[] = ['identity'];
/** Users never synchronised: each site's own agent service user. */
const SITE_USERS = [AGENT_USER];
export const OUT_OF_SYNC_ALARM = '280.002';

export const OFFLINE_ALARM = '280.001';

export class SubcloudAuditor {
  private readonly queue: WorkQueue<string>;
  private readonly scheduler: Scheduler;
  private readonly shardCount: number;
  /** The shards this auditor audits now. */
  private readonly owned = new Set<number>();
  /** Subclouds of the owned shards this auditor has seen: the refresh adds new ones, forgets deleted ones. */
  private readonly known = new Set<number>();
  /** Subclouds whose 280.001 this auditor has set to match their availability since it took them. */
  private readonly alarmConfirmed = new Set<number>();
  /** Subclouds with 280.001 raised when their shard was taken (read once per shard). */
  private readonly raisedAtTake = new Set<string>();
  /** Audits running, by subcloud: a shard given up waits for its own. */
  private readonly running = new Map<number, Promise<unknown>>();
  private readonly inFlight = new Map<AbortController, number>();
  private refreshTimer: Cancel | undefined;
  private stopped = false;
  private listening = false;
  /** Audits finished since start (for tests and the benchmark). */
  audits = 0;

  constructor(
    private readonly deps: AuditDeps,
    private readonly o: AuditOptions,
  ) {
    this.scheduler = deps.scheduler ?? realScheduler;
    this.shardCount = o.shards ?? 1;
    this.queue = new WorkQueue<string>({
      reconcile: (key) => this.track(Number(key)),
      concurrency: o.concurrency,
      backoff: { initialMs: 1000, maxMs: o.intervalMs },
      scheduler: this.scheduler,
      onError: (key, error) => deps.log.warn({ err: error, subcloud: key }, 'subcloud audit failed; retrying'),
    });
  }

  /** Starts watching for subcloud changes; unsharded, audits every subcloud now, then each every
   *  interval (new subclouds are found each interval). */
  async start(): Promise<void> {
    this.listen();
    if (this.o.shards === undefined) await this.addShard(0);
    this.refreshTimer ??= this.scheduler.after(this.o.intervalMs, () => void this.refresh());
  }

  private listen(): void {
    if (this.listening) return;
    this.listening = true;
    this.deps.service.onSubcloudChange((id) => this.touch(id));
  }

  /** The shards audited now. */
  shards(): number[] {
    return [...this.owned].sort((x, y) => x - y);
  }

  private owns(id: number): boolean {
    return this.owned.has(id % this.shardCount);
  }

  /**
   * Takes a shard: each of its subclouds is audited one interval after its last audit (whoever made
   * it), so a shard changing hands is not audited twice in an interval; never-audited ones now.
   */
  async addShard(shard: number): Promise<void> {
    if (this.stopped || this.owned.has(shard)) return;
    this.listen();
    this.owned.add(shard);
    const raised = (await this.deps.alarms.activeOfType?.([OFFLINE_ALARM])) ?? [];
    for (const a of raised) this.raisedAtTake.add(a.entity_instance_id);
    this.schedule(await this.deps.service.shardSchedule([shard], this.shardCount));
    this.refreshTimer ??= this.scheduler.after(this.o.intervalMs, () => void this.refresh());
  }

  /** Gives a shard up: resolves once none of its audits runs or will run here. */
  async removeShard(shard: number): Promise<void> {
    if (!this.owned.delete(shard)) return;
    const mine = (id: number): boolean => id % this.shardCount === shard;
    for (const id of [...this.known].filter(mine)) this.forgetSubcloud(id);
    for (const [abort, id] of this.inFlight) if (mine(id)) abort.abort();
    await Promise.all([...this.running].filter(([id]) => mine(id)).map(([, p]) => p.catch(() => undefined)));
  }

  private schedule(rows: { id: number; lastAuditAt: number | undefined }[]): void {
    const now = this.scheduler.now();
    for (const r of rows) {
      if (this.known.has(r.id) || !this.owns(r.id)) continue;
      this.known.add(r.id);
      this.queue.addAfter(String(r.id), r.lastAuditAt === undefined ? 0 : r.lastAuditAt + this.o.intervalMs - now);
    }
  }

  private forgetSubcloud(id: number): void {
    this.known.delete(id);
    this.alarmConfirmed.delete(id);
    this.queue.forget(String(id));
  }

  /** A subcloud changed (added, managed…): audit it now, if it is in a shard audited here. */
  touch(id: number): void {
    if (this.stopped || !this.owns(id)) return;
    this.known.add(id);
    this.queue.add(String(id));
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  stats(): ReturnType<WorkQueue<string>['stats']> {
    return this.queue.stats();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.refreshTimer?.();
    for (const a of this.inFlight.keys()) a.abort();
    await this.queue.stop();
    this.owned.clear();
  }

  private async refresh(): Promise<void> {
    if (this.stopped) return;
    try {
      const rows = await this.deps.service.shardSchedule(this.shards(), this.shardCount);
      this.schedule(rows);
      const ids = new Set(rows.map((r) => r.id));
      for (const id of [...this.known]) if (!ids.has(id) && this.owns(id)) this.forgetSubcloud(id);
    } catch (e) {
      this.deps.log.warn({ err: e }, 'could not list the subclouds to audit');
    }
    if (!this.stopped) this.refreshTimer = this.scheduler.after(this.o.intervalMs, () => void this.refresh());
  }

  private track(id: number): Promise<ReconcileResult> {
    const run = this.reconcile(id);
    this.running.set(id, run);
    return run.finally(() => this.running.delete(id));
  }

  private async reconcile(id: number): Promise<ReconcileResult> {
    if (!this.owns(id)) return done;
    const target = await this.deps.service.auditTarget(id);
    if (!target) {
      this.known.delete(id);
      this.alarmConfirmed.delete(id);
      return done;
    }
    // A site still being deployed is not audited yet (every site added here is deployed).
    if (target.deploy_status !== DEPLOY_COMPLETE) return requeueAfter(this.o.intervalMs);
    const obs = await this.observe(target);
    // The shard was given up meanwhile: its new holder audits it.
    if (!this.owns(id)) return done;
    const d = await this.deps.service.recordAudit(id, obs, this.o.offlineThreshold);
    this.audits++;
    if (!d) return done;
    if (d.changed) this.deps.log.info({ subcloud: d.name, availability: d.availability_status, error: d.last_audit_error }, 'subcloud availability changed');
    // Alarms change on a transition only; the first audit after the shard is taken clears a 280.001
    // left on a subcloud that is online (a holder that died between its commit and its clear).
    const entity = `subcloud=${d.name}`;
    const first = !this.alarmConfirmed.has(id);
    if (d.alarm === 'raise') {
      await this.deps.alarms.raise({ alarm_id: OFFLINE_ALARM, entity_instance_id: entity, severity: 'critical', reason_text: `Subcloud ${d.name} is offline` });
    } else if (d.alarm === 'clear' || (first && d.availability_status === 'online' && (this.raisedAtTake.has(entity) || !this.deps.alarms.activeOfType))) {
      await this.deps.alarms.clear(OFFLINE_ALARM, entity);
    }
    this.raisedAtTake.delete(entity);
    this.alarmConfirmed.add(id);
    if (this.deps.sync && d.availability_status === 'online' && d.management_state === 'managed' && this.owns(id)) await this.syncIdentity(target, this.deps.sync);
    const failing = !obs.ok && d.availability_status === 'online';
    return requeueAfter(failing ? (this.o.retryMs ?? this.o.intervalMs / 4) : this.o.intervalMs);
  }

  private centralCache: { at: number; snapshot: Promise<IdentitySnapshot> } | undefined;

  /** The system controller's identity, read at most once a second however many subclouds sync. */
  private central(sync: IdentitySync): Promise<IdentitySnapshot> {
    const now = this.scheduler.now();
    if (!this.centralCache || now - this.centralCache.at >= 1000) {
      const snapshot = sync.central();
      snapshot.catch(() => (this.centralCache = undefined));
      this.centralCache = { at: now, snapshot };
    }
    return this.centralCache.snapshot;
  }

  /**
   * dcorch's identity sync: the subcloud's identity compared with the system controller's
   * (drift = out-of-sync, 280.002), then made equal (in-sync, cleared). The subcloud's admin login
   * and agent user are left alone on both sides.
   */
  private async syncIdentity(t: SubcloudEndpoint & { id: number; admin_username: string }, sync: IdentitySync): Promise<void> {
    const exclude = [...SITE_USERS, t.admin_username];
    const record = async (status: 'in-sync' | 'out-of-sync'): Promise<void> => {
      const r = await this.deps.service.recordSync(t.id, 'identity', status, SYNCED);
      if (!r?.changed) return;
      const entity = `subcloud=${r.name}.resource=identity`;
      if (status === 'out-of-sync') {
        await this.deps.alarms.raise({ alarm_id: OUT_OF_SYNC_ALARM, entity_instance_id: entity, severity: 'major', reason_text: `Subcloud ${r.name} identity is out-of-sync` });
      } else await this.deps.alarms.clear(OUT_OF_SYNC_ALARM, entity);
    };
    try {
      const central = withoutUsers(await this.central(sync), exclude);
      await this.bounded(t.id, async (signal) => {
        const sub = await sync.client.getIdentity(t, exclude, signal);
        if (inSync(sub, central)) return;
        await record('out-of-sync');
        await sync.client.putIdentity(t, central, exclude, signal);
      });
      await record('in-sync');
    } catch (e) {
      this.deps.log.warn({ err: e, subcloud: t.id }, 'identity sync failed');
      await record('out-of-sync');
    }
  }

  private async observe(t: SubcloudEndpoint): Promise<AuditObservation> {
    try {
      return { ok: true, alarms: await this.bounded(t.id, (signal) => this.deps.probe(t, signal)) };
    } catch (e) {
      return { ok: false, error: (e as Error).message ?? String(e) };
    }
  }

  /** Runs `fn` against a subcloud within the audit timeout (on the injected scheduler); its HTTP
   *  requests are aborted when the time is up or the auditor stops. */
  private async bounded<T>(id: number, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const abort = new AbortController();
    this.inFlight.set(abort, id);
    let cancel: Cancel | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      cancel = this.scheduler.after(this.o.timeoutMs, () => {
        reject(new Error(`no answer within ${this.o.timeoutMs} ms`));
        abort.abort();
      });
      abort.signal.addEventListener('abort', () => reject(new Error('audit stopped')), { once: true });
    });
    try {
      return await Promise.race([fn(abort.signal), timedOut]);
    } finally {
      cancel?.();
      this.inFlight.delete(abort);
      timedOut.catch(() => undefined);
    }
  }
}
