import { describe, expect, it } from 'vitest';
import { cloudStatus, decideAudit, type AuditState } from './audit.ts';

const counts = { critical: 0, major: 1, minor: 0, warnings: 2 };
const ok = { ok: true as const, alarms: counts };
const fail = { ok: false as const, error: 'timed out' };
const st = (availability_status: 'online' | 'offline', audit_fail_count = 0): AuditState => ({ availability_status, audit_fail_count });

describe('availability audit decision', () => {
  it.each([
    ['offline answers → online, alarm cleared', st('offline', 5), ok, { availability_status: 'online', audit_fail_count: 0, changed: true, alarm: 'clear' }],
    ['online answers → stays online, no alarm change', st('online'), ok, { availability_status: 'online', audit_fail_count: 0, changed: false, alarm: undefined }],
    ['online misses once (threshold 2) → still online, counts kept', st('online'), fail, { availability_status: 'online', audit_fail_count: 1, changed: false, alarm: undefined, alarms: 'keep' }],
    ['online misses twice → offline, alarm raised, counts unknown', st('online', 1), fail, { availability_status: 'offline', audit_fail_count: 2, changed: true, alarm: 'raise', alarms: 'unknown' }],
    ['offline misses → stays offline, nothing raised again', st('offline', 7), fail, { availability_status: 'offline', audit_fail_count: 8, changed: false, alarm: undefined, alarms: 'unknown' }],
  ] as const)('%s', (_name, state, obs, expected) => {
    expect(decideAudit(state, obs, 2)).toMatchObject(expected);
  });

  it('threshold 1: the first miss takes it offline', () => {
    expect(decideAudit(st('online'), fail, 1)).toMatchObject({ availability_status: 'offline', alarm: 'raise' });
  });

  it('keeps the counts and the error of the last audit', () => {
    expect(decideAudit(st('online'), ok, 2).alarms).toEqual({ ...counts, status: 'degraded' });
    expect(decideAudit(st('online'), fail, 2).last_audit_error).toBe('timed out');
  });

  it.each([
    [{ critical: 1, major: 0, minor: 0, warnings: 0 }, 'critical'],
    [{ critical: 0, major: 0, minor: 3, warnings: 0 }, 'degraded'],
    [{ critical: 0, major: 0, minor: 0, warnings: 9 }, 'OK'],
  ])('cloud_status of %j is %s', (c, s) => expect(cloudStatus(c)).toBe(s));
});
