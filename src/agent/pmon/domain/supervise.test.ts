// pmond's decisions driven by a fake clock: each case is a story of audits (time, alive?) and the
// actions and visible state that follow.

import { describe, expect, it } from 'vitest';
import {
  audit,
  initialState,
  visibleState,
  type PmonAction,
  type ProcState,
  type Supervision,
} from './supervise.ts';

const conf = (o: Partial<Supervision> = {}): Supervision => ({
  process: 'sm-api',
  severity: 'major',
  restarts: 3,
  intervalMs: 5_000,
  debounceMs: 20_000,
  startupMs: 5_000,
  ...o,
});

/** Runs audits at the given (ms, alive) points; returns the actions per audit (kinds) and the end state. */
function run(c: Supervision, audits: Array<[number, boolean]>, start: ProcState = initialState(0)) {
  let s = start;
  const log: Array<[number, string[]]> = [];
  const all: PmonAction[] = [];
  for (const [t, alive] of audits) {
    const step = audit(c, s, alive, t);
    s = step.state;
    all.push(...step.actions);
    if (step.actions.length) log.push([t, step.actions.map((a) => a.kind)]);
  }
  return { s, log, all };
}

describe('pmon supervision', () => {
  it('a process already up at start is running, and a stale alarm is cleared', () => {
    const { s, log } = run(conf(), [
      [0, true],
      [500, true],
    ]);
    expect(log).toEqual([[0, ['clear']]]);
    expect(visibleState(s)).toBe('running');
  });

  it('a process down at start is started once, without an alarm, and is running when it comes up', () => {
    const { s, log } = run(conf(), [
      [0, false],
      [500, true],
      [1_000, true],
    ]);
    expect(log).toEqual([[0, ['start']]]);
    expect(visibleState(s)).toBe('running');
    expect(s.restarts).toBe(0);
  });

  it('killed: alarm raised and restarted at once; cleared only after staying up for debounce', () => {
    const { s, log } = run(conf(), [
      [0, true],
      [1_000, false], // killed
      [1_500, true], // restarted: debounce from here
      [21_000, true], // 19.5 s: not yet
      [21_500, true], // 20 s: recovered
    ]);
    expect(log).toEqual([
      [0, ['clear']],
      [1_000, ['raise', 'start']],
      [21_500, ['clear']],
    ]);
    expect(s).toMatchObject({ phase: 'running', attempts: 0, restarts: 1, alarmed: false });
  });

  it('a restart that never comes up is retried every interval, then failed after `restarts` attempts', () => {
    const { s, log, all } = run(conf({ restarts: 2, intervalMs: 1_000, startupMs: 2_000 }), [
      [0, true],
      [100, false], // dies: raise + restart #1
      [2_000, false], // within startuptime
      [2_100, false], // startuptime over: attempt 1 failed → backoff
      [3_000, false], // interval not over
      [3_100, false], // restart #2
      [5_100, false], // attempt 2 failed → restarts used up
      [60_000, false], // failed stays failed, quietly
    ]);
    expect(log).toEqual([
      [0, ['clear']],
      [100, ['raise', 'start']],
      [3_100, ['start']],
      [5_100, ['raise']],
    ]);
    expect(visibleState(s)).toBe('failed');
    expect(s.restarts).toBe(2);
    const last = all.at(-1);
    expect(last).toEqual({
      kind: 'raise',
      reason: 'sm-api process has failed and 2 restarts did not recover it; manual recovery is required',
    });
  });

  it('a critical process that cannot be recovered asks for the host’s recovery once', () => {
    const { all } = run(conf({ severity: 'critical', restarts: 1, intervalMs: 0, startupMs: 1_000 }), [
      [0, true],
      [10, false],
      [1_010, false],
      [1_020, false],
      [2_020, false],
      [9_000, false],
      [99_000, false],
    ]);
    expect(all.filter((a) => a.kind === 'critical-failure')).toHaveLength(1);
  });

  it('a major process that cannot be recovered does not ask for the host’s recovery', () => {
    const { all, s } = run(conf({ restarts: 0 }), [
      [0, true],
      [10, false],
      [20, false],
    ]);
    expect(s.phase).toBe('failed');
    expect(all.map((a) => a.kind)).toEqual(['clear', 'raise']);
  });

  it('restarts = 0: the first death is final, the alarm says manual recovery', () => {
    const { all } = run(conf({ restarts: 0, severity: 'critical' }), [
      [0, true],
      [10, false],
    ]);
    expect(all.slice(1)).toEqual([
      { kind: 'raise', reason: 'sm-api process has failed; manual recovery is required' },
      { kind: 'critical-failure', reason: 'sm-api process has failed; manual recovery is required' },
    ]);
  });

  it('dying again during the debounce counts as a failed attempt (no alarm flapping)', () => {
    const { log, s } = run(conf({ restarts: 3, intervalMs: 1_000, debounceMs: 10_000 }), [
      [0, true],
      [100, false], // raise + restart 1
      [200, true], // up: debounce
      [5_000, false], // died within the debounce → backoff, alarm kept
      [6_000, false], // restart 2
      [6_100, true],
      [16_100, true], // recovered
    ]);
    expect(log).toEqual([
      [0, ['clear']],
      [100, ['raise', 'start']],
      [6_000, ['start']],
      [16_100, ['clear']],
    ]);
    expect(s.restarts).toBe(2);
  });

  it('a first start that fails raises the alarm and retries after the interval', () => {
    const { log } = run(conf({ restarts: 1, intervalMs: 1_000, startupMs: 500 }), [
      [0, false], // start
      [500, false], // startup over → alarm, backoff
      [1_500, false], // restart 1
      [2_000, false], // failed
    ]);
    expect(log).toEqual([
      [0, ['start']],
      [500, ['raise']],
      [1_500, ['start']],
      [2_000, ['raise']],
    ]);
  });

  it('a failed process brought back by the operator is cleared after the debounce', () => {
    const failed: ProcState = { phase: 'failed', since: 0, attempts: 3, restarts: 3, alarmed: true };
    const { log, s } = run(
      conf({ debounceMs: 1_000 }),
      [
        [100, true],
        [1_100, true],
      ],
      failed,
    );
    expect(log).toEqual([[1_100, ['clear']]]);
    expect(visibleState(s)).toBe('running');
  });

  it('started by someone else during the backoff: debounced like a restart', () => {
    const backoff: ProcState = { phase: 'backoff', since: 0, attempts: 1, restarts: 1, alarmed: true };
    const { log } = run(
      conf({ debounceMs: 1_000 }),
      [
        [100, true],
        [600, true],
        [1_100, true],
      ],
      backoff,
    );
    expect(log).toEqual([[1_100, ['clear']]]);
  });

  it.each<[ProcState['phase'], boolean, string]>([
    ['init', false, 'restarting'],
    ['starting', true, 'restarting'],
    ['backoff', true, 'restarting'],
    ['debounce', true, 'restarting'],
    ['debounce', false, 'running'],
    ['running', false, 'running'],
    ['failed', true, 'failed'],
  ])('visible state of %s (alarmed %s) is %s', (phase, alarmed, visible) => {
    expect(visibleState({ phase, alarmed, since: 0, attempts: 0, restarts: 0 })).toBe(visible);
  });
});
