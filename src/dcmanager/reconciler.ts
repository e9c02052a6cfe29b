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
import type { SubcloudEndpoint, SubcloudProbe } from './subcloud-client.ts';
import type { EndpointType } from './domain/subcloud.ts';
import type { EndpointSync } from './endpoint-sync.ts';

export interface AuditOptions {
  intervalMs: number;
  timeoutMs: number;
  concurrency: number;
  offlineThreshold: number;
}

export interface AuditDeps {
  service: DcManagerService;
  probe: SubcloudProbe;
  alarms: Pick<AlarmPort, 'raise' | 'clear'>;
  log: Logger;
  scheduler?: Scheduler;
  /** dcorch's sync of managed online subclouds, one per endpoint type (endpoint-sync.ts); none = no sync. */
  syncs?: readonly EndpointSync[];
}

export const OUT_OF_SYNC_ALARM = '280.002';

export const OFFLINE_ALARM = '280.001';

export class SubcloudAuditor {
  private readonly queue: WorkQueue<string>;
  private readonly scheduler: Scheduler;
  /** Subclouds this process has seen: the refresh adds new ones, forgets deleted ones. */
  private readonly known = new Set<number>();
  /** Subclouds whose 280.001 this process has set to match their availability since it started. */
  private readonly alarmConfirmed = new Set<number>();
  private readonly inFlight = new Set<AbortController>();
  private refreshTimer: Cancel | undefined;
  private stopped = false;
  /** Audits finished since start (for tests and the benchmark). */
  audits = 0;

  constructor(
    private readonly deps: AuditDeps,
    private readonly o: AuditOptions,
  ) {
    this.scheduler = deps.scheduler ?? realScheduler;
    this.queue = new WorkQueue<string>({
      reconcile: (key) => this.reconcile(Number(key)),
      concurrency: o.concurrency,
      backoff: { initialMs: 1000, maxMs: o.intervalMs },
      scheduler: this.scheduler,
      onError: (key, error) => deps.log.warn({ err: error, subcloud: key }, 'subcloud audit failed; retrying'),
    });
  }

  /** Audits every subcloud now, then each every interval; new subclouds are found each interval. */
  async start(): Promise<void> {
    this.deps.service.onSubcloudChange((id) => this.touch(id));
    await this.refresh();
  }

  /** A subcloud changed (added, managed…): audit it now. */
  touch(id: number): void {
    if (this.stopped) return;
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
    for (const a of this.inFlight) a.abort();
    await this.queue.stop();
  }

  private async refresh(): Promise<void> {
    if (this.stopped) return;
    try {
      const ids = new Set(await this.deps.service.subcloudIds());
      for (const id of ids) if (!this.known.has(id)) this.touch(id);
      for (const id of [...this.known]) {
        if (ids.has(id)) continue;
        this.known.delete(id);
        this.alarmConfirmed.delete(id);
        this.queue.forget(String(id));
      }
    } catch (e) {
      this.deps.log.warn({ err: e }, 'could not list the subclouds to audit');
    }
    if (!this.stopped) this.refreshTimer = this.scheduler.after(this.o.intervalMs, () => void this.refresh());
  }

  private async reconcile(id: number): Promise<ReconcileResult> {
    const target = await this.deps.service.auditTarget(id);
    if (!target) {
      this.known.delete(id);
      this.alarmConfirmed.delete(id);
      return done;
    }
    // A site still being deployed is not audited yet (every site added here is deployed).
    if (target.deploy_status !== DEPLOY_COMPLETE) return requeueAfter(this.o.intervalMs);
    const obs = await this.observe(target);
    const d = await this.deps.service.recordAudit(id, obs, this.o.offlineThreshold);
    this.audits++;
    if (!d) return done;
    if (d.changed) this.deps.log.info({ subcloud: d.name, availability: d.availability_status, error: d.last_audit_error }, 'subcloud availability changed');
    // After a restart the alarm is set once to match (a clear of an online subcloud); afterwards
    // only on a change, so a steady audit writes no alarms.
    const entity = `subcloud=${d.name}`;
    if (d.alarm === 'raise') {
      await this.deps.alarms.raise({ alarm_id: OFFLINE_ALARM, entity_instance_id: entity, severity: 'critical', reason_text: `Subcloud ${d.name} is offline` });
    } else if (d.alarm === 'clear' || (!this.alarmConfirmed.has(id) && d.availability_status === 'online')) {
      await this.deps.alarms.clear(OFFLINE_ALARM, entity);
    }
    this.alarmConfirmed.add(id);
    // Only a subcloud that answered this audit is synced: one still online after a first miss is
    // not tried (its sync would only time out and show it out-of-sync).
    if (obs.ok && d.availability_status === 'online' && target.management_state === 'managed') {
      for (const sync of this.deps.syncs ?? []) await this.syncEndpoint(target, sync);
    }
    return requeueAfter(this.o.intervalMs);
  }

  /** The endpoint types synchronised; the others have nothing to synchronise yet (shown in-sync). */
  private get synced(): EndpointType[] {
    return (this.deps.syncs ?? []).map((s) => s.endpoint);
  }

  /**
   * dcorch's sync of one endpoint type: the subcloud compared with the system controller (drift =
   * out-of-sync with 280.002 `subcloud=<name>.resource=<endpoint>`), then made equal (in-sync,
   * alarm cleared). A subcloud that cannot be read or changed stays out-of-sync until it can.
   */
  private async syncEndpoint(t: SubcloudEndpoint & { id: number }, sync: EndpointSync): Promise<void> {
    /** False when the subcloud is gone or no longer managed (nothing is pushed to it then). */
    const record = async (status: 'in-sync' | 'out-of-sync'): Promise<boolean> => {
      const r = await this.deps.service.recordSync(t.id, sync.endpoint, status, this.synced);
      if (!r) return false;
      if (!r.changed) return true;
      const entity = `subcloud=${r.name}.resource=${sync.endpoint}`;
      if (status === 'out-of-sync') {
        await this.deps.alarms.raise({ alarm_id: OUT_OF_SYNC_ALARM, entity_instance_id: entity, severity: 'major', reason_text: `Subcloud ${r.name} ${sync.endpoint} is out-of-sync` });
      } else await this.deps.alarms.clear(OUT_OF_SYNC_ALARM, entity);
      return true;
    };
    try {
      await this.bounded((signal) => sync.sync(t, signal, () => record('out-of-sync')));
      await record('in-sync');
    } catch (e) {
      this.deps.log.warn({ err: e, subcloud: t.id, endpoint: sync.endpoint }, 'subcloud sync failed');
      await record('out-of-sync');
    }
  }

  private async observe(t: SubcloudEndpoint): Promise<AuditObservation> {
    try {
      return { ok: true, alarms: await this.bounded((signal) => this.deps.probe(t, signal)) };
    } catch (e) {
      return { ok: false, error: (e as Error).message ?? String(e) };
    }
  }

  /** Runs `fn` against a subcloud within the audit timeout (on the injected scheduler); its HTTP
   *  requests are aborted when the time is up or the auditor stops. */
  private async bounded<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const abort = new AbortController();
    this.inFlight.add(abort);
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
