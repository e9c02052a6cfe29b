// Login throttling, pure: Keystone's per-user lockout (`[security_compliance]
// lockout_failure_attempts` / `lockout_duration`, which StarlingX sets to 5 and 1800 s) and a
// per-source backoff that also covers the users exempt from lockout (admin, service users).

/** Per-user lockout (Keystone's rule). */
export interface LockoutPolicy {
  /** Consecutive failed logins that lock the user; 0 = never lock. */
  failureAttempts: number;
  /** How long a locked user stays locked, from its last failure, in seconds. */
  durationSeconds: number;
}

/** Per-source backoff: after `failures` failed logins from one source, each further attempt from it
 *  waits `initialDelaySeconds`, doubling with each failure, up to `maxDelaySeconds`. */
export interface SourcePolicy {
  failures: number;
  initialDelaySeconds: number;
  maxDelaySeconds: number;
  /** A source with no failure for this long starts again from zero. */
  forgetAfterSeconds: number;
}

/** StarlingX's Keystone values. */
export const DEFAULT_LOCKOUT: LockoutPolicy = { failureAttempts: 5, durationSeconds: 1800 };
export const DEFAULT_SOURCE_POLICY: SourcePolicy = {
  failures: 10,
  initialDelaySeconds: 1,
  maxDelaySeconds: 300,
  forgetAfterSeconds: 1800,
};

/** What the users table keeps (Keystone's local_user.failed_auth_count / failed_auth_at). */
export interface UserFailures {
  failed_auth_count: number;
  failed_auth_at: Date | null;
}

/** Until when the user is locked, or undefined. Exempt users (Keystone's
 *  `ignore_lockout_failure_attempts`) are never locked. */
export function lockedUntil(u: UserFailures, policy: LockoutPolicy, exempt: boolean, now: Date): Date | undefined {
  if (exempt || policy.failureAttempts === 0 || u.failed_auth_at === null) return undefined;
  if (u.failed_auth_count < policy.failureAttempts) return undefined;
  const until = new Date(u.failed_auth_at.getTime() + policy.durationSeconds * 1000);
  return until.getTime() > now.getTime() ? until : undefined;
}

/** The counters after a failed password, and whether this failure locked the user. A lock that has
 *  run out starts the count again (Keystone does the same). */
export function afterUserFailure(
  u: UserFailures,
  policy: LockoutPolicy,
  exempt: boolean,
  now: Date,
): { next: UserFailures; locked: Date | undefined } {
  const expired = u.failed_auth_count >= policy.failureAttempts && lockedUntil(u, policy, false, now) === undefined;
  const count = (expired ? 0 : u.failed_auth_count) + 1;
  const next = { failed_auth_count: count, failed_auth_at: now };
  const locked = count === policy.failureAttempts ? lockedUntil(next, policy, exempt, now) : undefined;
  return { next, locked };
}

export const afterUserSuccess = (): UserFailures => ({ failed_auth_count: 0, failed_auth_at: null });

/** One source's recent failures. */
export interface SourceFailures {
  failures: number;
  lastFailureAt: number;
}

const forgotten = (s: SourceFailures | undefined, p: SourcePolicy, nowMs: number): boolean =>
  s === undefined || nowMs - s.lastFailureAt >= p.forgetAfterSeconds * 1000;

/** The delay the source's latest failure imposes, in seconds (0 below the threshold). */
export function sourceDelaySeconds(s: SourceFailures, p: SourcePolicy): number {
  if (p.failures === 0 || s.failures < p.failures) return 0;
  const doublings = Math.min(s.failures - p.failures, 30);
  return Math.min(p.initialDelaySeconds * 2 ** doublings, p.maxDelaySeconds);
}

/** When the source may try again: undefined = now. Once a source has failed, its attempts still
 *  being checked (`inFlight`) count as failures too, so a burst of parallel guesses cannot all reach
 *  the password check; a source that never failed (the local agent, the CLI) is not held back by
 *  its own parallel logins. */
export function sourceRetryAt(s: SourceFailures | undefined, p: SourcePolicy, nowMs: number, inFlight = 0): number | undefined {
  if (p.failures === 0) return undefined;
  const base = forgotten(s, p, nowMs) ? { failures: 0, lastFailureAt: nowMs } : s!;
  const pending = base.failures + (base.failures > 0 ? inFlight : 0);
  if (pending < p.failures) return undefined;
  if (base.failures < p.failures) {
    // Only the in-flight attempts reach the threshold: wait for their outcome a moment.
    return nowMs + p.initialDelaySeconds * 1000;
  }
  const at = base.lastFailureAt + sourceDelaySeconds(base, p) * 1000;
  return at > nowMs ? at : undefined;
}

/** The source's state after one more failure; `throttled` is true when this one reached the threshold. */
export function afterSourceFailure(
  s: SourceFailures | undefined,
  p: SourcePolicy,
  nowMs: number,
): { next: SourceFailures; throttled: boolean } {
  const failures = (forgotten(s, p, nowMs) ? 0 : s!.failures) + 1;
  return { next: { failures, lastFailureAt: nowMs }, throttled: p.failures > 0 && failures === p.failures };
}
