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

/** Every lease of the platform, with its lock id (never reuse an id for another lease). */
export const LEASES = { 'snmp-traps': 1, 'dcmanager-audit': 2 } as const;
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
