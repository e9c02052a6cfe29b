// A system controller auditing a real Starling site as its subcloud (a second controller with
// its own database), on real time with a short audit interval: online at once, the subcloud's
// alarms in the alarm summary, offline with 280.001 when it stops, back online when it returns.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, authBody, startSite, type TestSite } from '../../test/support/site.ts';

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, what: string, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: last ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a system controller and a real subcloud', () => {
  let central: TestSite;
  let subcloud: TestSite;
  let token: string;

  beforeAll(async () => {
    [central, subcloud] = await Promise.all([
      startSite({
        config: {
          distributedCloudRole: 'systemcontroller',
          region: 'SystemController',
          dcloud: { auditIntervalSeconds: 1, auditTimeoutSeconds: 2, auditConcurrency: 10, offlineThreshold: 2, auditShards: 4 },
        },
      }),
      startSite({ config: { distributedCloudRole: 'subcloud' } }),
    ]);
    token = await central.token();
  });
  afterAll(async () => {
    await Promise.all([central?.stop(), subcloud?.stop()]);
  });

  const show = () => central.call('GET', '/v1.0/subclouds/edge1', { token }).then((r) => r.body);
  const offlineAlarms = async () =>
    ((await central.call('GET', '/v1/alarms?q.field=alarm_id&q.op=eq&q.value=280.001', { token })).body.alarms as { entity_instance_id: string }[]).map(
      (a) => a.entity_instance_id,
    );

  it('adds the site, finds it online, manages it, and reads its alarms', async () => {
    const add = await central.call('POST', '/v1.0/subclouds', {
      token,
      body: {
        'bootstrap-address': subcloud.url,
        bootstrap_values: [
          'name: edge1',
          'management_subnet: 192.168.101.0/24',
          'management_start_address: 192.168.101.2',
          'management_end_address: 192.168.101.50',
          'management_gateway_address: 192.168.101.1',
          'systemcontroller_gateway_address: 192.168.204.101',
          `admin_password: ${ADMIN_PASSWORD}`,
        ].join('\n'),
      },
    });
    expect(add.status).toBe(200);
    await until(show, (s) => s['availability-status'] === 'online', 'edge1 online');
    const m = await central.call('PATCH', '/v1.0/subclouds/edge1', { token, body: { 'management-state': 'managed' } });
    expect(m.body['management-state']).toBe('managed');
    expect((await subcloud.call('GET', '/v1/isystems', { token: await subcloud.token() })).body.isystems[0].distributed_cloud_role).toBe('subcloud');

    await subcloud.controller.fault.raise({ alarm_id: '100.101', entity_instance_id: 'host=controller-0', severity: 'critical' });
    const row = await until(
      () => central.call('GET', '/v1.0/alarms', { token }).then((r) => r.body.alarm_summary.find((x: { region_name: string }) => x.region_name === 'edge1')),
      (r) => r?.critical_alarms === 1,
      'the subcloud alarm in the summary',
    );
    expect(row).toMatchObject({ region_name: 'edge1', cloud_status: 'critical' });
  });

  const identityStatus = async () => (await show()).endpoint_sync_status.find((e: { endpoint_type: string }) => e.endpoint_type === 'identity').sync_status;
  const login = async (site: TestSite, user: string, password: string) => (await site.call('POST', '/v3/auth/tokens', { body: await authBody(user, password) })).status;

  it('pushes a user created centrally (password, project role) to the managed subcloud, where it logs in', async () => {
    const named = (list: { name: string; id: string }[], name: string) => list.find((x) => x.name === name)!.id;
    const u = await central.call('POST', '/v3/users', { token, body: { user: { name: 'noc-op', password: 'Central-pw-1', enabled: true } } });
    expect(u.status).toBe(201);
    const project = named((await central.call('GET', '/v3/projects', { token })).body.projects, 'admin');
    const role = named((await central.call('GET', '/v3/roles', { token })).body.roles, 'reader');
    await central.call('PUT', `/v3/projects/${project}/users/${u.body.user.id}/roles/${role}`, { token });
    await until(() => login(subcloud, 'noc-op', 'Central-pw-1'), (s) => s === 201, 'noc-op logging in on the subcloud');
    await until(identityStatus, (s) => s === 'in-sync', 'identity in-sync');
    const s = await show();
    expect(s.sync_status).toBe('in-sync');
    // The subcloud's own admin login is left alone.
    expect(await login(subcloud, 'admin', ADMIN_PASSWORD)).toBe(201);
  });

  it('repairs drift made directly on the subcloud (out-of-sync, then in-sync) and leaves an unmanaged subcloud alone', async () => {
    const subToken = await subcloud.token();
    const local = (await subcloud.call('GET', '/v3/users', { token: subToken })).body.users.find((x: { name: string }) => x.name === 'noc-op');
    expect((await subcloud.call('PATCH', `/v3/users/${local.id}`, { token: subToken, body: { user: { password: 'Drifted-pw-1' } } })).status).toBe(200);
    await until(() => login(subcloud, 'noc-op', 'Central-pw-1'), (s) => s === 201, 'the central password restored');
    expect(await login(subcloud, 'noc-op', 'Drifted-pw-1')).toBe(401);
    const events = (await central.call('GET', '/v1/event_log?alarms=true&q.field=event_log_id&q.op=eq&q.value=280.002', { token })).body.event_log;
    expect(events.map((e: { entity_instance_id: string; state: string }) => `${e.entity_instance_id} ${e.state}`)).toEqual(
      expect.arrayContaining(['subcloud=edge1.resource=identity set', 'subcloud=edge1.resource=identity clear']),
    );

    expect((await central.call('PATCH', '/v1.0/subclouds/edge1', { token, body: { 'management-state': 'unmanaged' } })).status).toBe(200);
    expect(await identityStatus()).toBe('unknown');
    const id = (await central.call('GET', '/v3/users', { token })).body.users.find((x: { name: string }) => x.name === 'noc-op').id;
    await central.call('PATCH', `/v3/users/${id}`, { token, body: { user: { password: 'Central-pw-2' } } });
    await new Promise((r) => setTimeout(r, 2500));
    expect(await login(subcloud, 'noc-op', 'Central-pw-1')).toBe(201);
    expect(await identityStatus()).toBe('unknown');
    // Managed again: it catches up.
    expect((await central.call('PATCH', '/v1.0/subclouds/edge1', { token, body: { 'management-state': 'managed' } })).status).toBe(200);
    await until(() => login(subcloud, 'noc-op', 'Central-pw-2'), (s) => s === 201, 'the new password on the subcloud');
  });

  it('takes it offline with 280.001 when it stops, and online again (alarm cleared) when it is back', async () => {
    const port = new URL(subcloud.url).port;
    await subcloud.controller.stop();
    const down = await until(show, (s) => s['availability-status'] === 'offline', 'edge1 offline');
    expect(down['management-state']).toBe('managed');
    expect(down.endpoint_sync_status.every((e: { sync_status: string }) => e.sync_status === 'unknown')).toBe(true);
    expect(await offlineAlarms()).toEqual(['subcloud=edge1']);
    const summary = (await central.call('GET', '/v1.0/alarms', { token })).body.alarm_summary;
    // The system controller's own row first (its 280.001 is critical), then the subcloud's, unknown.
    expect(summary).toEqual([
      expect.objectContaining({ region_name: 'SystemController', critical_alarms: 1, cloud_status: 'critical' }),
      expect.objectContaining({ region_name: 'edge1', critical_alarms: -1, cloud_status: 'disabled' }),
    ]);

    await subcloud.restartController();
    expect(new URL(subcloud.url).port).toBe(port);
    await until(show, (s) => s['availability-status'] === 'online', 'edge1 back online');
    await until(offlineAlarms, (a) => a.length === 0, '280.001 cleared');
  });
});
