// The availability audit on a fake clock against real HTTP subclouds (the fake subcloud server):
// online at the first audit, offline after the configured misses with 280.001 raised on the
// system controller and cleared on recovery; a hanging subcloud times out without holding up the
// others; at most `concurrency` audits run at once; the alarm counts feed the alarm summary.

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sealer } from '../common/sealed.ts';
import { silentLogger } from '../common/log.ts';
import { Db } from '../db/index.ts';
import { FaultService, loadCatalog } from '../fault/index.ts';
import { ManualScheduler } from '../runtime/index.ts';
import { freshDatabase, type TestDatabase } from '../../test/support/site.ts';
import { startFakeSubcloud, type FakeSubcloud } from '../../test/support/fake-subcloud.ts';
import { DcManagerService } from './service.ts';
import { SubcloudAuditor } from './reconciler.ts';
import { SubcloudClient } from './subcloud-client.ts';
import type { EndpointSync } from './endpoint-sync.ts';

const INTERVAL = 30_000;
const TIMEOUT = 5_000;

async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('subcloud availability audit', () => {
  let database: TestDatabase;
  let db: Db;
  let fault: FaultService;
  let sched: ManualScheduler;
  let service: DcManagerService;
  let auditor: SubcloudAuditor | undefined;
  const fakes: FakeSubcloud[] = [];
  let subnet = 0;

  beforeAll(async () => {
    database = await freshDatabase();
    db = new Db(database.url);
  });
  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  beforeEach(async () => {
    sched = new ManualScheduler();
    const clock = { now: () => new Date(sched.now()) };
    fault = new FaultService(db, clock, loadCatalog(), { maxCount: 100_000, maxAgeSeconds: 86_400 });
    await fault.bootstrap();
    service = new DcManagerService(db, clock, sealer(Buffer.alloc(32, 7).toString('base64')), fault);
  });
  afterEach(async () => {
    await auditor?.stop();
    auditor = undefined;
    await Promise.all(fakes.splice(0).map((f) => f.close()));
    await db.query('DELETE FROM subclouds');
    await db.query('DELETE FROM alarms');
  });

  const start = async (concurrency = 10, offlineThreshold = 2, syncs: EndpointSync[] = []) => {
    auditor = new SubcloudAuditor(
      { service, probe: new SubcloudClient(() => sched.now()).probe, alarms: fault, log: silentLogger, scheduler: sched, syncs },
      { intervalMs: INTERVAL, timeoutMs: TIMEOUT, concurrency, offlineThreshold },
    );
    await auditor.start();
    await auditor.idle();
  };
  const addSubcloud = async (name: string, password?: string) => {
    const fake = await startFakeSubcloud();
    fakes.push(fake);
    const n = ++subnet;
    await service.addSubcloud({
      'bootstrap-address': fake.url,
      bootstrap_values: [
        `name: ${name}`,
        `management_subnet: 10.${n}.0.0/24`,
        `management_start_address: 10.${n}.0.2`,
        `management_end_address: 10.${n}.0.50`,
        `management_gateway_address: 10.${n}.0.1`,
        'systemcontroller_gateway_address: 192.168.204.101',
        `admin_password: ${password ?? fake.password}`,
      ].join('\n'),
    });
    return fake;
  };
  const tick = async (ms = INTERVAL) => {
    sched.advance(ms);
    await auditor!.idle();
  };
  const sub = (name: string) => service.getSubcloud(name);
  const alarms = async () => (await db.query<{ alarm_id: string; entity_instance_id: string; severity: string }>('SELECT alarm_id, entity_instance_id, severity FROM alarms ORDER BY entity_instance_id')).rows;

  it('brings reachable subclouds online at the first audit and shows when it last audited them', async () => {
    await addSubcloud('sc1');
    await addSubcloud('sc2');
    await start();
    expect((await sub('sc1'))['availability-status']).toBe('online');
    expect((await sub('sc2'))['last-audit-at']).toBe(new Date(sched.now()).toISOString());
    await tick();
    expect((await sub('sc2'))['last-audit-at']).toBe(new Date(sched.now()).toISOString());
    expect(await alarms()).toEqual([]);
  });

  it('takes a subcloud that stops answering offline after the threshold, with 280.001, and back online on recovery', async () => {
    const a = await addSubcloud('sc1');
    await addSubcloud('sc2');
    await start();
    a.mode = 'refuse';
    await tick();
    expect(await sub('sc1')).toMatchObject({ 'availability-status': 'online', 'audit-fail-count': 1 });
    await tick();
    expect(await sub('sc1')).toMatchObject({ 'availability-status': 'offline', 'audit-fail-count': 2 });
    expect((await sub('sc2'))['availability-status']).toBe('online');
    expect(await alarms()).toEqual([{ alarm_id: '280.001', entity_instance_id: 'subcloud=sc1', severity: 'critical' }]);
    // Still down: nothing raised again, still offline.
    await tick();
    expect(await alarms()).toHaveLength(1);
    a.mode = 'up';
    await tick();
    expect(await sub('sc1')).toMatchObject({ 'availability-status': 'online', 'audit-fail-count': 0 });
    expect(await alarms()).toEqual([]);
  });

  it('times out a hanging subcloud without holding up the others', async () => {
    const slow = await addSubcloud('slow');
    await addSubcloud('fast');
    await start(10, 1);
    slow.mode = 'hang';
    sched.advance(INTERVAL);
    await until(() => slow.hanging === 1, 'the slow subcloud to be asked');
    // The fast one was audited meanwhile.
    await until(async () => (await sub('fast'))['last-audit-at'] === new Date(sched.now()).toISOString(), 'the fast subcloud audited');
    expect((await sub('slow'))['availability-status']).toBe('online');
    sched.advance(TIMEOUT);
    await auditor!.idle();
    expect(await sub('slow')).toMatchObject({ 'availability-status': 'offline' });
    await until(() => slow.hanging === 0, 'the hung request to be dropped');
    expect(await alarms()).toEqual([{ alarm_id: '280.001', entity_instance_id: 'subcloud=slow', severity: 'critical' }]);
  });

  it('runs at most `concurrency` audits at once', async () => {
    const all = await Promise.all(['h1', 'h2', 'h3', 'h4', 'h5'].map((n) => addSubcloud(n)));
    for (const f of all) f.mode = 'hang';
    const started = start(2, 1);
    await until(() => all.reduce((n, f) => n + f.hanging, 0) === 2, 'two audits running');
    await new Promise((r) => setTimeout(r, 100));
    expect(all.reduce((n, f) => n + f.hanging, 0)).toBe(2);
    expect(auditor!.stats()).toMatchObject({ running: 2, ready: 3 });
    sched.advance(TIMEOUT);
    await until(() => all.reduce((n, f) => n + f.hanging, 0) === 2 && auditor!.stats().ready === 1, 'the next two');
    sched.advance(TIMEOUT);
    // Its request is out (so its timeout is set) before time moves.
    await until(() => auditor!.stats().ready === 0 && all.reduce((n, f) => n + f.hanging, 0) === 1, 'the last one');
    sched.advance(TIMEOUT);
    await started;
    await auditor!.idle();
    for (const n of ['h1', 'h2', 'h3', 'h4', 'h5']) expect((await sub(n))['availability-status']).toBe('offline');
  });

  it('counts a refused login as a failed audit, and says why', async () => {
    await addSubcloud('badpw', 'wrong-password');
    await start(10, 1);
    expect(await sub('badpw')).toMatchObject({ 'availability-status': 'offline', 'audit-fail-count': 1 });
    const r = await db.query<{ last_audit_error: string }>("SELECT last_audit_error FROM subclouds WHERE name = 'badpw'");
    expect(r.rows[0]!.last_audit_error).toContain('HTTP 401');
  });

  it('audits a new subcloud at once and forgets a deleted one (its alarm cleared)', async () => {
    await start();
    const f = await addSubcloud('late');
    await auditor!.idle();
    expect((await sub('late'))['availability-status']).toBe('online');
    f.mode = 'refuse';
    await tick();
    await tick();
    expect(await alarms()).toHaveLength(1);
    await service.deleteSubcloud('late');
    expect(await alarms()).toEqual([]);
    await tick();
    expect(auditor!.stats()).toMatchObject({ running: 0, ready: 0, scheduled: 0 });
  });

  it('feeds the alarm summary: counts and cloud_status while online, unknown (-1, disabled) when offline', async () => {
    const f = await addSubcloud('sc1');
    f.alarms = { critical: 0, major: 2, minor: 1, warnings: 3 };
    await start(10, 1);
    expect(await service.alarmSummary()).toEqual([
      expect.objectContaining({ region_name: 'sc1', critical_alarms: 0, major_alarms: 2, minor_alarms: 1, warnings: 3, cloud_status: 'degraded' }),
    ]);
    f.alarms = { critical: 1, major: 0, minor: 0, warnings: 0 };
    await tick();
    expect((await service.alarmSummary())[0]).toMatchObject({ critical_alarms: 1, cloud_status: 'critical' });
    f.mode = 'refuse';
    await tick();
    expect((await service.alarmSummary())[0]).toMatchObject({ critical_alarms: -1, major_alarms: -1, minor_alarms: -1, warnings: -1, cloud_status: 'disabled' });
  });

  it('records a synced endpoint out-of-sync (280.002) then in-sync, and never pushes to a subcloud unmanaged while its audit ran', async () => {
    await addSubcloud('sc1');
    // The sync contract as the audit sees it: this one finds drift when told to, and pushes only
    // when the audit says the subcloud is still managed.
    const state = { drift: false, unmanageMeanwhile: false, pushed: [] as boolean[] };
    const platform: EndpointSync = {
      endpoint: 'platform',
      async sync(_t, _signal, drift) {
        if (!state.drift) return;
        if (state.unmanageMeanwhile) await service.updateSubcloud('sc1', { 'management-state': 'unmanaged' });
        state.pushed.push(await drift());
      },
    };
    await start(10, 2, [platform]);
    await service.updateSubcloud('sc1', { 'management-state': 'managed' });
    await auditor!.idle();
    const status = async (type: string) => (await sub('sc1')).endpoint_sync_status.find((e) => e.endpoint_type === type)?.sync_status;
    expect(await status('platform')).toBe('in-sync');
    // The endpoint types with nothing to sync show in-sync too.
    expect(await status('identity')).toBe('in-sync');

    state.drift = true;
    await tick();
    expect(state.pushed).toEqual([true]);
    expect(await status('platform')).toBe('in-sync');
    const events = await db.query<{ state: string }>("SELECT state FROM event_log WHERE event_log_id = '280.002' AND entity_instance_id = 'subcloud=sc1.resource=platform' ORDER BY seq");
    expect(events.rows.map((e) => e.state)).toEqual(['set', 'clear']);

    state.unmanageMeanwhile = true;
    await tick();
    expect(state.pushed).toEqual([true, false]);
    expect(await status('platform')).toBe('unknown');
    expect(await alarms()).toEqual([]);
  });
});
