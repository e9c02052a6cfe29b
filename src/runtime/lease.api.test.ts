// Leases between processes sharing a database: one holder at a time; the other takes over when the
// holder stops, and when the holder's database session is killed (as when its host dies or is cut
// off), the holder steps down and the other takes the lease.

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../common/log.ts';
import { freshDatabase, type TestDatabase } from '../../test/support/site.ts';
import { Lease } from './lease.ts';

async function until(what: string, done: () => boolean, ms = 5000): Promise<void> {
  for (const t0 = Date.now(); !done(); await new Promise((r) => setTimeout(r, 50))) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
  }
}

describe('leases (PostgreSQL advisory locks)', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await freshDatabase();
  });
  afterAll(async () => database?.drop());

  /** A lease as a controller process holds it, with the log of its work starting and stopping. */
  const holder = (name: string, events: string[]) =>
    new Lease('snmp-traps', database.url, silentLogger, {
      onAcquire: async () => void events.push(`${name} starts`),
      onLose: async () => void events.push(`${name} stops`),
      intervalMs: 100,
    });

  it('one holder at a time; the other takes over when it stops', async () => {
    const events: string[] = [];
    const a = holder('a', events);
    const b = holder('b', events);
    await a.start();
    await b.start();
    expect([a.held, b.held]).toEqual([true, false]);
    await new Promise((r) => setTimeout(r, 300)); // b keeps trying, and keeps failing
    expect([a.held, b.held]).toEqual([true, false]);
    await a.stop();
    await until('b to take the lease', () => b.held);
    await b.stop();
    expect(events).toEqual(['a starts', 'a stops', 'b starts', 'b stops']);
  });

  it('a holder whose session is killed steps down, and the other takes the lease', async () => {
    const events: string[] = [];
    const a = holder('a', events);
    const b = holder('b', events);
    await a.start();
    await b.start();
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      // The backend holding the lock: the session of a's lease (the only one holding an advisory lock).
      const killed = await admin.query(
        `SELECT pg_terminate_backend(l.pid) AS ok FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      );
      expect(killed.rows).toEqual([{ ok: true }]);
      await until('a to step down and b to take the lease', () => !a.held && b.held);
      // a learns of its lost session only at its next check, so b may start first: the lease
      // allows that overlap (a's session, and with it a's lock, is already gone). Each happens once.
      expect(events[0]).toBe('a starts');
      expect([...events].sort()).toEqual(['a starts', 'a stops', 'b starts']);
    } finally {
      await admin.end();
      await a.stop();
      await b.stop();
    }
  });
});
