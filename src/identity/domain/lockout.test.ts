import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LOCKOUT,
  DEFAULT_SOURCE_POLICY,
  afterSourceFailure,
  afterUserFailure,
  afterUserSuccess,
  lockedUntil,
  sourceDelaySeconds,
  sourceRetryAt,
  type SourceFailures,
  type UserFailures,
} from './lockout.ts';

const t0 = new Date('2026-12-05T12:00:00Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);

function fail(times: number, exempt = false, start: UserFailures = afterUserSuccess()) {
  let u = start;
  const locks: (Date | undefined)[] = [];
  for (let i = 0; i < times; i++) {
    const r = afterUserFailure(u, DEFAULT_LOCKOUT, exempt, at(i));
    u = r.next;
    locks.push(r.locked);
  }
  return { u, locks };
}

describe('per-user lockout (Keystone: 5 failures, 1800 s)', () => {
  it('locks at the 5th consecutive failure, for 1800 s from it', () => {
    const { u, locks } = fail(5);
    expect(locks.slice(0, 4)).toEqual([undefined, undefined, undefined, undefined]);
    expect(locks[4]).toEqual(at(4 + 1800));
    expect(lockedUntil(u, DEFAULT_LOCKOUT, false, at(5))).toEqual(at(1804));
    expect(lockedUntil(u, DEFAULT_LOCKOUT, false, at(1803))).toEqual(at(1804));
    expect(lockedUntil(u, DEFAULT_LOCKOUT, false, at(1804))).toBeUndefined();
  });

  it('4 failures do not lock; a success resets the count', () => {
    const { u } = fail(4);
    expect(lockedUntil(u, DEFAULT_LOCKOUT, false, at(4))).toBeUndefined();
    const again = fail(4, false, afterUserSuccess());
    expect(again.u.failed_auth_count).toBe(4);
  });

  it('an exempt user (admin, service users) is never locked, whatever the count', () => {
    const { u, locks } = fail(50, true);
    expect(locks.every((l) => l === undefined)).toBe(true);
    expect(lockedUntil(u, DEFAULT_LOCKOUT, true, at(50))).toBeUndefined();
  });

  it('after the lock runs out, counting starts again (5 more tries, then locked again)', () => {
    const { u } = fail(5);
    const r = afterUserFailure(u, DEFAULT_LOCKOUT, false, at(2000));
    expect(r.next.failed_auth_count).toBe(1);
    expect(r.locked).toBeUndefined();
  });

  it('failureAttempts 0 never locks', () => {
    const policy = { failureAttempts: 0, durationSeconds: 1800 };
    expect(lockedUntil({ failed_auth_count: 99, failed_auth_at: t0 }, policy, false, t0)).toBeUndefined();
  });
});

describe('per-source backoff (10 failures → 1 s, doubling, at most 300 s)', () => {
  const p = DEFAULT_SOURCE_POLICY;
  const failN = (n: number, everyMs = 10): SourceFailures | undefined => {
    let s: SourceFailures | undefined;
    for (let i = 0; i < n; i++) s = afterSourceFailure(s, p, i * everyMs).next;
    return s;
  };

  it.each([
    [9, 0],
    [10, 1],
    [11, 2],
    [12, 4],
    [17, 128],
    [18, 256],
    [19, 300],
    [1000, 300],
  ])('%i failures → %i s', (n, delay) => {
    expect(sourceDelaySeconds(failN(n)!, p)).toBe(delay);
  });

  it('the 10th failure is the one that starts throttling', () => {
    const s9 = failN(9);
    expect(afterSourceFailure(s9, p, 90).throttled).toBe(true);
    expect(afterSourceFailure(failN(10), p, 100).throttled).toBe(false);
  });

  it('a throttled source may try again once its delay has passed', () => {
    const s = failN(10)!; // last failure at 90 ms, delay 1 s
    expect(sourceRetryAt(s, p, 500)).toBe(1090);
    expect(sourceRetryAt(s, p, 1090)).toBeUndefined();
  });

  it('in-flight attempts of a failing source count; a source that never failed is not held back', () => {
    expect(sourceRetryAt(undefined, p, 0, 50)).toBeUndefined();
    const s = failN(5)!;
    expect(sourceRetryAt(s, p, 100, 4)).toBeUndefined();
    expect(sourceRetryAt(s, p, 100, 5)).toBe(1100);
  });

  it('a source quiet for forgetAfterSeconds starts from zero', () => {
    const s = failN(30)!;
    const later = s.lastFailureAt + p.forgetAfterSeconds * 1000;
    expect(sourceRetryAt(s, p, later)).toBeUndefined();
    expect(afterSourceFailure(s, p, later).next.failures).toBe(1);
  });
});
