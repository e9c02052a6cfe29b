// Time as a port for loops that wait: "now" and "call me in n ms". Engines get the real one;
// tests get a manual one that moves only when told, so a minute of backoff takes no wall time.

/** Cancels a scheduled call (harmless once it ran). */
export type Cancel = () => void;

export interface Scheduler {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` once, `ms` from now (at once for ms ≤ 0, but never synchronously). */
  after(ms: number, fn: () => void): Cancel;
}

/** setTimeout, unref'd: a pending retry never keeps the process alive. */
export const realScheduler: Scheduler = {
  now: () => Date.now(),
  after(ms, fn) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref();
    return () => clearTimeout(t);
  },
};

/** A scheduler whose time moves only through `advance`: due calls run in time order. */
export class ManualScheduler implements Scheduler {
  private t: number;
  private seq = 0;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  after(ms: number, fn: () => void): Cancel {
    const id = this.seq++;
    this.pending.set(id, { at: this.t + Math.max(0, ms), fn });
    return () => void this.pending.delete(id);
  }

  /** How many calls are waiting. */
  get waiting(): number {
    return this.pending.size;
  }

  /** When the earliest waiting call falls due, if any. */
  nextAt(): number | undefined {
    let at: number | undefined;
    for (const e of this.pending.values()) if (at === undefined || e.at < at) at = e.at;
    return at;
  }

  /** Moves time forward by `ms`, running each call that falls due, earliest (then oldest) first. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.pending)
        if (e[1].at <= end && (next === undefined || e[1].at < next[1].at)) next = e;
      if (next === undefined) break;
      this.pending.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
    }
    this.t = end;
  }
}
