// Revocation under load: concurrent clients use a token while an admin removes its role, revokes
// it, disables, re-passwords or deletes its user. Once the revoking call has answered, no request
// sent afterwards may succeed — neither on this controller nor (after the notification's short
// trip) on a second controller process sharing the database.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authBody, startSite, type TestSite } from '../../test/support/site.ts';

const CLIENTS = 8;
const WARM_MS = 300;
const AFTER_MS = 1500;

interface Outcome {
  sentAt: number;
  status: number;
}

/** Clients looping a read with `token` against `url` until stopped. */
function hammer(url: string, token: string): { stop(): Promise<Outcome[]> } {
  const outcomes: Outcome[] = [];
  let running = true;
  const client = async (): Promise<void> => {
    while (running) {
      const sentAt = performance.now();
      const res = await fetch(`${url}/v1/isystems`, { headers: { 'x-auth-token': token } });
      await res.arrayBuffer();
      outcomes.push({ sentAt, status: res.status });
    }
  };
  const clients = Array.from({ length: CLIENTS }, client);
  return {
    stop: async () => {
      running = false;
      await Promise.all(clients);
      return outcomes;
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('revocation under concurrent use', () => {
  let site: TestSite;
  let admin: string;
  let projectId: string;
  let roleId: string;
  let n = 0;

  beforeAll(async () => {
    site = await startSite();
    admin = await site.token();
    projectId = (await site.call('GET', '/v3/projects?name=admin', { token: admin })).body.projects[0].id;
    roleId = (await site.call('GET', '/v3/roles', { token: admin })).body.roles.find((r: { name: string }) => r.name === 'reader').id;
  });
  afterAll(async () => site?.stop());

  /** A new reader user on project admin and a token of it. */
  async function readerWithToken(): Promise<{ userId: string; token: string; name: string }> {
    const name = `revoked-${n++}`;
    const u = await site.call('POST', '/v3/users', {
      token: admin,
      body: { user: { name, password: 'password-123', default_project_id: projectId } },
    });
    expect(u.status).toBe(201);
    expect((await site.call('PUT', `/v3/projects/${projectId}/users/${u.body.user.id}/roles/${roleId}`, { token: admin })).status).toBe(204);
    return { userId: u.body.user.id, token: await site.token(name, 'password-123'), name };
  }

  /** Hammers `url` with the token, runs the revoking call, and returns what came back after it. */
  async function race(url: string, token: string, revoke: () => Promise<number>, expected: number) {
    const h = hammer(url, token);
    await sleep(WARM_MS);
    const status = await revoke();
    const returnedAt = performance.now();
    expect(status).toBe(expected);
    await sleep(AFTER_MS);
    const outcomes = await h.stop();
    const before = outcomes.filter((o) => o.sentAt < returnedAt);
    const after = outcomes.filter((o) => o.sentAt >= returnedAt);
    return { returnedAt, before, after, lateSuccesses: after.filter((o) => o.status === 200) };
  }

  const cases: [string, (u: { userId: string; token: string }) => Promise<number>, number][] = [
    [
      'role removal',
      async (u) => (await site.call('DELETE', `/v3/projects/${projectId}/users/${u.userId}/roles/${roleId}`, { token: admin })).status,
      204,
    ],
    [
      'token revocation',
      async (u) => (await site.call('DELETE', '/v3/auth/tokens', { token: admin, headers: { 'x-subject-token': u.token } })).status,
      204,
    ],
    [
      'user disable',
      async (u) => (await site.call('PATCH', `/v3/users/${u.userId}`, { token: admin, body: { user: { enabled: false } } })).status,
      200,
    ],
    [
      'password change',
      async (u) =>
        (await site.call('PATCH', `/v3/users/${u.userId}`, { token: admin, body: { user: { password: 'another-password-1' } } })).status,
      200,
    ],
    ['user deletion', async (u) => (await site.call('DELETE', `/v3/users/${u.userId}`, { token: admin })).status, 204],
  ];

  it.each(cases)('%s: no request sent after the call answered succeeds (401 instead)', async (what, revoke, expected) => {
    const u = await readerWithToken();
    const r = await race(site.url, u.token, () => revoke(u), expected);
    console.info(`${what}: ${r.before.length} requests before, ${r.after.length} after, ${r.lateSuccesses.length} late 200s`);
    expect(r.before.some((o) => o.status === 200)).toBe(true);
    expect(r.after.length).toBeGreaterThan(20);
    expect(r.lateSuccesses).toEqual([]);
    expect(new Set(r.after.map((o) => o.status))).toEqual(new Set([401]));
  });

  it('a token whose user has no role left on its project is refused with 401', async () => {
    const u = await readerWithToken();
    expect((await site.call('GET', '/v1/isystems', { token: u.token })).status).toBe(200);
    await site.call('DELETE', `/v3/projects/${projectId}/users/${u.userId}/roles/${roleId}`, { token: admin });
    const r = await site.call('GET', '/v1/isystems', { token: u.token });
    expect(r.status).toBe(401);
    expect(r.body.error.error_code).toBe('TOKEN_INVALID');
    // and it cannot log in to that project any more either
    const login = await site.call('POST', '/v3/auth/tokens', { body: await authBody(u.name, 'password-123') });
    expect(login.status).toBe(401);
  });

  it('a second controller process stops honouring the token once the notification arrives', async () => {
    const peer = await site.startPeer();
    try {
      const u = await readerWithToken();
      const r = await race(peer.controller.url, u.token, async () => {
        return (await site.call('DELETE', '/v3/auth/tokens', { token: admin, headers: { 'x-subject-token': u.token } })).status;
      }, 204);
      const lastSuccess = Math.max(r.returnedAt, ...r.lateSuccesses.map((o) => o.sentAt));
      console.info(
        `peer: ${r.after.length} requests after, ${r.lateSuccesses.length} late 200s, last sent ${(lastSuccess - r.returnedAt).toFixed(1)} ms after the revocation answered`,
      );
      // The peer learns of the change through NOTIFY: a few milliseconds (printed above), well before
      // its cache's 2 s would expire; the bound leaves room for a loaded machine.
      expect(lastSuccess - r.returnedAt).toBeLessThan(1000);
      expect(r.after.at(-1)!.status).toBe(401);
    } finally {
      await peer.stop();
    }
  });

  it('the admin is unaffected: its token keeps working through all of it', async () => {
    expect((await site.call('GET', '/v1/isystems', { token: admin })).status).toBe(200);
  });
});
