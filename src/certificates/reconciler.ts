// The certificate expiry monitor: a reconciler on the runtime's work queue (one key: the site's
// certificates). Each run compares the alarms the installed certificates call for now with the
// active ones, raises and clears the difference, and comes back at the next threshold a
// certificate crosses (or after the check period). An install or uninstall runs it at once.

import type { Clock } from '../common/clock.ts';
import type { Logger } from '../common/log.ts';
import { WorkQueue, requeueAfter, type Scheduler } from '../runtime/index.ts';
import { CERT_ALARM_IDS, CERT_ENTITY_PREFIX, certificateAlarms, nextCheckMs, type CertificateAlarm, type WatchedCertificate } from './domain/expiry.ts';

export interface CertificateAlarms {
  raise(a: CertificateAlarm): Promise<unknown>;
  clear(alarmId: string, entity: string): Promise<unknown>;
  active(entity: string, alarmIds: readonly string[]): Promise<{ alarm_id: string; entity_instance_id: string }[]>;
}

export interface ExpiryMonitorDeps {
  certificates: () => Promise<WatchedCertificate[]>;
  alarms: CertificateAlarms;
  clock: Clock;
  log: Logger;
  scheduler?: Scheduler;
}

const KEY = 'certificates';

export class CertificateExpiryMonitor {
  private readonly queue: WorkQueue<typeof KEY>;

  constructor(
    private readonly deps: ExpiryMonitorDeps,
    private readonly o: { warningDays: number; periodMs: number },
  ) {
    this.queue = new WorkQueue<typeof KEY>({
      reconcile: () => this.reconcile(),
      concurrency: 1,
      backoff: { initialMs: 1000, maxMs: 60_000 },
      ...(deps.scheduler === undefined ? {} : { scheduler: deps.scheduler }),
      onError: (_k, e, retryInMs) => deps.log.warn({ err: e, retryInMs }, 'certificate expiry check failed'),
    });
  }

  start(): void {
    this.queue.add(KEY);
  }

  /** A certificate was installed or uninstalled: check now. */
  changed(): void {
    this.queue.add(KEY);
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  stop(): Promise<void> {
    return this.queue.stop();
  }

  private async reconcile() {
    const certs = await this.deps.certificates();
    const now = this.deps.clock.now();
    const desired = certificateAlarms(certs, now, this.o.warningDays);
    const wanted = new Set(desired.map((a) => `${a.alarm_id} ${a.entity_instance_id}`));
    for (const a of desired) await this.deps.alarms.raise(a);
    for (const a of await this.deps.alarms.active(CERT_ENTITY_PREFIX, CERT_ALARM_IDS)) {
      if (!wanted.has(`${a.alarm_id} ${a.entity_instance_id}`)) await this.deps.alarms.clear(a.alarm_id, a.entity_instance_id);
    }
    return requeueAfter(nextCheckMs(certs, now, this.o.warningDays, this.o.periodMs));
  }
}
