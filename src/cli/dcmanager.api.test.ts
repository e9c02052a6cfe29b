// `starling dcmanager …` as an operator of a system controller uses it: subcloud groups, adding
// a subcloud from a bootstrap values file, list/show with dcmanagerclient's columns, update,
// manage/unmanage, errors, delete, and the alarm summary.

import fs from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startSite, tempDir, type TestSite } from '../../test/support/site.ts';
import { runCli } from './index.ts';

describe('starling dcmanager', () => {
  let site: TestSite;
  let env: Record<string, string>;
  let dir: string;

  async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(args, { out: (t) => out.push(t), err: (t) => err.push(t) }, env);
    return { code, out: out.join('\n'), err: err.join('\n') };
  }
  const json = async (args: string[]) => {
    const r = await cli([...args, '-f', 'json']);
    expect(r.code, r.err).toBe(0);
    return JSON.parse(r.out);
  };

  beforeAll(async () => {
    // The audit cannot reach the test's subcloud addresses: it must not take them offline meanwhile.
    site = await startSite({ config: { distributedCloudRole: 'systemcontroller', region: 'SystemController', dcloud: { auditIntervalSeconds: 3600, auditTimeoutSeconds: 1, auditConcurrency: 10, offlineThreshold: 100, auditShards: 4 } } });
    env = { OS_AUTH_URL: `${site.url}/v3`, OS_USERNAME: 'admin', OS_PASSWORD: ADMIN_PASSWORD, OS_PROJECT_NAME: 'admin' };
    dir = await tempDir();
    await fs.writeFile(
      path.join(dir, 'subcloud1.yaml'),
      [
        'name: subcloud1',
        'description: Ottawa site',
        'location: Ottawa',
        'management_subnet: 192.168.101.0/24',
        'management_start_address: 192.168.101.2',
        'management_end_address: 192.168.101.50',
        'management_gateway_address: 192.168.101.1',
        'systemcontroller_gateway_address: 192.168.204.101',
        'admin_password: Sub-cloud-pw1',
      ].join('\n'),
    );
    await fs.writeFile(path.join(dir, 'creds.yaml'), 'admin_password: Sub-cloud-pw1\n');
  });
  afterAll(async () => {
    await site?.stop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('subcloud-group add / list / show / update / list-subclouds', async () => {
    const add = await cli(['dcmanager', 'subcloud-group', 'add', '--name', 'east', '--description', 'East sites', '--update_apply_type', 'serial', '--max_parallel_subclouds', '4']);
    expect(add.code, add.err).toBe(0);
    expect(add.out).toMatch(/\| update apply type +\| serial +\|/);
    expect(add.out).toMatch(/\| max parallel subclouds +\| 4 +\|/);
    const list = await cli(['dcmanager', 'subcloud-group', 'list']);
    expect(list.out.split('\n')[1]).toMatch(/^\| id +\| name +\| description +\|$/);
    expect(list.out).toContain('Default Subcloud Group');
    expect((await json(['dcmanager', 'subcloud-group', 'show', 'east'])).name).toBe('east');
    expect((await json(['dcmanager', 'subcloud-group', 'update', 'east', '--max_parallel_subclouds', '8']))['max parallel subclouds']).toBe(8);
    expect(await json(['dcmanager', 'subcloud-group', 'list-subclouds', 'east'])).toEqual([]);
    const nothing = await cli(['dcmanager', 'subcloud-group', 'update', 'east']);
    expect(nothing.code).toBe(2);
  });

  it('subcloud add from a bootstrap values file, flags winning; list and show with dcmanagerclient columns', async () => {
    const add = await cli([
      'dcmanager', 'subcloud', 'add', '--bootstrap-address', 'http://10.10.10.2:6385', '--bootstrap-values', path.join(dir, 'subcloud1.yaml'),
      '--location', 'Ottawa DC2', '--group', 'east', '--sysadmin-password', 'St8rlingX*',
    ]);
    expect(add.code, add.err).toBe(0);
    expect(add.out).toMatch(/\| location +\| Ottawa DC2 +\|/);
    expect(add.out).toMatch(/\| identity_sync_status +\| unknown +\|/);
    expect(add.out).not.toContain('Sub-cloud-pw1');
    const list = await cli(['dcmanager', 'subcloud', 'list']);
    expect(list.out.split('\n')[1]).toMatch(/^\| id +\| name +\| management +\| availability +\| deploy status +\| sync +\| backup status +\| prestage status +\|$/);
    expect(list.out).toMatch(/\| subcloud1 +\| unmanaged +\| offline +\| complete +\| unknown +\| None +\| None +\|/);
    const detail = await json(['dcmanager', 'subcloud', 'list', '--detail']);
    expect(Object.keys(detail[0]).slice(0, 9)).toEqual(['id', 'name', 'description', 'location', 'software_version', 'management', 'availability', 'deploy_status', 'sync']);
    const show = await json(['dcmanager', 'subcloud', 'show', 'subcloud1']);
    expect(show).toMatchObject({ name: 'subcloud1', management: 'unmanaged', availability: 'offline', platform_sync_status: 'unknown' });
    expect(show).toHaveProperty('last_audit_at');
    expect(show.region_name).toMatch(/^[0-9a-f]{32}$/);
    expect((await json(['dcmanager', 'subcloud', 'show', 'subcloud1', '--detail'])).name).toBe('subcloud1');
    expect((await json(['dcmanager', 'subcloud-group', 'list-subclouds', 'east'])).map((s: { name: string }) => s.name)).toEqual(['subcloud1']);
    const audit = (await site.call('GET', '/v1/audit_logs?kind=cli&limit=50', { token: await site.token() })).body.audit_logs;
    expect(JSON.stringify(audit)).not.toContain('St8rlingX*');
  });

  it('refuses a missing values file, bad input and a duplicate with the message and field', async () => {
    const missing = await cli(['dcmanager', 'subcloud', 'add', '--bootstrap-address', 'http://10.0.0.1:6385', '--bootstrap-values', path.join(dir, 'nope.yaml')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('bootstrap-values does not exist');
    const bad = await cli(['dcmanager', 'subcloud', 'add', '--bootstrap-address', 'http://10.0.0.1:6385', '--bootstrap-values', path.join(dir, 'subcloud1.yaml'), '--name', 's2', '--management-subnet', '192.168.101.0/33']);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('management_subnet');
    const dup = await cli(['dcmanager', 'subcloud', 'add', '--bootstrap-address', 'http://10.0.0.1:6385', '--bootstrap-values', path.join(dir, 'subcloud1.yaml')]);
    expect(dup.code).toBe(1);
    expect(dup.err).toContain('already exists');
    expect((await cli(['dcmanager', 'subcloud', 'add', '--bootstrap-address', 'http://10.0.0.1:6385'])).code).toBe(2);
  });

  it('update, manage (online only), unmanage, errors, delete', async () => {
    const u = await json(['dcmanager', 'subcloud', 'update', 'subcloud1', '--description', 'Renovated', '--bootstrap-values', path.join(dir, 'creds.yaml')]);
    expect(u.description).toBe('Renovated');
    const offline = await cli(['dcmanager', 'subcloud', 'manage', 'subcloud1']);
    expect(offline.code).toBe(1);
    expect(offline.err).toContain('not online');
    const c = new pg.Client({ connectionString: site.database.url });
    await c.connect();
    await c.query("UPDATE subclouds SET availability_status = 'online' WHERE name = 'subcloud1'");
    await c.end();
    expect((await json(['dcmanager', 'subcloud', 'manage', 'subcloud1'])).management).toBe('managed');
    expect((await cli(['dcmanager', 'subcloud', 'delete', 'subcloud1'])).code).toBe(1);
    expect((await json(['dcmanager', 'subcloud', 'unmanage', 'subcloud1'])).management).toBe('unmanaged');
    expect((await cli(['dcmanager', 'subcloud', 'errors', 'subcloud1'])).out).toBe('No errors present');
    expect((await cli(['dcmanager', 'subcloud', 'delete', 'subcloud1'])).code).toBe(0);
    expect((await cli(['dcmanager', 'subcloud', 'show', 'subcloud1'])).code).toBe(1);
    expect((await cli(['dcmanager', 'subcloud-group', 'delete', 'east'])).code).toBe(0);
  });

  it('alarm summary: one row per subcloud with dcmanagerclient columns, unknown counts as -', async () => {
    await cli(['dcmanager', 'subcloud', 'add', '--bootstrap-address', 'http://10.10.10.9:6385', '--bootstrap-values', path.join(dir, 'subcloud1.yaml'), '--name', 'subcloud3']);
    const r = await cli(['dcmanager', 'alarm', 'summary']);
    expect(r.code, r.err).toBe(0);
    expect(r.out.split('\n')[1]).toMatch(/^\| NAME +\| CRITICAL_ALARMS +\| MAJOR_ALARMS +\| MINOR_ALARMS +\| WARNINGS +\| STATUS +\|$/);
    expect(r.out).toMatch(/\| SystemController +\| \d+ +\|/);
    expect(r.out).toMatch(/\| subcloud3 +\| - +\| - +\| - +\| - +\| disabled +\|/);
  });
});
