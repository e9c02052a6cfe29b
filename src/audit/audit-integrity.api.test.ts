// The audit promise under attack: tokenless clients sending entries that cannot be stored as given
// (a NUL byte in the path, a claimed user name over 8 KB, a user name sent as a nested array)
// while an admin raises alarms. Every call the admin saw succeed has its entry; nothing stored
// carries a NUL; the poison calls are recorded too, sanitised.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { authBody, startSite, type TestSite } from '../../test/support/site.ts';

const RAISES = 200;
const POISONERS = 4;

describe('audit log integrity', () => {
  let site: TestSite;
  let admin: string;

  beforeAll(async () => {
    site = await startSite();
    admin = await site.token();
  });
  afterAll(async () => site?.stop());

  const poisonCalls: (() => Promise<unknown>)[] = [
    () => site.call('DELETE', '/v1/ihosts/%00'),
    async () => site.call('POST', '/v3/auth/tokens', { body: await authBody('x'.repeat(8200), 'wrong-password') }),
    async () => {
      const body = await authBody('nobody', 'wrong-password');
      (body.auth.identity.password.user as { name: unknown }).name = [[['a', ['b']]], { c: 1 }];
      return site.call('POST', '/v3/auth/tokens', { body });
    },
    () => site.call('POST', '/v1/alarms', { body: '{"alarm_id": "100.\\u0000"}' }),
  ];

  async function auditedRequestIds(): Promise<Set<string>> {
    const ids = new Set<string>();
    let url: string | null = '/v1/audit_logs?limit=1000';
    while (url !== null) {
      const r = await site.call('GET', url, { token: admin });
      expect(r.status).toBe(200);
      for (const e of r.body.audit_logs as { request_id: string }[]) ids.add(e.request_id);
      url = r.body.next as string | null;
    }
    return ids;
  }

  it('keeps an entry for every admin call answered 201 while tokenless clients send poison', async () => {
    let stop = false;
    const poisoners = Array.from({ length: POISONERS }, async (_, i) => {
      let n = 0;
      while (!stop) await poisonCalls[(i + n++) % poisonCalls.length]!();
    });
    const answered: string[] = [];
    const refused: number[] = [];
    try {
      await Promise.all(
        Array.from({ length: 10 }, async (_, worker) => {
          for (let i = worker; i < RAISES; i += 10) {
            const r = await site.call('POST', '/v1/alarms', {
              token: admin,
              body: { alarm_id: '100.101', entity_instance_id: `host=integrity-${i}`, severity: 'major' },
            });
            if (r.status === 201) answered.push(r.headers.get('x-openstack-request-id')!);
            else refused.push(r.status);
          }
        }),
      );
    } finally {
      stop = true;
      await Promise.all(poisoners);
    }
    const audited = await auditedRequestIds();
    const missing = answered.filter((id) => !audited.has(id));
    expect({ answered: answered.length, missing: missing.length, refused }).toEqual({ answered: RAISES, missing: 0, refused: [] });
  });

  it('records the poison calls themselves, sanitised: no NUL, bounded lengths, strings only', async () => {
    const before = await site.call('GET', '/v1/audit_logs?limit=1', { token: admin });
    const ids: string[] = [];
    for (const call of poisonCalls) {
      const r = (await call()) as { status: number; headers: Headers };
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
      ids.push(r.headers.get('x-openstack-request-id')!);
    }
    const after = await site.call('GET', `/v1/audit_logs?limit=1000`, { token: admin });
    const entries = (after.body.audit_logs as Record<string, unknown>[]).filter((e) => ids.includes(e.request_id as string));
    expect(entries.length).toBe(poisonCalls.length);
    for (const e of entries) {
      for (const v of Object.values(e)) {
        if (typeof v === 'string') {
          expect(v).not.toContain('\u0000');
          expect(v.length).toBeLessThanOrEqual(2048);
        }
      }
      expect(e.user_name === null || typeof e.user_name === 'string').toBe(true);
    }
    const deleteEntry = entries.find((e) => e.method === 'DELETE')!;
    expect(deleteEntry).toMatchObject({ status: 401, path: '/v1/ihosts/%00' });
    expect(before.status).toBe(200);
  });

  it('records calls refused before routing: a malformed path (400), an unknown path (404), an unsupported body type (415)', async () => {
    const notFound = await site.call('DELETE', '/v1/no-such-thing/1');
    expect(notFound.status).toBe(404);
    const media = await site.call('POST', '/v1/alarms', { token: admin, body: 'x', headers: { 'content-type': 'text/plain' } });
    expect(media.status).toBe(415);
    const badUrl = await site.call('DELETE', '/v1/ihosts/%zz');
    expect(badUrl.status).toBe(400);
    const all = await auditedRequestIds();
    expect(all.has(badUrl.headers.get('x-openstack-request-id')!)).toBe(true);
    expect(all.has(notFound.headers.get('x-openstack-request-id')!)).toBe(true);
    expect(all.has(media.headers.get('x-openstack-request-id')!)).toBe(true);
  });

  it('answers 503 AUDIT_UNAVAILABLE, without the token, when the entry of a successful login cannot be written', async () => {
    const made = await site.call('POST', '/v3/users', { token: admin, body: { user: { name: 'unrecordable', password: 'password-1' } } });
    expect(made.status).toBe(201);
    // The database refuses this one user's entries, as a full or failing audit table would.
    const c = new pg.Client({ connectionString: site.database.url });
    await c.connect();
    try {
      await c.query(`ALTER TABLE audit_log ADD CONSTRAINT test_refuse CHECK (user_name IS DISTINCT FROM 'unrecordable') NOT VALID`);
      const login = await site.call('POST', '/v3/auth/tokens', { body: await authBody('unrecordable', 'password-1') });
      expect(login.status).toBe(503);
      expect(login.body.error.error_code).toBe('AUDIT_UNAVAILABLE');
      expect(login.headers.get('x-subject-token')).toBeNull();
      expect(login.headers.get('x-openstack-request-id')).toBe(login.body.error.request_id);
      // Others' calls are still recorded and answered.
      const raise = await site.call('POST', '/v1/alarms', {
        token: admin,
        body: { alarm_id: '100.101', entity_instance_id: 'host=after-refusal', severity: 'major' },
      });
      expect(raise.status).toBe(201);
    } finally {
      await c.query('ALTER TABLE audit_log DROP CONSTRAINT IF EXISTS test_refuse');
      await c.end();
    }
  });
});
