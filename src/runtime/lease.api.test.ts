// Leases between processes sharing a database: one holder at a time; the other takes over when the
// holder stops, and when the holder's database session is killed (as when its host dies or is cut
// off), the holder steps down and the other takes the lease.

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../common/log.ts';
import { freshDatabase, type TestDatabase } from '../../test/support/site.ts';
import { Lease, ShardLeases } from './lease.ts';

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

  describe('shard leases', () => {
    const member = (name: string, events: string[], count = 6) =>
      new ShardLeases('dcmanager-audit-shard', database.url, silentLogger, {
        count,
        onAcquire: async (k) => void events.push(`${name} +${k}`),
        onLose: async (k) => void events.push(`${name} -${k}`),
        intervalMs: 100,
      });
    const disjointAndComplete = (...held: number[][]) => expect(held.flat().sort()).toEqual([0, 1, 2, 3, 4, 5]);

    it('one member holds every shard; a second takes half, a third a third; the others take a stopped member’s', async () => {
      const events: string[] = [];
      const a = member('a', events);
      const b = member('b', events);
      const c = member('c', events);
      try {
        await a.start();
        expect(a.held).toEqual([0, 1, 2, 3, 4, 5]);
        await b.start();
        await until('three each', () => a.held.length === 3 && b.held.length === 3);
        disjointAndComplete(a.held, b.held);
        await c.start();
        await until('two each', () => a.held.length === 2 && b.held.length === 2 && c.held.length === 2);
        disjointAndComplete(a.held, b.held, c.held);
        expect(a.members).toBe(3);
        // A shard is given up (its work stopped) before another member starts it.
        const moved = events.filter((e) => e.startsWith('a -')).map((e) => e.slice(3));
        for (const k of moved) expect(events.indexOf(`a -${k}`)).toBeLessThan(events.findIndex((e) => / \+/.test(e) && e.endsWith(`+${k}`) && !e.startsWith('a')));
        await a.stop();
        await until('three each again', () => b.held.length === 3 && c.held.length === 3);
        disjointAndComplete(b.held, c.held);
      } finally {
        await Promise.all([a.stop(), b.stop(), c.stop()]);
      }
    });

    it("a member whose session is killed gives its shards up, and the other takes them", async () => {
      const events: string[] = [];
      const a = member('a', events);
      const b = member('b', events);
      try {
        await a.start();
        await b.start();
        await until('three each', () => a.held.length === 3 && b.held.length === 3);
        // a already gave 3 shards up to b: count only what it gives up once its session is gone.
        const givenUp = () => events.filter((e) => e.startsWith('a -')).length;
        const before = givenUp();
        const admin = new pg.Client({ connectionString: database.url });
        await admin.connect();
        try {
          const pid = (await admin.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE application_name = 'starling lease dcmanager-audit-shard' AND datname = current_database() ORDER BY backend_start LIMIT 1")).rows[0]!.pid;
          await admin.query('SELECT pg_terminate_backend($1)', [pid]);
        } finally {
          await admin.end();
        }
        // The killed one (a, the first connected) stops its work, then rejoins: three each again.
        await until('a to give its shards up', () => givenUp() === before + 3);
        await until('three each again', () => a.held.length === 3 && b.held.length === 3);
        disjointAndComplete(a.held, b.held);
      } finally {
        await Promise.all([a.stop(), b.stop()]);
      }
    });
  });
});
