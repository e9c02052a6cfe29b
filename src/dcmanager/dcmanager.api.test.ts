// dcmanager over REST as an operator uses it on a system controller: the system record and the
// catalog, subcloud groups, subclouds (add from bootstrap values, list, show, detail, update,
// manage/unmanage, delete) and every refusal with its status and field.

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSite, type TestSite } from '../../test/support/site.ts';

const values = (o: Record<string, string | undefined> = {}): string =>
  Object.entries({
    name: 'subcloud1',
    description: 'Ottawa site',
    location: 'Ottawa',
    management_subnet: '192.168.101.0/24',
    management_start_address: '192.168.101.2',
    management_end_address: '192.168.101.50',
    management_gateway_address: '192.168.101.1',
    systemcontroller_gateway_address: '192.168.204.101',
    admin_password: 'Sub-cloud-pw1',
    ...o,
  })
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
    .join('\n');

describe('dcmanager API (system controller)', () => {
  let site: TestSite;
  let token: string;
  const call = (method: string, path: string, body?: unknown) => site.call(method, path, { token, body });
  const add = (bootstrap: string, extra: Record<string, unknown> = {}) =>
    call('POST', '/v1.0/subclouds', { 'bootstrap-address': 'http://10.10.10.2:6385', bootstrap_values: bootstrap, ...extra });
  const sql = async (text: string, params: unknown[] = []) => {
    const c = new pg.Client({ connectionString: site.database.url });
    await c.connect();
    try {
      return (await c.query(text, params)).rows;
    } finally {
      await c.end();
    }
  };

  beforeAll(async () => {
    // The audit cannot reach the test's subcloud addresses: it must not take them offline meanwhile.
    site = await startSite({ config: { distributedCloudRole: 'systemcontroller', region: 'SystemController', dcloud: { auditIntervalSeconds: 3600, auditTimeoutSeconds: 1, auditConcurrency: 10, offlineThreshold: 100, auditShards: 4 } } });
    token = await site.token();
  });
  afterAll(async () => site?.stop());

  it('is a system controller: role and region in the system record, dcmanager in the catalog', async () => {
    const sys = (await call('GET', '/v1/isystems')).body.isystems[0];
    expect(sys).toMatchObject({ distributed_cloud_role: 'systemcontroller', region_name: 'SystemController' });
    const catalog = (await call('GET', '/v3/auth/catalog')).body.catalog;
    const dc = catalog.find((s: { type: string }) => s.type === 'dcmanager');
    expect(dc.endpoints[0]).toMatchObject({ url: `${site.url}/v1.0`, region: 'SystemController' });
  });

  it("splits the audit's shards between the system-controller processes (leases): a peer takes half, and all when the other stops", async () => {
    const shards = async (url: string) =>
      ((await (await fetch(`${url}/health`)).json()) as { leases: string[] }).leases.filter((l) => l.startsWith('dcmanager-audit-shard/'));
    const until = async (what: string, ok: () => Promise<boolean>) => {
      for (const t0 = Date.now(); !(await ok()); await new Promise((r) => setTimeout(r, 100)))
        if (Date.now() - t0 > 15_000) throw new Error(`timed out waiting for ${what}`);
    };
    await until('all 4 shards held', async () => (await shards(site.url)).length === 4);
    const peer = await site.startPeer();
    try {
      await until('two shards each', async () => (await shards(site.url)).length === 2 && (await shards(peer.controller.url)).length === 2);
      expect([...(await shards(site.url)), ...(await shards(peer.controller.url))].sort()).toEqual([0, 1, 2, 3].map((k) => `dcmanager-audit-shard/${k}`));
      await site.controller.stop(); // the holder stops: the peer takes every shard
      await until('the peer holding all', async () => (await shards(peer.controller.url)).length === 4);
    } finally {
      await site.restartController();
      await peer.stop();
    }
    await until('all shards back', async () => (await shards(site.url)).length === 4);
    token = await site.token();
  });

  describe('subcloud groups', () => {
    it('has the Default group', async () => {
      const r = await call('GET', '/v1.0/subcloud-groups');
      expect(r.status).toBe(200);
      expect(r.body.subcloud_groups).toEqual([
        expect.objectContaining({ id: 1, name: 'Default', description: 'Default Subcloud Group', update_apply_type: 'parallel', max_parallel_subclouds: 2 }),
      ]);
    });

    it('adds, shows (by id or name), updates and deletes a group', async () => {
      const r = await call('POST', '/v1.0/subcloud-groups', { name: 'edge-east', description: 'East', update_apply_type: 'serial', max_parallel_subclouds: 5 });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ name: 'edge-east', description: 'East', update_apply_type: 'serial', max_parallel_subclouds: 5, 'updated-at': null });
      expect((await call('GET', `/v1.0/subcloud-groups/${r.body.id}`)).body.name).toBe('edge-east');
      expect((await call('GET', '/v1.0/subcloud-groups/edge-east')).body.id).toBe(r.body.id);
      const u = await call('PATCH', '/v1.0/subcloud-groups/edge-east', { max_parallel_subclouds: '7', update_apply_type: 'parallel' });
      expect(u.status).toBe(200);
      expect(u.body).toMatchObject({ max_parallel_subclouds: 7, update_apply_type: 'parallel' });
      expect(u.body['updated-at']).not.toBeNull();
      expect((await call('GET', '/v1.0/subcloud-groups/edge-east/subclouds')).body).toEqual({ subclouds: [] });
      expect((await call('DELETE', '/v1.0/subcloud-groups/edge-east')).status).toBe(204);
      expect((await call('GET', '/v1.0/subcloud-groups/edge-east')).status).toBe(404);
    });

    it('applies the client defaults (parallel, 2, no description)', async () => {
      const r = await call('POST', '/v1.0/subcloud-groups', { name: 'defaults' });
      expect(r.body).toMatchObject({ description: 'No description provided', update_apply_type: 'parallel', max_parallel_subclouds: 2 });
      await call('DELETE', '/v1.0/subcloud-groups/defaults');
    });

    it.each([
      [{ name: '123' }, '/name'],
      [{ name: 'Default' }, '/name'],
      [{ name: '' }, '/name'],
      [{ name: 'g', description: '' }, '/description'],
      [{ name: 'g', update_apply_type: 'sideways' }, '/update_apply_type'],
      [{ name: 'g', max_parallel_subclouds: 0 }, '/max_parallel_subclouds'],
      [{ name: 'g', max_parallel_subclouds: 501 }, '/max_parallel_subclouds'],
      [{ name: 'g', max_parallel_subclouds: 'many' }, '/max_parallel_subclouds'],
      [{ name: 'g', colour: 'red' }, '/colour'],
      [{}, '/name'],
    ])('refuses %j with a 400 naming %s', async (body, field) => {
      const r = await call('POST', '/v1.0/subcloud-groups', body);
      expect(r.status).toBe(400);
      expect(r.body.error.field).toBe(field);
    });

    it('refuses a duplicate name (409), renaming Default (400), deleting Default or a group in use (409), unknown groups (404)', async () => {
      await call('POST', '/v1.0/subcloud-groups', { name: 'dup' });
      const d = await call('POST', '/v1.0/subcloud-groups', { name: 'dup' });
      expect(d.status).toBe(409);
      expect(d.body.error.field).toBe('/name');
      const rename = await call('PATCH', '/v1.0/subcloud-groups/Default', { name: 'Other' });
      expect(rename.status).toBe(400);
      expect(rename.body.error.field).toBe('/name');
      expect((await call('PATCH', '/v1.0/subcloud-groups/dup', {})).status).toBe(400);
      expect((await call('DELETE', '/v1.0/subcloud-groups/Default')).status).toBe(409);
      expect((await call('DELETE', '/v1.0/subcloud-groups/1')).status).toBe(409);
      expect((await call('GET', '/v1.0/subcloud-groups/nope')).status).toBe(404);
      expect((await call('PATCH', '/v1.0/subcloud-groups/nope', { description: 'x' })).status).toBe(404);
      expect((await call('DELETE', '/v1.0/subcloud-groups/999')).status).toBe(404);
      expect((await call('GET', '/v1.0/subcloud-groups/nope/subclouds')).status).toBe(404);
      await call('DELETE', '/v1.0/subcloud-groups/dup');
    });
  });

  describe('subclouds', () => {
    it('adds a subcloud from its bootstrap values: unmanaged, offline, deploy complete, every endpoint unknown', async () => {
      const r = await add(values());
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({
        name: 'subcloud1',
        description: 'Ottawa site',
        location: 'Ottawa',
        'management-state': 'unmanaged',
        'availability-status': 'offline',
        'deploy-status': 'complete',
        'backup-status': null,
        'error-description': 'No errors present',
        'management-subnet': '192.168.101.0/24',
        'management-start-ip': '192.168.101.2',
        'management-end-ip': '192.168.101.50',
        'management-gateway-ip': '192.168.101.1',
        'systemcontroller-gateway-ip': '192.168.204.101',
        group_id: 1,
        sync_status: 'unknown',
        'bootstrap-address': 'http://10.10.10.2:6385',
        'last-audit-at': null,
      });
      expect(r.body['region-name']).toMatch(/^[0-9a-f]{32}$/);
      expect(r.body.endpoint_sync_status.map((e: { endpoint_type: string }) => e.endpoint_type)).toEqual([
        'platform', 'identity', 'dc-cert', 'firmware', 'kubernetes', 'kube-rootca', 'usm',
      ]);
      expect(r.body.endpoint_sync_status.every((e: { sync_status: string }) => e.sync_status === 'unknown')).toBe(true);
      expect(JSON.stringify(r.body)).not.toContain('Sub-cloud-pw1');
    });

    it('keeps the admin password sealed in the database, never in clear', async () => {
      const rows = await sql('SELECT admin_username, admin_project, admin_password_sealed FROM subclouds WHERE name = $1', ['subcloud1']);
      expect(rows[0]).toMatchObject({ admin_username: 'admin', admin_project: 'admin' });
      expect(rows[0].admin_password_sealed).toMatch(/^v1:/);
      expect(rows[0].admin_password_sealed).not.toContain('Sub-cloud-pw1');
    });

    it('lists, shows by name or id, shows the detail', async () => {
      const list = (await call('GET', '/v1.0/subclouds')).body.subclouds;
      expect(list.map((s: { name: string }) => s.name)).toEqual(['subcloud1']);
      const id = list[0].id;
      expect((await call('GET', `/v1.0/subclouds/${id}`)).body.name).toBe('subcloud1');
      expect((await call('GET', '/v1.0/subclouds/subcloud1')).body.id).toBe(id);
      const d = await call('GET', '/v1.0/subclouds/subcloud1/detail');
      expect(d.body).toMatchObject({ name: 'subcloud1', oam_floating_ip: 'unavailable', deploy_config_sync_status: 'unknown' });
      expect((await call('GET', '/v1.0/subclouds/nope')).status).toBe(404);
      expect((await call('GET', '/v1.0/subclouds/12345/detail')).status).toBe(404);
    });

    it('pages the list (limit, marker by id or name, a next link while pages are full); refuses a bad limit or marker (400)', async () => {
      for (const n of [1, 2, 3]) {
        const r = await add(values({ name: `paged${n}`, management_subnet: `192.168.${110 + n}.0/24`, management_start_address: `192.168.${110 + n}.2`, management_end_address: `192.168.${110 + n}.50`, management_gateway_address: `192.168.${110 + n}.1` }));
        expect(r.status).toBe(200);
      }
      try {
        const all = (await call('GET', '/v1.0/subclouds')).body;
        expect(Object.keys(all)).toEqual(['subclouds']); // unpaged: StarlingX's answer
        const names = all.subclouds.map((s: { name: string }) => s.name);
        expect(names).toEqual(['subcloud1', 'paged1', 'paged2', 'paged3']);
        const p1 = (await call('GET', '/v1.0/subclouds?limit=2')).body;
        expect(p1.subclouds.map((s: { name: string }) => s.name)).toEqual(['subcloud1', 'paged1']);
        expect(p1.subclouds[0]).toEqual(all.subclouds[0]);
        expect(p1.subclouds_links).toEqual([{ rel: 'next', href: `/v1.0/subclouds?limit=2&marker=${p1.subclouds[1].id}` }]);
        const p2 = (await call('GET', p1.subclouds_links[0].href)).body;
        expect(p2.subclouds.map((s: { name: string }) => s.name)).toEqual(['paged2', 'paged3']);
        const p3 = (await call('GET', p2.subclouds_links[0].href)).body;
        expect(p3).toEqual({ subclouds: [], subclouds_links: [] });
        const byName = (await call('GET', '/v1.0/subclouds?marker=paged1')).body;
        expect(byName.subclouds.map((s: { name: string }) => s.name)).toEqual(['paged2', 'paged3']);
        expect(byName.subclouds_links).toEqual([]);
        for (const [q, field] of [['limit=0', 'limit'], ['limit=x', 'limit'], ['marker=nope', 'marker'], ['sort=name', 'sort']] as const) {
          const r = await call('GET', `/v1.0/subclouds?${q}`);
          expect(r.status, q).toBe(400);
          expect(JSON.stringify(r.body), q).toContain(field);
        }
      } finally {
        for (const n of [1, 2, 3]) await call('DELETE', `/v1.0/subclouds/paged${n}`);
      }
    });

    it('takes fields given directly over the bootstrap values (the CLI flags)', async () => {
      const r = await add(values({ name: 'from-file' }), {
        name: 'subcloud2',
        management_subnet: '192.168.102.0/24',
        management_start_ip: '192.168.102.10',
        management_end_ip: '192.168.102.20',
        management_gateway_ip: '192.168.102.1',
        description: 'Flag description',
      });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ name: 'subcloud2', description: 'Flag description', 'management-subnet': '192.168.102.0/24', 'management-start-ip': '192.168.102.10' });
    });

    it.each([
      ['no admin password', values({ admin_password: undefined }), {}, '/bootstrap_values/admin_password'],
      ['a digits-only name', values({ name: '1234' }), {}, '/bootstrap_values/name'],
      ['a reserved name', values({ name: 'SystemController' }), {}, '/bootstrap_values/name'],
      ['no name', values({ name: undefined }), {}, '/bootstrap_values/name'],
      ['a malformed subnet', values({ name: 's', management_subnet: '192.168.150.0/33' }), {}, '/bootstrap_values/management_subnet'],
      ['host bits in the subnet', values({ name: 's', management_subnet: '192.168.150.7/24' }), {}, '/bootstrap_values/management_subnet'],
      ['a subnet too small', values({ name: 's', management_subnet: '192.168.150.0/30' }), {}, '/bootstrap_values/management_subnet'],
      ['a start outside the subnet', values({ name: 's', management_subnet: '192.168.150.0/24', management_start_address: '10.0.0.1' }), {}, '/bootstrap_values/management_start_address'],
      ['start above end', values({ name: 's', management_subnet: '192.168.150.0/24', management_start_address: '192.168.150.60', management_end_address: '192.168.150.50', management_gateway_address: '192.168.150.1' }), {}, '/bootstrap_values/management_start_address'],
      ['a range too small', values({ name: 's', management_subnet: '192.168.150.0/24', management_start_address: '192.168.150.2', management_end_address: '192.168.150.3', management_gateway_address: '192.168.150.1' }), {}, '/bootstrap_values/management_end_address'],
      ['the gateway in the range', values({ name: 's', management_subnet: '192.168.150.0/24', management_start_address: '192.168.150.2', management_end_address: '192.168.150.50', management_gateway_address: '192.168.150.10' }), {}, '/bootstrap_values/management_gateway_address'],
      ['the broadcast address as end', values({ name: 's', management_subnet: '192.168.150.0/24', management_start_address: '192.168.150.2', management_end_address: '192.168.150.255', management_gateway_address: '192.168.150.1' }), {}, '/bootstrap_values/management_end_address'],
      ['an IPv6 system controller gateway for an IPv4 subnet', values({ name: 's', management_subnet: '192.168.150.0/24', management_start_address: '192.168.150.2', management_end_address: '192.168.150.50', management_gateway_address: '192.168.150.1', systemcontroller_gateway_address: 'fd00::1' }), {}, '/bootstrap_values/systemcontroller_gateway_address'],
      ['a bad flag address', values({ name: 's' }), { management_gateway_ip: 'gateway' }, '/management_gateway_ip'],
      ['a bootstrap address that is no URL', values({ name: 's' }), { 'bootstrap-address': '10.10.10.2' }, '/bootstrap-address'],
      ['bootstrap values that are no mapping', '- a\n- b', {}, '/bootstrap_values'],
      ['malformed bootstrap values', 'name: [unclosed', {}, '/bootstrap_values'],
      ['an unknown group', values({ name: 's', management_subnet: '192.168.150.0/24' }), { group_id: 'nope' }, '/group_id'],
      ['a sysadmin password not in base64', values({ name: 's' }), { sysadmin_password: 'not base64!' }, '/sysadmin_password'],
      ['an unknown field', values({ name: 's' }), { colour: 'red' }, '/colour'],
      ['a subcloud CA that is no PEM certificate', values({ name: 's', ca_cert: 'not a certificate' }), {}, '/bootstrap_values/ca_cert'],
      ['a subcloud CA whose PEM block does not parse', values({ name: 's', ca_cert: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----' }), {}, '/bootstrap_values/ca_cert'],
    ])('refuses %s with a 400 naming the field, and adds nothing', async (_why, bootstrap, extra, field) => {
      const before = (await call('GET', '/v1.0/subclouds')).body.subclouds.length;
      const r = await add(bootstrap, extra);
      expect(r.status).toBe(400);
      expect(r.body.error.field).toBe(field);
      expect((await call('GET', '/v1.0/subclouds')).body.subclouds.length).toBe(before);
    });

    it('refuses a missing bootstrap address or values (400)', async () => {
      const r = await call('POST', '/v1.0/subclouds', { bootstrap_values: values({ name: 's' }) });
      expect(r.status).toBe(400);
      expect(r.body.error.field).toBe('/bootstrap-address');
      const v = await call('POST', '/v1.0/subclouds', { 'bootstrap-address': 'http://10.0.0.1:6385' });
      expect(v.body.error.field).toBe('/bootstrap_values');
    });

    it('refuses a taken name or an overlapping management subnet with a 409', async () => {
      const dup = await add(values({ management_subnet: '192.168.160.0/24', management_start_address: '192.168.160.2', management_end_address: '192.168.160.50', management_gateway_address: '192.168.160.1' }));
      expect(dup.status).toBe(409);
      expect(dup.body.error.field).toBe('/bootstrap_values/name');
      const overlap = await add(values({ name: 'subcloud9', management_subnet: '192.168.0.0/16', management_start_address: '192.168.200.2', management_end_address: '192.168.200.50', management_gateway_address: '192.168.200.1' }));
      expect(overlap.status).toBe(409);
      expect(overlap.body.error.field).toBe('/bootstrap_values/management_subnet');
      expect(overlap.body.error.message).toContain('subcloud1');
    });

    it('updates description, location, group and credentials; refuses an empty update and a bad group', async () => {
      const g = (await call('POST', '/v1.0/subcloud-groups', { name: 'west' })).body;
      const r = await call('PATCH', '/v1.0/subclouds/subcloud2', { description: 'New', location: 'Vancouver', group_id: 'west', bootstrap_values: 'admin_password: Other-pw-2\nadmin_username: dcadmin' });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ description: 'New', location: 'Vancouver', group_id: g.id });
      expect((await sql('SELECT admin_username FROM subclouds WHERE name = $1', ['subcloud2']))[0].admin_username).toBe('dcadmin');
      expect((await call('GET', '/v1.0/subcloud-groups/west/subclouds')).body.subclouds.map((s: { name: string }) => s.name)).toEqual(['subcloud2']);
      expect((await call('DELETE', '/v1.0/subcloud-groups/west')).status).toBe(409);
      const empty = await call('PATCH', '/v1.0/subclouds/subcloud2', {});
      expect(empty.status).toBe(400);
      const badGroup = await call('PATCH', '/v1.0/subclouds/subcloud2', { group_id: 999 });
      expect(badGroup.status).toBe(400);
      expect(badGroup.body.error.field).toBe('/group_id');
      const badState = await call('PATCH', '/v1.0/subclouds/subcloud2', { 'management-state': 'sideways' });
      expect(badState.status).toBe(400);
      expect(badState.body.error.field).toBe('/management-state');
      const badForce = await call('PATCH', '/v1.0/subclouds/subcloud2', { force: true });
      expect(badForce.body.error.field).toBe('/force');
      const badUrl = await call('PATCH', '/v1.0/subclouds/subcloud2', { bootstrap_address: 'ftp://x' });
      expect(badUrl.body.error.field).toBe('/bootstrap_address');
      const noPw = await call('PATCH', '/v1.0/subclouds/subcloud2', { bootstrap_values: 'admin_username: x' });
      expect(noPw.body.error.field).toBe('/bootstrap_values/admin_password');
      expect((await call('PATCH', '/v1.0/subclouds/nope', { description: 'x' })).status).toBe(404);
    });

    it('manages only an online subcloud; unmanages; refuses a repeat (409)', async () => {
      const offline = await call('PATCH', '/v1.0/subclouds/subcloud1', { 'management-state': 'managed' });
      expect(offline.status).toBe(409);
      expect(offline.body.error.message).toContain('not online');
      expect((await call('PATCH', '/v1.0/subclouds/subcloud1', { 'management-state': 'unmanaged' })).status).toBe(409);
      // As if the audit had reached it.
      await sql("UPDATE subclouds SET availability_status = 'online' WHERE name = 'subcloud1'");
      const m = await call('PATCH', '/v1.0/subclouds/subcloud1', { 'management-state': 'managed' });
      expect(m.status).toBe(200);
      expect(m.body['management-state']).toBe('managed');
      expect((await call('PATCH', '/v1.0/subclouds/subcloud1', { 'management-state': 'managed' })).status).toBe(409);
    });

    it('deletes only an unmanaged subcloud', async () => {
      const refused = await call('DELETE', '/v1.0/subclouds/subcloud1');
      expect(refused.status).toBe(409);
      const u = await call('PATCH', '/v1.0/subclouds/subcloud1', { 'management-state': 'unmanaged' });
      expect(u.body['management-state']).toBe('unmanaged');
      expect((await call('DELETE', '/v1.0/subclouds/subcloud1')).status).toBe(204);
      expect((await call('GET', '/v1.0/subclouds/subcloud1')).status).toBe(404);
      expect((await call('DELETE', '/v1.0/subclouds/subcloud1')).status).toBe(404);
      expect(await sql('SELECT * FROM subcloud_status WHERE subcloud_id NOT IN (SELECT id FROM subclouds)')).toEqual([]);
    });

    it('lets readers read and refuses them changes (403)', async () => {
      await call('POST', '/v3/users', { user: { name: 'dc-reader', password: 'reader-pw-1', enabled: true } });
      const named = (list: { name: string; id: string }[], name: string) => list.find((x) => x.name === name)!.id;
      const user = named((await call('GET', '/v3/users')).body.users, 'dc-reader');
      const project = named((await call('GET', '/v3/projects')).body.projects, 'admin');
      const role = named((await call('GET', '/v3/roles')).body.roles, 'reader');
      expect((await call('PUT', `/v3/projects/${project}/users/${user}/roles/${role}`)).status).toBe(204);
      const reader = await site.token('dc-reader', 'reader-pw-1');
      expect((await site.call('GET', '/v1.0/subclouds', { token: reader })).status).toBe(200);
      expect((await site.call('POST', '/v1.0/subcloud-groups', { token: reader, body: { name: 'r' } })).status).toBe(403);
      expect((await site.call('GET', '/v1.0/subclouds')).status).toBe(401);
    });
  });
});

describe('dcmanager API (a standalone site)', () => {
  let site: TestSite;
  beforeAll(async () => {
    site = await startSite();
  });
  afterAll(async () => site?.stop());

  it('has no dcmanager: no catalog entry, no /v1.0 paths', async () => {
    const token = await site.token();
    const catalog = (await site.call('GET', '/v3/auth/catalog', { token })).body.catalog;
    expect(catalog.find((s: { type: string }) => s.type === 'dcmanager')).toBeUndefined();
    expect((await site.call('GET', '/v1.0/subclouds', { token })).status).toBe(404);
    expect((await site.call('GET', '/v1/isystems', { token })).body.isystems[0].distributed_cloud_role).toBeNull();
  });

  it('serves its identity for a system controller to sync, never the caller or the agent user, and refuses a bad one (400)', async () => {
    const token = await site.token();
    const r = await site.call('GET', '/v1.0/identities', { token });
    expect(r.status).toBe(200);
    expect(r.body.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(r.body.identity.users.map((u: { name: string }) => u.name)).not.toContain('admin');
    expect(r.body.identity.roles).toEqual(expect.arrayContaining(['admin', 'member', 'reader']));
    const bad = await site.call('PUT', '/v1.0/identities', { token, body: { identity: { users: [{ name: 'x' }], projects: [], roles: [], assignments: [] } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toMatch(/^\/identity\/users\/0/);
    // The caller's own account cannot be disabled through it.
    const put = await site.call('PUT', '/v1.0/identities', {
      token,
      body: { identity: { users: [{ name: 'admin', enabled: false, password_hash: 'x', email: null, default_project: null }, { name: 'synced', enabled: true, password_hash: 'y', email: null, default_project: 'admin' }], projects: [], roles: [], assignments: [['synced', 'admin', 'reader']] } },
    });
    expect(put.status).toBe(200);
    expect(await site.token()).toMatch(/.+/);
    const users = (await site.call('GET', '/v1.0/identities', { token })).body.identity.users.map((u: { name: string }) => u.name);
    expect(users).toContain('synced');
    expect((await site.call('GET', '/v1.0/identities', { token: await site.token() })).status).toBe(200);
  });
});
