// A keyed work queue for reconcilers (client-go's workqueue, in-process): keys, not events, are
// queued, so a burst of events for one key is one run; a key is run by one worker at a time; a key
// added while it runs is run once more afterwards (it may have missed the change); failures retry
// after a per-key exponential backoff; at most `concurrency` keys run at once; keys wait in one
// first-in first-out line, so a busy key goes to the back and cannot starve the others.

import { nextBackoff, type BackoffOptions } from './backoff.ts';
import type { ReconcileResult, Reconciler } from './reconciler.ts';
import { realScheduler, type Cancel, type Scheduler } from './scheduler.ts';

export interface WorkQueueOptions<K extends string> {
  reconcile: Reconciler<K>;
  /** Keys run at once (at most one run per key). */
  concurrency: number;
  /** Waits between retries of a failing key: initialMs after its first failure, growing to maxMs. */
  backoff: BackoffOptions;
  scheduler?: Scheduler;
  /** A run failed and will be retried after `retryInMs` (for the log). */
  onError?: (key: K, error: unknown, retryInMs: number) => void;
  /** A run failed for good: the key is not retried until it is added again (raise an alarm here). */
  onTerminal?: (key: K, error: unknown) => void;
}

export interface WorkQueueStats {
  /** Keys waiting for a worker. */
  ready: number;
  /** Keys running. */
  running: number;
  /** Keys with a run scheduled later (requeue or retry). */
  scheduled: number;
  /** Keys whose last run failed (their backoff is growing). */
  failing: number;
}

export class WorkQueue<K extends string> {
  private readonly scheduler: Scheduler;
  /** The line: each key at most once, in the order it became ready. */
  private readonly ready = new Set<K>();
  private readonly running = new Set<K>();
  /** Keys added while running: run again when the current run ends. */
  private readonly dirty = new Set<K>();
  private readonly timers = new Map<K, { at: number; cancel: Cancel }>();
  /** Each failing key's last wait (ms). */
  private readonly failures = new Map<K, number>();
  /** Keys forgotten while running: their run's result schedules nothing. */
  private readonly forgotten = new Set<K>();
  private readonly runs = new Set<Promise<void>>();
  private resyncs: { cancel: Cancel }[] = [];
  private idleWaiters: (() => void)[] = [];
  private stopped = false;

  constructor(private readonly o: WorkQueueOptions<K>) {
    if (!Number.isInteger(o.concurrency) || o.concurrency < 1)
      throw new RangeError('concurrency must be a positive integer');
    this.scheduler = o.scheduler ?? realScheduler;
  }

  /** The key should be looked at now. Adding a key already waiting does nothing. */
  add(key: K): void {
    if (this.stopped) return;
    if (this.running.has(key)) this.dirty.add(key);
    else if (!this.ready.has(key)) {
      this.ready.add(key);
      this.pump();
    }
  }

  /** The key should be looked at in `ms` (or sooner if it is already due sooner). */
  addAfter(key: K, ms: number): void {
    if (this.stopped) return;
    if (ms <= 0) return this.add(key);
    const at = this.scheduler.now() + ms;
    const t = this.timers.get(key);
    if (t !== undefined && t.at <= at) return;
    t?.cancel();
    this.timers.set(key, {
      at,
      cancel: this.scheduler.after(ms, () => {
        this.timers.delete(key);
        this.add(key);
      }),
    });
  }

  /** Forgets a key (its object is gone): no scheduled run, no backoff. A run in progress ends. */
  forget(key: K): void {
    this.ready.delete(key);
    this.dirty.delete(key);
    this.timers.get(key)?.cancel();
    this.timers.delete(key);
    this.failures.delete(key);
    if (this.running.has(key)) this.forgotten.add(key);
  }

  /**
   * Periodic resync: every `everyMs`, adds each key `keys()` returns (a safety net for a missed
   * event; the keys already waiting are not added twice).
   */
  resyncEvery(everyMs: number, keys: () => Iterable<K>): void {
    if (this.stopped) return;
    const timer = { cancel: (() => undefined) as Cancel };
    const tick = (): void => {
      if (this.stopped) return;
      for (const k of keys()) this.add(k);
      timer.cancel = this.scheduler.after(everyMs, tick);
    };
    timer.cancel = this.scheduler.after(everyMs, tick);
    this.resyncs.push(timer);
  }

  stats(): WorkQueueStats {
    return {
      ready: this.ready.size,
      running: this.running.size,
      scheduled: this.timers.size,
      failing: this.failures.size,
    };
  }

  /** Resolves when no key is waiting for a worker or running (scheduled ones may remain). */
  idle(): Promise<void> {
    if (this.ready.size === 0 && this.running.size === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Takes no more keys, drops scheduled runs, and waits for the running ones to end. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.ready.clear();
    this.dirty.clear();
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
    for (const r of this.resyncs) r.cancel();
    this.resyncs = [];
    while (this.runs.size > 0) await Promise.all([...this.runs]);
    this.settle();
  }

  private pump(): void {
    while (!this.stopped && this.running.size < this.o.concurrency && this.ready.size > 0) {
      const key = this.ready.values().next().value as K;
      this.ready.delete(key);
      this.running.add(key);
      // Whatever this run returns schedules what comes next: an earlier plan is void.
      this.timers.get(key)?.cancel();
      this.timers.delete(key);
      const run = this.run(key).finally(() => this.runs.delete(run));
      this.runs.add(run);
    }
    this.settle();
  }

  private async run(key: K): Promise<void> {
    let result: ReconcileResult;
    try {
      result = await this.o.reconcile(key);
    } catch (e) {
      result = { kind: 'error', error: e };
    }
    this.running.delete(key);
    if (!this.stopped && !this.forgotten.delete(key)) {
      try {
        this.after(key, result);
      } catch {
        // The owner's hook failed: the key's next run is scheduled all the same.
      }
    }
    if (this.dirty.delete(key)) this.add(key);
    this.pump();
  }

  private after(key: K, r: ReconcileResult): void {
    switch (r.kind) {
      case 'done':
        this.failures.delete(key);
        return;
      case 'requeue':
        this.failures.delete(key);
        return this.addAfter(key, r.afterMs);
      case 'error': {
        const wait = nextBackoff(this.failures.get(key) ?? 0, this.o.backoff);
        this.failures.set(key, wait);
        this.addAfter(key, wait);
        this.o.onError?.(key, r.error, wait);
        return;
      }
      case 'terminal':
        this.failures.delete(key);
        this.o.onTerminal?.(key, r.error);
        return;
    }
  }

  private settle(): void {
    if (this.ready.size > 0 || this.running.size > 0) return;
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const r of w) r();
  }
}
