// The web dashboard, driven in Debian's headless Chromium (playwright-core with the system's
// browser: no browser download) against a real controller with a real agent on this machine:
// log in, see the hosts, unlock and lock a host and watch its state change, raise an alarm
// through the API and see it appear live, suppress and unsuppress it, open a host's inventory,
// page the event log, log out (the token is revoked), a revoked token goes back to the login
// page, and a reader sees everything but no action button. Screenshots of each page are
// written to test-artifacts/dashboard/.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAgentConfig } from '../../src/common/config.ts';
import { silentLogger } from '../../src/common/log.ts';
import { startAgent, type Agent } from '../../src/agent/agent.ts';
import { ADMIN_PASSWORD, startSite, type TestSite } from '../support/site.ts';

const CHROMIUM = process.env.STARLING_CHROMIUM ?? '/usr/bin/chromium';
const ROOT = path.resolve(import.meta.dirname, '../..');
const SHOTS = path.join(ROOT, 'test-artifacts', 'dashboard');
const MAC = '02:da:00:00:00:01';
const skipReason = existsSync(CHROMIUM) ? '' : ` (skipped: no browser at ${CHROMIUM}; apt-get install chromium)`;

describe.skipIf(skipReason !== '')(`the dashboard in a browser${skipReason}`, () => {
  let site: TestSite;
  let token: string;
  let agent: Agent | undefined;
  let scratch: string;
  let browser: Browser;
  let page: Page;
  const call = (method: string, p: string, body?: unknown) => site.call(method, p, { token, ...(body === undefined ? {} : { body }) });
  const shot = async (name: string, p = page) => {
    await p.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  };
  const hostState = async () => {
    const h = (await call('GET', '/v1/ihosts/worker-0')).body;
    return `${h.administrative}-${h.operational}-${h.availability}`;
  };
  async function until<T>(what: string, f: () => Promise<T>, ok: (v: T) => boolean, ms = 60_000): Promise<T> {
    const end = Date.now() + ms;
    let v = await f();
    while (!ok(v)) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(v)}`);
      await new Promise((r) => setTimeout(r, 100));
      v = await f();
    }
    return v;
  }
  const logIn = async (p: Page, user: string, password: string) => {
    await p.goto(`${site.url}/`);
    await p.getByLabel('User name').fill(user);
    await p.getByLabel('Password').fill(password);
    await p.getByRole('button', { name: 'Log in' }).click();
    await p.getByRole('heading', { name: 'Overview' }).waitFor();
  };

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    // The dashboard's files, as `npm run build` makes them (a no-op when they are fresh).
    execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { stdio: 'pipe' });
    site = await startSite();
    token = await site.token();
    const sys = (await call('GET', '/v1/isystems')).body.isystems[0];
    await call('PATCH', `/v1/isystems/${sys.uuid}`, [{ op: 'replace', path: '/system_mode', value: 'duplex' }]);
    expect((await call('POST', '/v1/ihosts', { hostname: 'worker-0', personality: 'worker', mgmt_mac: MAC })).status).toBe(201);
    scratch = mkdtempSync(path.join(tmpdir(), 'starling-dash-'));
    agent = startAgent(
      loadAgentConfig(
        {
          controller: site.url,
          hostname: 'worker-0',
          mgmtMac: MAC,
          network: ['mgmt=127.0.0.1:0', 'cluster-host=127.0.0.2:0'],
          stateDir: path.join(scratch, 'state'),
          pmonDir: path.join(scratch, 'pmon.d'),
        },
        { STARLING_AGENT_PASSWORD: site.controller.agentPassword, STARLING_AGENT_BOOT_MS: '300' },
      ),
      silentLogger,
    );
    // A reader: sees everything, changes nothing.
    const project = (await call('GET', '/v3/projects?name=admin')).body.projects[0];
    const reader = (await call('GET', '/v3/roles')).body.roles.find((r: { name: string }) => r.name === 'reader');
    const u = await call('POST', '/v3/users', { user: { name: 'viewer', password: 'viewer-pw-123', default_project_id: project.id } });
    expect(u.status).toBe(201);
    expect((await call('PUT', `/v3/projects/${project.id}/users/${u.body.user.id}/roles/${reader.id}`)).status).toBe(204);
    await until('the agent to register', hostState, (s) => s === 'locked-disabled-online');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    page.setDefaultTimeout(20_000);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await agent?.stop();
    await site?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('is served at / beside the API, which keeps its routes', async () => {
    const index = await fetch(`${site.url}/`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    expect(index.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await index.text();
    const script = /src="\.\/(assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const js = await fetch(`${site.url}/${script}`);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${site.url}/assets/nothing-here.js`)).status).toBe(404);
    expect((await fetch(`${site.url}/assets/..%2Fpackage.json`)).status).toBe(404);
    // `/` is still Keystone's version document for API clients (keystoneauth asks for JSON).
    const versions = await fetch(`${site.url}/`, { headers: { accept: 'application/json' } });
    expect(versions.status).toBe(300);
    expect(((await versions.json()) as { versions: { values: { id: string }[] } }).versions.values[0]!.id).toMatch(/^v3/);
    // The API is untouched: no token, 401 in its own error shape.
    const api = await fetch(`${site.url}/v1/ihosts`);
    expect(api.status).toBe(401);
    expect(((await api.json()) as { error: { error_code: string } }).error.error_code).toBe('AUTH_REQUIRED');
  });

  it('logs in with the platform account; a wrong password is refused with the API’s message', async () => {
    await page.goto(`${site.url}/`);
    await page.getByLabel('User name').waitFor();
    const nav = await page.evaluate(() => {
      const t = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      return { dom: Math.round(t.domContentLoadedEventEnd), load: Math.round(t.loadEventEnd), bytes: t.transferSize };
    });
    console.log(`first page: DOMContentLoaded ${nav.dom} ms, load ${nav.load} ms (from the local controller)`);
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').waitFor();
    console.log(`wrong password: ${await page.getByRole('alert').textContent()}`);
    await shot('01-login');
    const started = Date.now();
    await logIn(page, 'admin', ADMIN_PASSWORD);
    console.log(`login to overview: ${Date.now() - started} ms`);
    await page.getByTestId('stream-state').filter({ hasText: 'live' }).waitFor();
    await page.getByText('No action is running.').waitFor();
    await shot('02-overview');
  });

  it('lists the hosts, filters them, and opens a host with its inventory', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Hosts' }).click();
    const table = page.getByRole('table', { name: 'Hosts' });
    await table.getByRole('link', { name: 'worker-0' }).waitFor();
    await expect(table.getByRole('row').filter({ hasText: 'worker-0' }).textContent()).resolves.toMatch(/locked.*disabled.*online/);
    await page.getByLabel('Filter').fill('no-such-host');
    await page.getByText('No hosts match.').waitFor();
    await page.getByLabel('Filter').fill('worker');
    await shot('03-hosts');
    await table.getByRole('link', { name: 'worker-0' }).click();
    await page.getByRole('heading', { name: 'worker-0', level: 1 }).waitFor();
    // The agent's inventory of this machine: CPUs per NUMA node, memory, ports, disks.
    const cpus = page.getByRole('list', { name: /CPUs of NUMA node 0/ });
    await cpus.waitFor();
    const cpuCount = await cpus.getByRole('listitem').count();
    expect(cpuCount).toBeGreaterThan(0);
    await page.getByRole('table', { name: 'Memory and huge pages (per NUMA node)' }).waitFor();
    await page.getByRole('heading', { name: /^Disks \(\d+\)/ }).waitFor();
    console.log(`inventory: ${cpuCount} CPUs on NUMA node 0`);
    await shot('04-host');
  });

  it('unlocks and locks the host, with a confirmation, the state and task changing live', async () => {
    const state = page.getByTestId('host-state');
    await page.getByRole('group', { name: 'Host actions' }).getByRole('button', { name: 'Unlock' }).click();
    const dialog = page.getByRole('dialog', { name: 'Unlock worker-0?' });
    await dialog.waitFor();
    await shot('05-confirm');
    let started = Date.now();
    await dialog.getByRole('button', { name: 'Unlock' }).click();
    await state.filter({ hasText: /Unlocking|Rebooting|Testing|unlocked/ }).waitFor();
    const seenTask = await page.getByTestId('host-task').textContent();
    await state.filter({ hasText: /unlocked\s*enabled\s*available/ }).waitFor({ timeout: 60_000 });
    console.log(`unlock: task "${seenTask}", available after ${Date.now() - started} ms`);
    await page.getByRole('group', { name: 'Host actions' }).getByRole('button', { name: 'Lock', exact: true }).click();
    started = Date.now();
    await page.getByRole('dialog', { name: 'Lock worker-0?' }).getByRole('button', { name: 'Lock' }).click();
    await state.filter({ hasText: /^locked/ }).waitFor({ timeout: 60_000 });
    console.log(`lock: locked on the page after ${Date.now() - started} ms`);
    expect(await hostState()).toMatch(/^locked-/);
    await shot('06-host-locked');
  });

  it('shows an alarm raised through the API live, with its repair action; suppresses and unsuppresses it', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Alarms' }).click();
    const table = page.getByRole('table', { name: 'Active alarms' });
    await page.getByTestId('alarm-count').filter({ hasText: /active alarm/ }).waitFor();
    const raisedAt = Date.now();
    const raised = await call('POST', '/v1/alarms', {
      alarm_id: '100.101',
      entity_instance_id: 'host=worker-0.dashboard=test',
      severity: 'critical',
      reason_text: 'Platform CPU threshold exceeded; threshold 95%, actual 99%',
      proposed_repair_action: 'Monitor and if condition persists, contact next level of support.',
    });
    expect(raised.status).toBe(201);
    const row = table.getByRole('row').filter({ hasText: 'host=worker-0.dashboard=test' });
    await row.waitFor();
    const ms = Date.now() - raisedAt;
    console.log(`alarm raised through the API: on the page after ${ms} ms (no reload)`);
    expect(ms).toBeLessThan(5000);
    await row.getByRole('link', { name: '100.101' }).click();
    const detail = page.getByRole('region', { name: 'Alarm 100.101' });
    await detail.getByText('contact next level of support').waitFor();
    await shot('07-alarm-detail');
    await detail.getByRole('button', { name: 'Suppress 100.101' }).click();
    await row.waitFor({ state: 'detached' });
    expect((await call('GET', '/v1/event_suppression')).body.event_suppression.find((s: any) => s.alarm_id === '100.101').suppression_status).toBe(
      'suppressed',
    );
    await page.getByRole('button', { name: 'Unsuppress 100.101' }).click();
    await row.waitFor();
    // The overview counts it, lists it, and draws it in the last 24 hours' history.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' }).click();
    const listed = page.getByRole('listitem').filter({ hasText: 'host=worker-0.dashboard=test' });
    await listed.waitFor();
    await page.getByRole('img', { name: /^[1-9]\d* alarms raised in the last 24 hours/ }).waitFor();
    await shot('07-overview-alarms');
    // Cleared elsewhere: gone from the page without a reload.
    await call('DELETE', `/v1/alarms/${raised.body.uuid}`);
    await listed.waitFor({ state: 'detached' });
  });

  it('pages the event log', async () => {
    for (let i = 0; i < 30; i++) {
      await call('POST', '/v1/event_log', { event_log_id: '200.022', entity_instance_id: `host=worker-0.n${i}`, severity: 'warning', reason_text: `test event ${i}` });
    }
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Event log' }).click();
    const table = page.getByRole('table', { name: 'Event log' });
    await table.getByText('test event 29').waitFor();
    await shot('08-events');
    await page.getByRole('button', { name: 'Older →' }).click();
    await page.getByText('page 2').waitFor();
    await table.getByText('test event 0', { exact: true }).waitFor();
    await page.getByRole('button', { name: '← Newer' }).click();
    await table.getByText('test event 29').waitFor();
  });

  it('logs out and revokes the token', async () => {
    const saved = await page.evaluate(() => sessionStorage.getItem('starling.session'));
    const t = (JSON.parse(saved!) as { token: string }).token;
    expect((await site.call('GET', '/v1/ihosts', { token: t })).status).toBe(200);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('starling.session'))).toBeNull();
    expect((await site.call('GET', '/v1/ihosts', { token: t })).status).toBe(401);
  });

  it('goes back to the login page when its token is revoked elsewhere', async () => {
    await logIn(page, 'admin', ADMIN_PASSWORD);
    const t = (JSON.parse((await page.evaluate(() => sessionStorage.getItem('starling.session')))!) as { token: string }).token;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Hosts' }).click();
    expect((await site.call('DELETE', '/v3/auth/tokens', { token, headers: { 'x-subject-token': t } })).status).toBe(204);
    await page.getByText('Your session has ended').waitFor();
    await page.getByRole('button', { name: 'Log in' }).waitFor();
  });

  it('shows a reader everything and offers no change', async () => {
    const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
    const p = await context.newPage();
    p.setDefaultTimeout(20_000);
    try {
      const raised = await call('POST', '/v1/alarms', { alarm_id: '100.103', entity_instance_id: 'host=worker-0', severity: 'major', reason_text: 'Memory threshold exceeded' });
      await logIn(p, 'viewer', 'viewer-pw-123');
      await p.getByTestId('who').filter({ hasText: 'reader' }).waitFor();
      await p.goto(`${site.url}/#/hosts/worker-0`);
      await p.getByRole('list', { name: /CPUs of NUMA node 0/ }).waitFor();
      expect(await p.getByRole('group', { name: 'Host actions' }).count()).toBe(0);
      expect(await p.getByRole('button', { name: /^(Lock|Unlock|Reboot|Reset|Power on|Power off|Delete)$/ }).count()).toBe(0);
      await p.goto(`${site.url}/#/alarms/${raised.body.uuid}`);
      await p.getByRole('region', { name: 'Alarm 100.103' }).waitFor();
      expect(await p.getByRole('button', { name: /Suppress|Unsuppress/ }).count()).toBe(0);
      await shot('09-reader-alarm', p);
    } finally {
      await context.close();
    }
  });

  it('draws the host on its networks, and a lost heartbeat as a cut link, live', async () => {
    // Heartbeat runs for an unlocked host.
    expect((await call('PATCH', '/v1/ihosts/worker-0', [{ op: 'replace', path: '/action', value: 'unlock' }])).status).toBe(200);
    await until('available', hostState, (s) => s === 'unlocked-enabled-available');
    await logIn(page, 'admin', ADMIN_PASSWORD);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Topology' }).click();
    const svg = page.getByTestId('topology');
    for (const net of ['mgmt', 'cluster-host']) await svg.locator(`[data-link="worker-0/${net}"][data-state="up"]`).waitFor({ state: 'attached' });
    await shot('10-topology');
    // The host's agent stops: its heartbeat is lost on every network, drawn red and dashed.
    const stoppedAt = Date.now();
    await agent?.stop();
    agent = undefined;
    await svg.locator('[data-link="worker-0/mgmt"][data-state="lost"]').waitFor({ state: 'attached', timeout: 60_000 });
    console.log(`heartbeat lost: the link drawn as cut ${Date.now() - stoppedAt} ms after the agent stopped`);
    expect(await svg.locator('[data-link="worker-0/mgmt"]').getAttribute('stroke-dasharray')).not.toBeNull();
    await shot('11-topology-cut');
  });
});

describe.skipIf(skipReason !== '')(`the dashboard of a system controller with 10,000 subclouds${skipReason}`, () => {
  const COUNT = 10_000;
  let site: TestSite;
  let browser: Browser;

  beforeAll(async () => {
    execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { stdio: 'pipe' });
    site = await startSite({ config: { distributedCloudRole: 'systemcontroller' } });
    // 10,000 subclouds written straight into the tables (through the API this would take minutes):
    // one in ten offline, one in four out of sync, every 500th with critical alarms.
    const db = new pg.Client({ connectionString: site.database.url });
    await db.connect();
    try {
      await db.query(
        `INSERT INTO subclouds (name, software_version, availability_status, deploy_status, region_name, management_subnet,
           management_start_ip, management_end_ip, management_gateway_ip, systemcontroller_gateway_ip, bootstrap_address,
           admin_username, admin_project, admin_password_sealed)
         SELECT format('subcloud%s', i), '24.09', CASE WHEN i % 10 = 0 THEN 'offline' ELSE 'online' END, 'complete',
           format('region-%s', i), format('10.%s.%s.0/24', i / 256, i % 256)::cidr, format('10.%s.%s.2', i / 256, i % 256)::inet,
           format('10.%s.%s.50', i / 256, i % 256)::inet, format('10.%s.%s.1', i / 256, i % 256)::inet, '192.168.204.1'::inet,
           format('10.%s.%s.2', i / 256, i % 256), 'admin', 'admin', 'unused'
         FROM generate_series(1, $1::int) i`,
        [COUNT],
      );
      await db.query(
        `INSERT INTO subcloud_status (subcloud_id, endpoint_type, sync_status)
         SELECT id, 'platform', CASE WHEN id % 4 = 0 THEN 'out-of-sync' ELSE 'in-sync' END FROM subclouds`,
      );
      await db.query(
        `INSERT INTO subcloud_alarms (subcloud_id, critical_alarms, major_alarms, minor_alarms, warnings, cloud_status)
         SELECT id, CASE WHEN id % 500 = 0 THEN 2 ELSE 0 END, 0, 0, 0, CASE WHEN id % 500 = 0 THEN 'critical' ELSE 'OK' END FROM subclouds
         ON CONFLICT (subcloud_id) DO NOTHING`,
      );
    } finally {
      await db.end();
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await site?.stop();
  });

  it('shows them on the overview and in a virtualised grid that filters and scrolls quickly', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    page.setDefaultTimeout(30_000);
    await page.goto(`${site.url}/`);
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('group', { name: 'alarm status' }).filter({ hasText: 'critical' }).waitFor();
    await page.getByRole('heading', { name: `Subclouds (${COUNT})` }).waitFor();
    await page.screenshot({ path: path.join(SHOTS, '12-overview-systemcontroller.png'), fullPage: true });
    let started = Date.now();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Subclouds' }).click();
    const count = page.getByTestId('subcloud-count');
    await count.filter({ hasText: `${COUNT} of ${COUNT} subclouds` }).waitFor();
    console.log(`subcloud grid: ${COUNT} subclouds shown after ${Date.now() - started} ms (API answer included)`);
    const grid = page.getByRole('list', { name: 'Subclouds' });
    const inDom = await grid.getByRole('listitem').count();
    console.log(`subcloud grid: ${inDom} tiles in the DOM for ${COUNT} subclouds`);
    expect(inDom).toBeGreaterThan(0);
    expect(inDom).toBeLessThan(500);
    await page.screenshot({ path: path.join(SHOTS, '13-subclouds.png') });
    started = Date.now();
    await page.getByLabel('Name').fill('subcloud9999');
    await count.filter({ hasText: `1 of ${COUNT} subclouds` }).waitFor();
    console.log(`subcloud grid: filtered by name in ${Date.now() - started} ms`);
    await page.getByLabel('Name').fill('');
    started = Date.now();
    await page.getByLabel('Availability').selectOption('offline');
    await count.filter({ hasText: `${COUNT / 10} of ${COUNT} subclouds` }).waitFor();
    console.log(`subcloud grid: filtered by availability in ${Date.now() - started} ms`);
    await page.getByLabel('Availability').selectOption('');
    await count.filter({ hasText: `${COUNT} of ${COUNT} subclouds` }).waitFor();
    started = Date.now();
    await grid.evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await grid.getByText(`subcloud${COUNT}`, { exact: true }).waitFor();
    console.log(`subcloud grid: scrolled to the last subcloud in ${Date.now() - started} ms`);
  });
});
