// `starling fm …` as a NOC operator uses it: alarms raised by the platform, listed, filtered,
// summarised, suppressed and deleted; the event log; catalog text shown.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startSite, type TestSite } from '../../test/support/site.ts';
import { runCli } from './index.ts';

describe('starling fm', () => {
  let site: TestSite;
  let env: Record<string, string>;

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
    site = await startSite();
    env = { OS_AUTH_URL: `${site.url}/v3`, OS_USERNAME: 'admin', OS_PASSWORD: ADMIN_PASSWORD, OS_PROJECT_NAME: 'admin' };
    // the platform raises some alarms (in-process alarm port)
    await site.controller.fault.raise({ alarm_id: '100.101', entity_instance_id: 'host=controller-0', severity: 'critical' });
    await site.controller.fault.raise({ alarm_id: '100.108', entity_instance_id: 'host=worker-0.port=eth1', severity: 'major' });
    await site.controller.fault.raise({ alarm_id: '200.010', entity_instance_id: 'host=worker-1', severity: 'warning' });
    await site.controller.fault.log({ event_log_id: '200.021', entity_instance_id: 'host=worker-1', severity: 'warning', reason_text: 'worker-1 lock requested' });
  });
  afterAll(async () => site?.stop());

  it('alarm-list shows StarlingX columns, newest first', async () => {
    const r = await cli(['fm', 'alarm-list']);
    expect(r.code).toBe(0);
    const header = r.out.split('\n')[1]!;
    expect(header).toMatch(/\| Alarm ID +\| Reason Text +\| Entity ID +\| Severity +\| Time Stamp +\|/);
    expect(r.out.indexOf('200.010')).toBeLessThan(r.out.indexOf('100.101'));
    const withCols = await cli(['fm', 'alarm-list', '--uuid', '--mgmt_affecting', '--degrade_affecting']);
    expect(withCols.out.split('\n')[1]).toMatch(/\| UUID .*\| Management Affecting \| Degrade Affecting \|/);
  });

  it('alarm-list --query filters like fmclient', async () => {
    const rows = await json(['fm', 'alarm-list', '--query', 'severity>=major']);
    expect(rows.map((r: any) => r.alarm_id).sort()).toEqual(['100.101', '100.108']);
    const one = await json(['fm', 'alarm-list', '-q', 'entity_instance_id=host=worker-0.port=eth1']);
    expect(one).toEqual([expect.objectContaining({ alarm_id: '100.108', severity: 'major' })]);
    const bad = await cli(['fm', 'alarm-list', '-q', 'colour=red']);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("q.field 'colour' cannot be queried");
  });

  it('alarm-summary counts per severity', async () => {
    expect(await json(['fm', 'alarm-summary'])).toEqual([{ critical: 1, major: 1, minor: 0, warnings: 1, status: 'critical' }]);
  });

  it('alarm-show shows the catalog’s repair text; alarm-delete clears it', async () => {
    const [a] = await json(['fm', 'alarm-list', '--uuid', '-q', 'alarm_id=200.010']);
    const shown = await json(['fm', 'alarm-show', a.uuid]);
    expect(shown.proposed_repair_action).toMatch(/BMC/);
    expect((await cli(['fm', 'alarm-delete', a.uuid])).code).toBe(0);
    expect(await json(['fm', 'alarm-list', '-q', 'alarm_id=200.010'])).toEqual([]);
    const missing = await cli(['fm', 'alarm-show', a.uuid]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('no active alarm');
  });

  it('event-list shows sets, clears and logs; --logs and --alarms filter them', async () => {
    const all = await json(['fm', 'event-list', '--limit', '50']);
    expect(all.map((e: any) => e.state)).toEqual(expect.arrayContaining(['set', 'clear', 'log']));
    const logs = await json(['fm', 'event-list', '--logs']);
    expect(logs).toEqual([expect.objectContaining({ event_log_id: '200.021', reason_text: 'worker-1 lock requested' })]);
    const alarms = await json(['fm', 'event-list', '--alarms']);
    expect(alarms.every((e: any) => e.state !== 'log')).toBe(true);
    const [first] = await json(['fm', 'event-list', '--uuid', '-l', '1']);
    expect((await json(['fm', 'event-show', first.uuid])).uuid).toBe(first.uuid);
  });

  it('event-suppress hides an alarm id from alarm-list and the summary; event-unsuppress brings it back', async () => {
    const list = await json(['fm', 'event-suppress-list']);
    expect(list.find((s: any) => s.alarm_id === '100.101')).toMatchObject({ suppression_status: 'unsuppressed', description: expect.stringMatching(/CPU/) });
    expect(await json(['fm', 'event-suppress', '--alarm_id', '100.101'])).toEqual([{ alarm_id: '100.101', suppression_status: 'suppressed' }]);
    expect((await json(['fm', 'alarm-list'])).map((r: any) => r.alarm_id)).toEqual(['100.108']);
    expect((await json(['fm', 'alarm-summary']))[0].critical).toBe(0);
    expect((await json(['fm', 'alarm-list', '--include_suppress'])).map((r: any) => r.alarm_id).sort()).toEqual(['100.101', '100.108']);
    const refused = await cli(['fm', 'event-suppress', '--alarm_id', '200.004']);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('200.004 cannot be suppressed');
    await cli(['fm', 'event-unsuppress-all']);
    expect((await json(['fm', 'alarm-summary']))[0].critical).toBe(1);
  });

  it('usage errors exit 2', async () => {
    expect((await cli(['fm', 'event-suppress'])).code).toBe(2);
    expect((await cli(['fm', 'event-list', '--limit', 'many'])).code).toBe(2);
  });
});
