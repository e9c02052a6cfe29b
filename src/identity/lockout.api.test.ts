// Password guessing as an attacker does it: a flood of wrong passwords, from sources of their own
// (loopback addresses 127.0.0.x, which Linux routes to this machine). The guessed user is locked
// (Keystone's 5 failures / 1800 s, StarlingX's values) and the lockout is in the event log; the
// admin, who cannot be locked, is protected by the per-source backoff instead and still logs in
// quickly from its own address while the flood goes on.

import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../common/clock.ts';
import { ADMIN_PASSWORD, authBody, startSite, type TestSite } from '../../test/support/site.ts';

interface Answer {
  status: number;
  body: any;
  headers: http.IncomingHttpHeaders;
  ms: number;
}

/** POST /v3/auth/tokens from a given local address. */
function login(url: string, from: string, body: unknown): Promise<Answer> {
  const started = performance.now();
  const data = JSON.stringify(body);
  const u = new URL('/v3/auth/tokens?nocatalog', url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      u,
      { method: 'POST', localAddress: from, agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined, headers: res.headers, ms: performance.now() - started });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/** `clients` loops of wrong-password logins from `from` until `untilMs` has passed or `count` answers came. */
async function flood(
  url: string,
  from: string,
  user: string,
  opts: { clients: number; count?: number; forMs?: number; into?: Answer[] },
): Promise<Answer[]> {
  const answers: Answer[] = opts.into ?? [];
  const end = performance.now() + (opts.forMs ?? 60_000);
  const body = await authBody(user, 'wrong-password');
  await Promise.all(
    Array.from({ length: opts.clients }, async () => {
      while (performance.now() < end && answers.length < (opts.count ?? Infinity)) answers.push(await login(url, from, body));
    }),
  );
  return answers;
}

const codes = (answers: Answer[]) => {
  const out: Record<string, number> = {};
  for (const a of answers) {
    const k = `${a.status} ${a.body?.error?.error_code ?? ''}`.trim();
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
};

describe('login lockout and per-source backoff', () => {
  let site: TestSite;
  let admin: string;
  const clock = new FakeClock(new Date());

  beforeAll(async () => {
    site = await startSite({ clock, adminPasswordCost: 'production' });
    admin = await site.token();
    const projectId = (await site.call('GET', '/v3/projects?name=admin', { token: admin })).body.projects[0].id;
    const reader = (await site.call('GET', '/v3/roles', { token: admin })).body.roles.find((r: { name: string }) => r.name === 'reader');
    for (const name of ['victim', 'bystander']) {
      const u = await site.call('POST', '/v3/users', { token: admin, body: { user: { name, password: 'right-password-1', default_project_id: projectId } } });
      expect(u.status).toBe(201);
      await site.call('PUT', `/v3/projects/${projectId}/users/${u.body.user.id}/roles/${reader.id}`, { token: admin });
    }
  });
  afterAll(async () => site?.stop());

  it('a flood of wrong passwords locks the user after 5; locked answers come before any hash (fast)', async () => {
    const answers = await flood(site.url, '127.0.0.2', 'victim', { clients: 4, count: 40 });
    const c = codes(answers);
    console.info('victim flood:', JSON.stringify(c));
    // Only the first failures reach the password check; the rest are refused outright.
    expect(c['401 AUTH_FAILED']).toBeGreaterThanOrEqual(5);
    expect(c['401 AUTH_FAILED']).toBeLessThanOrEqual(10);
    expect((c['401 ACCOUNT_LOCKED'] ?? 0) + (c['429 LOGIN_THROTTLED'] ?? 0)).toBe(answers.length - c['401 AUTH_FAILED']!);
    const refused = answers.filter((a) => a.body.error.error_code !== 'AUTH_FAILED');
    const median = refused.map((a) => a.ms).sort((x, y) => x - y)[Math.floor(refused.length / 2)]!;
    const checkMs = answers.find((a) => a.body.error.error_code === 'AUTH_FAILED')!.ms;
    console.info(`refused in ${median.toFixed(1)} ms (median) vs a password check ${checkMs.toFixed(0)} ms`);
    // Refused before any hash: well under the cost of one password check, however loaded the machine.
    expect(median).toBeLessThan(checkMs / 2);

    // Even the right password, from another address, is refused while the lock lasts.
    const right = await login(site.url, '127.0.0.3', await authBody('victim', 'right-password-1'));
    expect(right.status).toBe(401);
    expect(right.body.error.error_code).toBe('ACCOUNT_LOCKED');
    expect(Number(right.headers['retry-after'])).toBeGreaterThan(1700);
    expect(Number(right.headers['retry-after'])).toBeLessThanOrEqual(1800);
    // Another user is not affected.
    expect((await login(site.url, '127.0.0.3', await authBody('bystander', 'right-password-1'))).status).toBe(201);

    // The lockout is in the customer log (255.001), once.
    const events = (await site.call('GET', '/v1/event_log?logs=true&limit=100', { token: admin })).body.event_log as {
      event_log_id: string;
      entity_instance_id: string;
      severity: string;
    }[];
    const lockouts = events.filter((e) => e.event_log_id === '255.001');
    expect(lockouts).toHaveLength(1);
    expect(lockouts[0]).toMatchObject({ entity_instance_id: 'user=victim', severity: 'major' });
  });

  it('the lock ends after 1800 s and the right password then works (and resets the count)', async () => {
    clock.advance(1801_000);
    const r = await login(site.url, '127.0.0.3', await authBody('victim', 'right-password-1'));
    expect(r.status).toBe(201);
    // 4 new failures do not lock again: the success reset the count.
    for (let i = 0; i < 4; i++) expect((await login(site.url, '127.0.0.6', await authBody('victim', 'nope-nope-1'))).status).toBe(401);
    expect((await login(site.url, '127.0.0.3', await authBody('victim', 'right-password-1'))).status).toBe(201);
  });

  it('admin cannot be locked out: a flood against it is slowed per source, and the real admin logs in quickly', async () => {
    const answers: Answer[] = [];
    const attack = flood(site.url, '127.0.0.4', 'admin', { clients: 6, forMs: 4000, into: answers });
    const latencies: number[] = [];
    // The source's first 10 guesses reach the password check (they cost what any login costs);
    // from then on the flood is refused before it: that is when the real admin's login is timed.
    const started = performance.now();
    while (answers.filter((a) => a.status === 401).length < 10 && performance.now() - started < 4000) await new Promise((r) => setTimeout(r, 20));
    for (let i = 0; i < 5; i++) {
      const r = await login(site.url, '127.0.0.1', await authBody('admin', ADMIN_PASSWORD));
      expect(r.status).toBe(201);
      latencies.push(r.ms);
      await new Promise((res) => setTimeout(res, 200));
    }
    await attack;
    const c = codes(answers);
    console.info(`admin flood: ${answers.length} attempts ${JSON.stringify(c)}; real admin logins ${latencies.map((l) => l.toFixed(0)).join(', ')} ms`);
    // 10 failures from the source, then 429 with a Retry-After (1 s, doubling).
    expect(c['401 AUTH_FAILED']).toBeGreaterThanOrEqual(10);
    expect(c['401 AUTH_FAILED']).toBeLessThanOrEqual(16);
    expect(c['401 ACCOUNT_LOCKED']).toBeUndefined();
    expect(c['429 LOGIN_THROTTLED']).toBeGreaterThan(20);
    const throttled = answers.find((a) => a.status === 429)!;
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // A login costs ~0.2-0.4 s of scrypt here; bounds are loose for a loaded CI machine.
    expect([...latencies].sort((a, b) => a - b)[2]).toBeLessThan(1000);
    expect(Math.max(...latencies)).toBeLessThan(3000);

    // The source stays throttled (with the fake clock, its delay never runs out) ...
    expect((await login(site.url, '127.0.0.4', await authBody('admin', ADMIN_PASSWORD))).status).toBe(429);
    // ... while admin from anywhere else is fine, and it is in the log (255.002).
    expect((await login(site.url, '127.0.0.5', await authBody('admin', ADMIN_PASSWORD))).status).toBe(201);
    const events = (await site.call('GET', '/v1/event_log?logs=true&limit=100', { token: admin })).body.event_log as {
      event_log_id: string;
      entity_instance_id: string;
    }[];
    expect(events.filter((e) => e.event_log_id === '255.002').map((e) => e.entity_instance_id)).toContain('source=127.0.0.4');
    // A delay runs out: the source may try again (a wrong password doubles its next delay).
    clock.advance(301_000);
    expect((await login(site.url, '127.0.0.4', await authBody('admin', ADMIN_PASSWORD))).status).toBe(201);
  });

  it('guessing users that do not exist is throttled too', async () => {
    const answers = await flood(site.url, '127.0.0.7', 'nobody-here', { clients: 3, count: 30 });
    const c = codes(answers);
    expect(c['401 AUTH_FAILED']).toBeLessThanOrEqual(12);
    expect(c['429 LOGIN_THROTTLED']).toBeGreaterThanOrEqual(18);
  });
});
