// The audit log as a security officer reads it: every change through the API, failed ones too,
// with who, what, target, result, time and source; reads are not recorded; only admins may look.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, authBody, startSite, type TestSite } from '../../test/support/site.ts';

interface Entry {
  id: number;
  timestamp: string;
  kind: string;
  user_name: string | null;
  project_name: string | null;
  method: string;
  path: string;
  target: string | null;
  status: number;
  source: string;
  request_id: string;
}

describe('audit log', () => {
  let site: TestSite;
  let admin: string;
  const requestIds: Record<string, string> = {};

  beforeAll(async () => {
    site = await startSite();
    const login = await site.call('POST', '/v3/auth/tokens', { body: await authBody('admin', ADMIN_PASSWORD) });
    admin = login.headers.get('x-subject-token')!;
    requestIds.login = login.headers.get('x-openstack-request-id')!;
    const failed = await site.call('POST', '/v3/auth/tokens', { body: await authBody('mallory', 'guess-guess') });
    requestIds.failedLogin = failed.headers.get('x-openstack-request-id')!;
    const user = await site.call('POST', '/v3/users', { token: admin, body: { user: { name: 'ops', password: 'password-1' } } });
    requestIds.createUser = user.headers.get('x-openstack-request-id')!;
    const sys = (await site.call('GET', '/v1/isystems', { token: admin })).body.isystems[0];
    const patch = await site.call('PATCH', `/v1/isystems/${sys.uuid}`, {
      token: admin,
      body: [{ op: 'replace', path: '/location', value: 'Kanata' }],
    });
    requestIds.patch = patch.headers.get('x-openstack-request-id')!;
    const anonymous = await site.call('DELETE', `/v3/users/${user.body.user.id}`);
    requestIds.anonymous = anonymous.headers.get('x-openstack-request-id')!;
  });
  afterAll(async () => site?.stop());

  const list = async (query = ''): Promise<{ audit_logs: Entry[]; next: string | null }> => {
    const r = await site.call('GET', `/v1/audit_logs${query}`, { token: admin });
    expect(r.status).toBe(200);
    return r.body;
  };
  const byRequest = (entries: Entry[], id: string) => entries.find((e) => e.request_id === id);

  it('records every mutating call with user, project, method, path, target, result, time and source', async () => {
    const { audit_logs } = await list();
    const patch = byRequest(audit_logs, requestIds.patch!)!;
    expect(patch).toMatchObject({ kind: 'api', user_name: 'admin', project_name: 'admin', method: 'PATCH', status: 200, source: '127.0.0.1' });
    expect(patch.path).toMatch(/^\/v1\/isystems\/[0-9a-f-]{36}$/);
    expect(patch.target).toMatch(/^system_id=[0-9a-f-]{36}$/);
    expect(Date.now() - new Date(patch.timestamp).getTime()).toBeLessThan(60_000);
    expect(byRequest(audit_logs, requestIds.login!)).toMatchObject({ user_name: 'admin', method: 'POST', path: '/v3/auth/tokens', status: 201 });
    expect(byRequest(audit_logs, requestIds.createUser!)).toMatchObject({ user_name: 'admin', method: 'POST', path: '/v3/users', status: 201 });
  });

  it('records failed calls too: a wrong login under the name tried, an anonymous call as 401', async () => {
    const { audit_logs } = await list();
    expect(byRequest(audit_logs, requestIds.failedLogin!)).toMatchObject({ user_name: 'mallory', status: 401, project_name: null });
    expect(byRequest(audit_logs, requestIds.anonymous!)).toMatchObject({ user_name: null, method: 'DELETE', status: 401 });
  });

  it('does not record reads', async () => {
    const { audit_logs } = await list();
    expect(audit_logs.every((e) => e.method !== 'GET')).toBe(true);
  });

  it('filters by user and method, and pages newest first with a next link', async () => {
    const mallory = await list('?user=mallory');
    expect(mallory.audit_logs.length).toBe(1);
    const patches = await list('?method=PATCH');
    expect(patches.audit_logs.map((e) => e.method)).toEqual(['PATCH']);
    const page1 = await list('?limit=2');
    expect(page1.audit_logs.length).toBe(2);
    expect(page1.audit_logs[0]!.id).toBeGreaterThan(page1.audit_logs[1]!.id);
    expect(page1.next).toContain(`marker=${page1.audit_logs[1]!.id}`);
    const page2 = (await site.call('GET', page1.next!, { token: admin })).body as { audit_logs: Entry[] };
    expect(page2.audit_logs[0]!.id).toBeLessThan(page1.audit_logs[1]!.id);
  });

  it('refuses a bad query naming the parameter', async () => {
    const r = await site.call('GET', '/v1/audit_logs?limit=0', { token: admin });
    expect(r.status).toBe(400);
    expect(r.body.error.field).toBe('limit');
    const k = await site.call('GET', '/v1/audit_logs?kind=everything', { token: admin });
    expect(k.status).toBe(400);
    expect(k.body.error.field).toBe('kind');
  });

  it('records a CLI command reported by its user', async () => {
    const r = await site.call('POST', '/v1/audit_logs', { token: admin, body: { command: 'starling system show', exit_code: 0 } });
    expect(r.status).toBe(204);
    const cli = await list('?kind=cli');
    expect(cli.audit_logs[0]).toMatchObject({ kind: 'cli', user_name: 'admin', status: 0 });
    expect((cli.audit_logs[0] as unknown as { command: string }).command).toBe('starling system show');
  });
});
