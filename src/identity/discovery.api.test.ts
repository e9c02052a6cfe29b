// Keystone's discovery resources, as keystoneauth and `openstack` read them.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSite, type TestSite } from '../../test/support/site.ts';

describe('Keystone discovery', () => {
  let site: TestSite;
  let token: string;
  beforeAll(async () => {
    site = await startSite();
    token = await site.token();
  });
  afterAll(async () => site?.stop());

  it('GET / is the versions document (no token), /v3/ the v3 document', async () => {
    const root = await site.call('GET', '/');
    expect(root.status).toBe(300);
    expect(root.body.versions.values[0]).toMatchObject({ id: 'v3.14', status: 'stable' });
    expect(root.body.versions.values[0].links[0].href).toBe(`${site.url}/v3/`);
    expect((await site.call('GET', '/v3/')).body.version.id).toBe('v3.14');
  });

  it('services, endpoints, regions and domains list the catalog; they need a token', async () => {
    expect((await site.call('GET', '/v3/services')).status).toBe(401);
    const services = (await site.call('GET', '/v3/services', { token })).body.services as any[];
    expect(services.map((s) => s.type)).toEqual(expect.arrayContaining(['identity', 'platform', 'faultmanagement']));
    const endpoints = (await site.call('GET', '/v3/endpoints', { token })).body.endpoints as any[];
    const sysinv = endpoints.find((e) => e.service_id === 'sysinv' && e.interface === 'public');
    expect(sysinv).toMatchObject({ url: `${site.url}/v1`, region_id: 'RegionOne', enabled: true });
    expect((await site.call('GET', '/v3/regions', { token })).body.regions).toEqual([expect.objectContaining({ id: 'RegionOne' })]);
    expect((await site.call('GET', '/v3/domains', { token })).body.domains).toEqual([expect.objectContaining({ id: 'default', name: 'Default' })]);
  });

  it('role assignments with include_names carry user, project and domain names', async () => {
    const r = await site.call('GET', '/v3/role_assignments?include_names=True', { token });
    expect(r.status).toBe(200);
    const admin = (r.body.role_assignments as any[]).find((a) => a.user.name === 'admin');
    expect(admin).toMatchObject({
      role: { name: 'admin' },
      user: { name: 'admin', domain: { id: 'default', name: 'Default' } },
      scope: { project: { name: 'admin', domain: { name: 'Default' } } },
    });
    const plain = await site.call('GET', '/v3/role_assignments', { token });
    expect(plain.body.role_assignments[0].user.name).toBeUndefined();
  });
});
