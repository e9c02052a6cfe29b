// Leases: work that exactly one of the controller processes sharing a database must do (send the
// SNMP traps, later run maintenance and orchestration), held as a PostgreSQL session advisory
// lock on a connection of the lease's own. The holder runs the work; when its process or its
// connection dies, the server ends the session and releases the lock, and another process's
// next try takes it.
//
// The holder checks its session every `checkMs` and steps down when the check fails, so two
// holders can overlap by at most that long when a holder loses the database without dying.

import pg from 'pg';
import type { Logger } from '../common/log.ts';

/** Advisory locks of leases are (LEASE_CLASS, lease id) pairs; migrations lock a single bigint. */
const LEASE_CLASS = 0x5354524c; // 'STRL'

/** Every lease of the platform, with its lock id (never reuse an id for another lease; 2 was the
 *  unsharded dcmanager audit's). */
export const LEASES = { 'snmp-traps': 1 } as const;
/** Sharded leases (ShardLeases): shard k's lock id is base × 65,536 + k; the members' lock
 *  base × 65,536 + 65,535. Never reuse a base for another lease, nor one of LEASES' ids. */
export const SHARDED_LEASES = { 'dcmanager-audit-shard': 3 } as const;
export type ShardedLeaseName = keyof typeof SHARDED_LEASES;
export type LeaseName = keyof typeof LEASES;

export interface LeaseOptions {
  /** Runs when this process takes the lease; the lease counts as held once it resolves. */
  onAcquire: () => Promise<void>;
  /** Runs when this process loses or gives up the lease. */
  onLose: () => Promise<void>;
  /** Between tries while another process holds it, and between checks while held. */
  intervalMs?: number;
}

export class Lease {
  private client: pg.Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private holding = false;
  private stopped = false;
  private running: Promise<void> = Promise.resolve();

  constructor(
    readonly name: LeaseName,
    private readonly url: string,
    private readonly log: Logger,
    private readonly opts: LeaseOptions,
  ) {}

  /** Whether this process holds the lease now. */
  get held(): boolean {
    return this.holding;
  }

  /** Makes the first try (resolved once it is made), then keeps trying or checking. */
  start(): Promise<void> {
    return this.step();
  }

  /** Gives the lease up (onLose runs if it was held) and closes its connection. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    if (this.holding) await this.lose('stopping');
    await this.client?.end().catch(() => undefined);
    this.client = undefined;
  }

  /** One try (or check), run one at a time, then the next is scheduled. */
  private step(): Promise<void> {
    this.running = this.running
      .then(() => (this.stopped ? undefined : this.holding ? this.check() : this.tryAcquire()))
      .catch((e: unknown) => this.log.error({ err: e, lease: this.name }, 'lease step failed'))
      .finally(() => {
        if (!this.stopped)
          this.timer = setTimeout(() => void this.step(), this.opts.intervalMs ?? 1000).unref();
      });
    return this.running;
  }

  private async tryAcquire(): Promise<void> {
    try {
      this.client ??= await this.connect();
      const r = await this.client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [
        LEASE_CLASS,
        LEASES[this.name],
      ]);
      if (!r.rows[0]?.ok) return;
    } catch (e) {
      this.log.warn({ err: e, lease: this.name }, 'lease: could not reach the database');
      await this.drop();
      return;
    }
    this.holding = true;
    this.log.info({ lease: this.name }, 'lease taken: this controller does the work');
    try {
      await this.opts.onAcquire();
    } catch (e) {
      // Work it cannot start is work another process should do.
      this.log.error({ err: e, lease: this.name }, 'lease: the work did not start; giving the lease up');
      await this.lose('the work did not start');
      await this.drop();
    }
  }

  private async check(): Promise<void> {
    try {
      await this.client!.query('SELECT 1');
    } catch (e) {
      this.log.warn({ err: e, lease: this.name }, 'lease: lost the database session');
      await this.lose('lost the database session');
      await this.drop();
    }
  }

  private async lose(why: string): Promise<void> {
    this.holding = false;
    this.log.info({ lease: this.name, why }, 'lease given up');
    await this.opts
      .onLose()
      .catch((e: unknown) => this.log.error({ err: e, lease: this.name }, 'lease: stopping the work failed'));
    // A live session still holds the lock: release it, so another process can take it at once.
    await this.client
      ?.query('SELECT pg_advisory_unlock($1, $2)', [LEASE_CLASS, LEASES[this.name]])
      .catch(() => undefined);
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.url,
      application_name: `starling lease ${this.name}`,
    });
    client.on('error', (e) => this.log.warn({ err: e, lease: this.name }, 'lease connection error'));
    await client.connect();
    return client;
  }

  /** Forgets the connection (a new one is made at the next try). */
  private async drop(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => undefined);
  }
}

export interface ShardLeaseOptions {
  /** Shards 0 … count-1 (at most 65,535). */
  count: number;
  /** Runs when this process takes a shard; it counts as held once it resolves. */
  onAcquire: (shard: number) => Promise<void>;
  /** Runs when this process gives a shard up or loses it; the lock is released after it resolves. */
  onLose: (shard: number) => Promise<void>;
  /** Between steps (take, give back, check). */
  intervalMs?: number;
}

/**
 * Work split into shards shared by the processes on one database, each shard a session advisory
 * lock, all of a process's on one connection of its own. Every process also holds the members'
 * lock (shared), so each counts the live members in pg_locks and holds its fair share —
 * ceil(shards / members): a process that holds more gives the extra back, one that holds fewer
 * takes free ones. A second process thus ends with half the shards, and when a process dies its
 * session ends, its locks go and the others take its shards at their next step. PostgreSQL is the
 * only coordinator.
 */
export class ShardLeases {
  private client: pg.Client | undefined;
  private member = false;
  private readonly holding = new Set<number>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private running: Promise<void> = Promise.resolve();
  /** Live members at the last step (for health and the benchmark). */
  members = 0;

  constructor(
    readonly name: ShardedLeaseName,
    private readonly url: string,
    private readonly log: Logger,
    private readonly opts: ShardLeaseOptions,
  ) {
    if (!Number.isInteger(opts.count) || opts.count < 1 || opts.count > 65_535) throw new RangeError('shard count must be 1 … 65535');
  }

  /** The shards held now. */
  get held(): number[] {
    return [...this.holding].sort((a, b) => a - b);
  }

  /** The held shards as lease names (`name/k`). */
  heldNames(): string[] {
    return this.held.map((k) => `${this.name}/${k}`);
  }

  /** Makes the first step (resolved once made), then keeps stepping. */
  start(): Promise<void> {
    return this.step();
  }

  /** Gives every shard up (onLose for each) and closes the connection. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    await this.loseAll('stopping');
    await this.drop();
  }

  private lockId(shard: number): number {
    return SHARDED_LEASES[this.name] * 65_536 + shard;
  }

  private step(): Promise<void> {
    this.running = this.running
      .then(() => (this.stopped ? undefined : this.balance()))
      .catch((e: unknown) => this.log.error({ err: e, lease: this.name }, 'shard lease step failed'))
      .finally(() => {
        if (!this.stopped) this.timer = setTimeout(() => void this.step(), this.opts.intervalMs ?? 1000).unref();
      });
    return this.running;
  }

  private async balance(): Promise<void> {
    let members: number;
    try {
      this.client ??= await this.connect();
      if (!this.member) {
        await this.client.query('SELECT pg_advisory_lock_shared($1, $2)', [LEASE_CLASS, this.lockId(65_535)]);
        this.member = true;
      }
      // The count is also the session check: a failed query means the locks may be gone.
      const r = await this.client.query<{ n: number }>(
        `SELECT count(DISTINCT pid)::int AS n FROM pg_locks
          WHERE locktype = 'advisory' AND classid = $1::int8::oid AND objid = $2::int8::oid AND objsubid = 2 AND granted`,
        [LEASE_CLASS, this.lockId(65_535)],
      );
      members = Math.max(1, r.rows[0]?.n ?? 1);
    } catch (e) {
      this.log.warn({ err: e, lease: this.name }, 'shard lease: lost the database session');
      await this.loseAll('lost the database session');
      await this.drop();
      return;
    }
    this.members = members;
    const fair = Math.ceil(this.opts.count / members);
    // More than a fair share: the highest shards go back, for the others to take.
    for (const shard of this.held.slice(fair).reverse()) await this.lose(shard, 'another member takes it');
    if (this.holding.size >= fair) return;
    // Fewer: free shards taken, starting at a random one so members do not all try the same.
    const from = Math.floor(Math.random() * this.opts.count);
    for (let i = 0; i < this.opts.count && this.holding.size < fair && !this.stopped; i++) {
      const shard = (from + i) % this.opts.count;
      if (this.holding.has(shard)) continue;
      const ok = (await this.client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [LEASE_CLASS, this.lockId(shard)])).rows[0]?.ok;
      if (!ok) continue;
      this.holding.add(shard);
      try {
        await this.opts.onAcquire(shard);
        this.log.info({ lease: this.name, shard, members }, 'shard taken');
      } catch (e) {
        this.log.error({ err: e, lease: this.name, shard }, 'shard lease: the work did not start; giving the shard up');
        await this.lose(shard, 'the work did not start');
      }
    }
  }

  private async lose(shard: number, why: string): Promise<void> {
    if (!this.holding.delete(shard)) return;
    this.log.info({ lease: this.name, shard, why }, 'shard given up');
    await this.opts.onLose(shard).catch((e: unknown) => this.log.error({ err: e, lease: this.name, shard }, 'shard lease: stopping the work failed'));
    await this.client?.query('SELECT pg_advisory_unlock($1, $2)', [LEASE_CLASS, this.lockId(shard)]).catch(() => undefined);
  }

  private async loseAll(why: string): Promise<void> {
    for (const shard of this.held) await this.lose(shard, why);
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.url, application_name: `starling lease ${this.name}` });
    client.on('error', (e) => this.log.warn({ err: e, lease: this.name }, 'shard lease connection error'));
    await client.connect();
    return client;
  }

  private async drop(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    this.member = false;
    await c?.end().catch(() => undefined);
  }
}
