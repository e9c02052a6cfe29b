// Identity as an operator meets it: log in, use, validate, revoke and outlive tokens; roles that
// allow reading but not changing; bad requests refused with the field named and nothing written.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../common/clock.ts';
import { ADMIN_PASSWORD, authBody, startSite, type TestSite } from '../../test/support/site.ts';

describe('identity (Keystone v3)', () => {
  let site: TestSite;
  const clock = new FakeClock(new Date());

  beforeAll(async () => {
    site = await startSite({ clock, config: { tokenTtlSeconds: 600 } });
  });
  afterAll(async () => site?.stop());

  describe('tokens', () => {
    it('issues a project-scoped token with roles and a catalog of StarlingX service types', async () => {
      const r = await site.call('POST', '/v3/auth/tokens', { body: await authBody('admin', ADMIN_PASSWORD) });
      expect(r.status).toBe(201);
      expect(r.headers.get('x-subject-token')).toMatch(/^[A-Za-z0-9_-]{40,}$/);
      expect(r.body.token.user.name).toBe('admin');
      expect(r.body.token.project.name).toBe('admin');
      expect(r.body.token.roles.map((x: { name: string }) => x.name)).toContain('admin');
      const types = r.body.token.catalog.map((s: { type: string }) => s.type);
      expect(types).toEqual(expect.arrayContaining(['identity', 'platform']));
      const platform = r.body.token.catalog.find((s: { type: string }) => s.type === 'platform');
      expect(platform.endpoints[0].url).toBe(`${site.url}/v1`);
      expect(platform.endpoints[0].region).toBe('RegionOne');
      expect(new Date(r.body.token.expires_at).getTime() - new Date(r.body.token.issued_at).getTime()).toBe(600_000);
    });

    it('answers a wrong password, an unknown user and an unknown project with the same 401', async () => {
      for (const body of [
        await authBody('admin', 'wrong-password'),
        await authBody('nobody', ADMIN_PASSWORD),
        await authBody('admin', ADMIN_PASSWORD, 'no-such-project'),
      ]) {
        const r = await site.call('POST', '/v3/auth/tokens', { body });
        expect(r.status).toBe(401);
        expect(r.body.error).toMatchObject({ code: 401, error_code: 'AUTH_FAILED' });
        expect(r.headers.get('x-subject-token')).toBeNull();
      }
    });

    it('refuses calls without a token or with an unknown one (401, JSON error)', async () => {
      const none = await site.call('GET', '/v1/isystems');
      expect(none.status).toBe(401);
      expect(none.body.error.error_code).toBe('AUTH_REQUIRED');
      const bad = await site.call('GET', '/v1/isystems', { token: 'not-a-token' });
      expect(bad.status).toBe(401);
      expect(bad.body.error.error_code).toBe('TOKEN_INVALID');
      expect(bad.body.error.request_id).toBe(bad.headers.get('x-openstack-request-id'));
    });

    it('validates a token (GET and HEAD) and reports an unknown subject as 404', async () => {
      const t = await site.token();
      const g = await site.call('GET', '/v3/auth/tokens', { token: t, headers: { 'x-subject-token': t } });
      expect(g.status).toBe(200);
      expect(g.body.token.user.name).toBe('admin');
      const h = await site.call('HEAD', '/v3/auth/tokens', { token: t, headers: { 'x-subject-token': t } });
      expect(h.status).toBe(200);
      const missing = await site.call('GET', '/v3/auth/tokens', { token: t, headers: { 'x-subject-token': 'nope' } });
      expect(missing.status).toBe(404);
    });

    it('revokes a token: it stops working at once, other tokens keep working', async () => {
      const t1 = await site.token();
      const t2 = await site.token();
      const del = await site.call('DELETE', '/v3/auth/tokens', { token: t2, headers: { 'x-subject-token': t1 } });
      expect(del.status).toBe(204);
      expect((await site.call('GET', '/v1/isystems', { token: t1 })).status).toBe(401);
      expect((await site.call('GET', '/v1/isystems', { token: t2 })).status).toBe(200);
    });

    it('expires a token at its expiry time', async () => {
      const t = await site.token();
      expect((await site.call('GET', '/v1/isystems', { token: t })).status).toBe(200);
      clock.advance(599_000);
      expect((await site.call('GET', '/v1/isystems', { token: t })).status).toBe(200);
      clock.advance(1_000);
      const r = await site.call('GET', '/v1/isystems', { token: t });
      expect(r.status).toBe(401);
      expect(r.body.error.error_code).toBe('TOKEN_INVALID');
    });
  });

  describe('roles', () => {
    let admin: string;
    beforeAll(async () => {
      admin = await site.token();
      const projects = (await site.call('GET', '/v3/projects?name=admin', { token: admin })).body.projects;
      const roles = (await site.call('GET', '/v3/roles', { token: admin })).body.roles as { id: string; name: string }[];
      for (const name of ['reader', 'member']) {
        const u = await site.call('POST', '/v3/users', {
          token: admin,
          body: { user: { name: `${name}-user`, password: 'password-123', default_project_id: projects[0].id } },
        });
        expect(u.status).toBe(201);
        const role = roles.find((r) => r.name === name)!;
        const g = await site.call('PUT', `/v3/projects/${projects[0].id}/users/${u.body.user.id}/roles/${role.id}`, { token: admin });
        expect(g.status).toBe(204);
      }
    });

    for (const who of ['reader', 'member']) {
      it(`${who} can read the platform but not change it (403)`, async () => {
        const t = await site.token(`${who}-user`, 'password-123');
        const sys = await site.call('GET', '/v1/isystems', { token: t });
        expect(sys.status).toBe(200);
        const uuid = sys.body.isystems[0].uuid;
        const patch = await site.call('PATCH', `/v1/isystems/${uuid}`, {
          token: t,
          body: [{ op: 'replace', path: '/location', value: 'Ottawa' }],
        });
        expect(patch.status).toBe(403);
        expect(patch.body.error.error_code).toBe('FORBIDDEN');
        const create = await site.call('POST', '/v3/users', { token: t, body: { user: { name: 'x', password: 'password-123' } } });
        expect(create.status).toBe(403);
        expect((await site.call('GET', '/v1/audit_logs', { token: t })).status).toBe(403);
        // and nothing was changed
        expect((await site.call('GET', '/v1/isystems', { token: admin })).body.isystems[0].location).toBe('');
      });
    }

    it('a removed role takes effect on existing tokens at once (no role left on the project: 401)', async () => {
      const t = await site.token('reader-user', 'password-123');
      const user = (await site.call('GET', '/v3/users?name=reader-user', { token: admin })).body.users[0];
      const a = (await site.call('GET', `/v3/role_assignments?user.id=${user.id}`, { token: admin })).body.role_assignments[0];
      const r = await site.call('DELETE', `/v3/projects/${a.scope.project.id}/users/${user.id}/roles/${a.role.id}`, { token: admin });
      expect(r.status).toBe(204);
      expect((await site.call('GET', '/v1/isystems', { token: t })).status).toBe(401);
    });

    it('changing a user’s password or disabling it revokes its tokens', async () => {
      const t = await site.token('member-user', 'password-123');
      const user = (await site.call('GET', '/v3/users?name=member-user', { token: admin })).body.users[0];
      expect(
        (await site.call('PATCH', `/v3/users/${user.id}`, { token: admin, body: { user: { password: 'new-password-1' } } })).status,
      ).toBe(200);
      expect((await site.call('GET', '/v1/isystems', { token: t })).status).toBe(401);
      const t2 = await site.token('member-user', 'new-password-1');
      await site.call('PATCH', `/v3/users/${user.id}`, { token: admin, body: { user: { enabled: false } } });
      expect((await site.call('GET', '/v1/isystems', { token: t2 })).status).toBe(401);
      const login = await site.call('POST', '/v3/auth/tokens', { body: await authBody('member-user', 'new-password-1') });
      expect(login.status).toBe(401);
    });
  });

  describe('bad input', () => {
    const countUsers = async (t: string): Promise<number> => (await site.call('GET', '/v3/users', { token: t })).body.users.length;

    it.each([
      ['a missing identity', '/auth/identity', { auth: {} }],
      ['a missing password', '/auth/identity/password/user/password', { auth: { identity: { methods: ['password'], password: { user: { name: 'admin' } } } } }],
      ['an unknown method', '/auth/identity/methods/0', { auth: { identity: { methods: ['totp'], password: { user: { name: 'a', password: 'b' } } } } }],
      ['an unknown field', '/auth/extra', { auth: { identity: { methods: ['password'], password: { user: { name: 'a', password: 'b' } } }, extra: 1 } }],
    ])('token request with %s → 400 naming %s', async (_, field, body) => {
      const r = await site.call('POST', '/v3/auth/tokens', { body });
      expect(r.status).toBe(400);
      expect(r.body.error.error_code).toBe('VALIDATION_FAILED');
      expect(r.body.error.field).toBe(field);
      expect(r.body.error.message).toContain(field);
    });

    it('malformed JSON → 400, a non-JSON body → 415', async () => {
      const bad = await site.call('POST', '/v3/auth/tokens', { body: '{"auth": ', headers: { 'content-type': 'application/json' } });
      expect(bad.status).toBe(400);
      expect(bad.body.error.error_code).toBe('BAD_REQUEST');
      const text = await site.call('POST', '/v3/auth/tokens', { body: 'hello', headers: { 'content-type': 'text/plain' } });
      expect(text.status).toBe(415);
    });

    it('a user with a bad field or a short password is refused and not created', async () => {
      const t = await site.token();
      const before = await countUsers(t);
      const wrongType = await site.call('POST', '/v3/users', { token: t, body: { user: { name: 'eve', password: 'password-1', enabled: 'yes' } } });
      expect(wrongType.status).toBe(400);
      expect(wrongType.body.error.field).toBe('/user/enabled');
      const short = await site.call('POST', '/v3/users', { token: t, body: { user: { name: 'eve', password: 'short' } } });
      expect(short.status).toBe(400);
      expect(short.body.error.field).toBe('/user/password');
      const noProject = await site.call('POST', '/v3/users', {
        token: t,
        body: { user: { name: 'eve', password: 'password-1', default_project_id: 'missing' } },
      });
      expect(noProject.status).toBe(400);
      expect(noProject.body.error.field).toBe('/user/default_project_id');
      expect(await countUsers(t)).toBe(before);
    });

    it('a duplicate user is a 409 conflict', async () => {
      const t = await site.token();
      const r = await site.call('POST', '/v3/users', { token: t, body: { user: { name: 'admin', password: 'password-1' } } });
      expect(r.status).toBe(409);
      expect(r.body.error.field).toBe('/user/name');
    });

    it('a JSON-patch on a field that cannot change → 400 naming the path, nothing written', async () => {
      const t = await site.token();
      const sys = (await site.call('GET', '/v1/isystems', { token: t })).body.isystems[0];
      const r = await site.call('PATCH', `/v1/isystems/${sys.uuid}`, {
        token: t,
        body: [
          { op: 'replace', path: '/location', value: 'Kanata' },
          { op: 'replace', path: '/system_type', value: 'Standard' },
        ],
      });
      expect(r.status).toBe(400);
      expect(r.body.error.field).toBe('/system_type');
      const after = (await site.call('GET', '/v1/isystems', { token: t })).body.isystems[0];
      expect(after.location).toBe(sys.location);
      expect(after.system_type).toBe('All-in-one');
    });

    it('unknown paths are 404 in the same error shape', async () => {
      const t = await site.token();
      const r = await site.call('GET', '/v1/nothing-here', { token: t });
      expect(r.status).toBe(404);
      expect(r.body.error).toMatchObject({ code: 404, error_code: 'NOT_FOUND' });
    });
  });
});
