// The database handle every repo uses: a pg pool, plain SQL, and one transaction per state change.

import pg from 'pg';
import { StarlingError } from '../common/errors.ts';

// int8 (bigint) counts and ids come back as JS numbers: ours stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

export type Row = Record<string, unknown>;

export interface Result<R> {
  rows: R[];
  rowCount: number | null;
}

/** Anything that runs SQL: the pool, or a client inside a transaction. */
export interface Queryable {
  query<R = Row>(sql: string, params?: unknown[]): Promise<Result<R>>;
}

export class Db implements Queryable {
  readonly pool: pg.Pool;
  /**
   * Is the database's storage (nearly) full now? Set for the embedded server, whose files are in
   * the data folder: a connection lost while it is full (PostgreSQL PANICs when it cannot write
   * its log) is then reported as STORAGE_FULL rather than DATABASE_UNAVAILABLE.
   */
  storageFull: (() => boolean) | undefined;

  /**
   * @param asyncCommit commit without waiting for the WAL flush (synchronous_commit=off): for
   *   high-rate, re-derivable writes only (alarms and events, see docs/adr/0003).
   */
  constructor(url: string, max = 10, asyncCommit = false) {
    this.pool = new pg.Pool({
      connectionString: url,
      max,
      idleTimeoutMillis: 30_000,
      // Parallel plans cost ~50 ms to start and help nothing on an edge controller's OLTP load.
      options: `-c max_parallel_workers_per_gather=0${asyncCommit ? ' -c synchronous_commit=off' : ''}`,
    });
    // An idle client losing its server (database restart) must not crash the controller.
    this.pool.on('error', () => undefined);
  }

  async query<R = Row>(sql: string, params?: unknown[]): Promise<Result<R>> {
    try {
      return await this.pool.query<R & pg.QueryResultRow>(sql, params);
    } catch (e) {
      throw this.mapError(e);
    }
  }

  /**
   * Runs a statement whose text never changes as a named prepared statement: each pool connection
   * parses and plans it once (for hot statements: planning the alarm write was two thirds of its
   * server time). One name, one text: a name reused with another text fails on the server.
   */
  async prepared<R = Row>(name: string, text: string, values: unknown[]): Promise<Result<R>> {
    try {
      return await this.pool.query<R & pg.QueryResultRow>({ name, text, values });
    } catch (e) {
      throw this.mapError(e);
    }
  }

  /** Runs `fn` in one transaction: all of its writes land, or none do. */
  async tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw this.mapError(e);
    }
    // A checked-out client has no listener of the pool's: a server lost mid-transaction must fail
    // the transaction's queries, not raise an unhandled 'error' event that ends the process.
    const onError = (): void => undefined;
    client.on('error', onError);
    const q: Queryable = {
      query: async <R = Row>(sql: string, params?: unknown[]) => {
        try {
          return await client.query<R & pg.QueryResultRow>(sql, params);
        } catch (e) {
          throw this.mapError(e);
        }
      },
    };
    try {
      await client.query('BEGIN');
      const result = await fn(q);
      await client.query('COMMIT');
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      // A failed COMMIT (disk full, server lost) is mapped like any statement's error.
      throw this.mapError(e);
    } finally {
      client.off('error', onError);
      client.release();
    }
  }

  private mapError(e: unknown): unknown {
    const mapped = mapPgError(e);
    if (mapped instanceof StarlingError && mapped.code === 'DATABASE_UNAVAILABLE' && this.storageFull?.()) {
      return new StarlingError('STORAGE_FULL', storageFullMessage, { cause: e });
    }
    return mapped;
  }

  /** Does the server answer `SELECT 1` within `timeoutMs`? For health checks: never throws. */
  async ping(timeoutMs = 1000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        this.pool.query('SELECT 1').then(() => true),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
      ]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

// Socket errors; admin_shutdown, crash_shutdown, cannot_connect_now; class 08 (connection exception).
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03']);
/** pg's own errors for a connection that went away (they carry no code). */
const CONNECTION_LOST = /Connection terminated|not queryable|connection error|Connection ended/i;
/** invalid text representation, numeric value out of range, character not in repertoire (NUL),
 *  datetime field overflow, invalid datetime format. */
const DATA_CODES = new Set(['22P02', '22003', '22021', '22008', '22007']);

const storageFullMessage =
  'the data folder is full: the change was not made; free space there (or grow it) and retry — reads still work';

/** Constraint violations and refused values become API errors; a full disk and connection loss
 *  become 503; the rest stays as is. */
export function mapPgError(e: unknown): unknown {
  if (e instanceof StarlingError || typeof e !== 'object' || e === null) return e;
  const err = e as { code?: string; constraint?: string; detail?: string; message?: string };
  // 53100 disk_full; a PANIC or I/O error naming ENOSPC (PostgreSQL could not write its log).
  if (err.code === '53100' || /No space left on device/i.test(err.message ?? '')) {
    return new StarlingError('STORAGE_FULL', storageFullMessage, { cause: e });
  }
  if (err.code === '23505') {
    return new StarlingError('CONFLICT', err.detail ?? 'already exists', {
      cause: e,
      details: { constraint: err.constraint },
    });
  }
  if (err.code === '23503') {
    return new StarlingError('CONFLICT', err.detail ?? 'the resource is referenced elsewhere', {
      cause: e,
      details: { constraint: err.constraint },
    });
  }
  if (err.code !== undefined && DATA_CODES.has(err.code)) {
    // A value the column type refuses (a non-uuid id, a number out of range, a NUL byte, a bad
    // time): the request's fault. The API names the field that held the value.
    return new StarlingError('VALIDATION_FAILED', `a value is invalid: ${err.message ?? err.code}`, { cause: e });
  }
  if (
    (err.code !== undefined && (CONNECTION_CODES.has(err.code) || err.code.startsWith('08'))) ||
    (err.code === undefined && CONNECTION_LOST.test(err.message ?? ''))
  ) {
    return new StarlingError('DATABASE_UNAVAILABLE', `database unavailable: ${err.message ?? err.code}`, {
      cause: e,
    });
  }
  return e;
}
