// What pmond does about one process at each audit, given whether it is alive and the time: restart
// it, raise or clear 200.006, give up after its restarts, debounce a recovery. Pure; IO in ../pmon.ts.

import type { PmonSeverity } from './conf.ts';

/**
 * init: not looked at yet. starting: (re)started, waiting up to startuptime for it to appear.
 * debounce: up again, waiting to count as recovered. backoff: an attempt failed, waiting `interval`.
 * failed: restarts used up; left to the operator (and the host's recovery for a critical process).
 */
export type Phase = 'init' | 'running' | 'starting' | 'debounce' | 'backoff' | 'failed';

export interface ProcState {
  phase: Phase;
  /** When the phase began (ms). */
  since: number;
  /** Restart attempts since the process was last healthy. */
  attempts: number;
  /** Restarts done since pmon started (what `status` shows). */
  restarts: number;
  /** Whether 200.006 is raised. */
  alarmed: boolean;
}

export interface Supervision {
  process: string;
  severity: PmonSeverity;
  restarts: number;
  intervalMs: number;
  debounceMs: number;
  startupMs: number;
}

export type PmonAction =
  | { kind: 'start' }
  | { kind: 'raise'; reason: string }
  | { kind: 'clear' }
  | { kind: 'critical-failure'; reason: string };

export interface Step {
  state: ProcState;
  actions: PmonAction[];
}

export const initialState = (now: number): ProcState => ({
  phase: 'init',
  since: now,
  attempts: 0,
  restarts: 0,
  alarmed: false,
});

export const recoveringText = (p: string): string => `${p} process has failed; auto recovery in progress`;
export const failedText = (p: string, restarts: number): string =>
  `${p} process has failed${restarts > 0 ? ` and ${restarts} restart${restarts === 1 ? '' : 's'} did not recover it` : ''}; manual recovery is required`;

/** One audit of one process. */
export function audit(c: Supervision, s: ProcState, alive: boolean, now: number): Step {
  const to = (phase: Phase, patch: Partial<ProcState> = {}): ProcState => ({
    ...s,
    phase,
    since: now,
    ...patch,
  });
  const elapsed = now - s.since;
  switch (s.phase) {
    case 'init':
      // Up already: healthy; the clear removes an alarm a previous run left. Down: the first start,
      // which is not a restart and raises nothing unless it fails.
      return alive
        ? { state: to('running'), actions: [{ kind: 'clear' }] }
        : { state: to('starting'), actions: [{ kind: 'start' }] };
    case 'running':
      if (alive) return { state: s, actions: [] };
      if (c.restarts === 0) return giveUp(c, { ...s, attempts: 0 }, now);
      // pmond restarts a failed process at once; `interval` only spaces the retries.
      return {
        state: to('starting', { attempts: 1, restarts: s.restarts + 1, alarmed: true }),
        actions: [{ kind: 'raise', reason: recoveringText(c.process) }, { kind: 'start' }],
      };
    case 'starting':
      if (alive) return { state: to('debounce'), actions: [] };
      return elapsed >= c.startupMs ? attemptFailed(c, s, now) : { state: s, actions: [] };
    case 'debounce':
      if (!alive) return attemptFailed(c, s, now);
      if (elapsed < c.debounceMs) return { state: s, actions: [] };
      return { state: to('running', { attempts: 0, alarmed: false }), actions: [{ kind: 'clear' }] };
    case 'backoff':
      if (alive) return { state: to('debounce'), actions: [] }; // started by someone else meanwhile
      if (elapsed < c.intervalMs) return { state: s, actions: [] };
      return {
        state: to('starting', { attempts: s.attempts + 1, restarts: s.restarts + 1 }),
        actions: [{ kind: 'start' }],
      };
    case 'failed':
      // Brought back by hand: it must stay up for `debounce` like any recovery.
      return alive ? { state: to('debounce'), actions: [] } : { state: s, actions: [] };
  }
}

/** A (re)start that did not come up, or went down again before the debounce ended. */
function attemptFailed(c: Supervision, s: ProcState, now: number): Step {
  if (s.attempts >= c.restarts) return giveUp(c, s, now);
  const raise: PmonAction[] = s.alarmed ? [] : [{ kind: 'raise', reason: recoveringText(c.process) }];
  return { state: { ...s, phase: 'backoff', since: now, alarmed: true }, actions: raise };
}

/** Restarts used up: the alarm stays (its text says so); a critical process fails the host. */
function giveUp(c: Supervision, s: ProcState, now: number): Step {
  const reason = failedText(c.process, s.attempts);
  const actions: PmonAction[] = [{ kind: 'raise', reason }];
  if (c.severity === 'critical') actions.push({ kind: 'critical-failure', reason });
  return { state: { ...s, phase: 'failed', since: now, alarmed: true }, actions };
}

/** What `pmon status` shows for a phase. A first start that came up is running, not restarting. */
export function visibleState(s: ProcState): 'running' | 'restarting' | 'failed' {
  if (s.phase === 'failed') return 'failed';
  if (s.phase === 'running' || (s.phase === 'debounce' && !s.alarmed)) return 'running';
  return 'restarting';
}
