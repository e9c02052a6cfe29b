import { describe, expect, it } from 'vitest';
import { levelAction, nextLevel, thresholdProblem, type Level } from './thresholds.ts';

const cpu = { major: 90, critical: 95 };

describe('nextLevel (CPU 90/95 %, hysteresis 5 points)', () => {
  it.each<[string, Level, number, Level]>([
    ['stays clear below major', 'clear', 89.9, 'clear'],
    ['raises major at the threshold', 'clear', 90, 'major'],
    ['raises critical straight from clear', 'clear', 99, 'critical'],
    ['escalates major to critical', 'major', 95, 'critical'],
    ['keeps major just below the threshold', 'major', 87, 'major'],
    ['keeps major at threshold − hysteresis', 'major', 85, 'major'],
    ['clears below threshold − hysteresis', 'major', 84.9, 'clear'],
    ['keeps critical just below critical', 'critical', 91, 'critical'],
    ['de-escalates critical to major below critical − hysteresis', 'critical', 89.9, 'major'],
    ['de-escalates critical to major in the major band’s hysteresis', 'critical', 86, 'major'],
    ['clears critical at once when the value collapses', 'critical', 10, 'clear'],
  ])('%s', (_name, from, value, to) => {
    expect(nextLevel(from, value, cpu, 5)).toBe(to);
  });

  it('does not flap around the threshold: a value oscillating 88–91 raises once', () => {
    let level: Level = 'clear';
    const changes: Level[] = [];
    for (const v of [80, 91, 88, 91, 88, 89, 90.5, 88, 70]) {
      const next = nextLevel(level, v, cpu, 5);
      if (next !== level) changes.push(next);
      level = next;
    }
    expect(changes).toEqual(['major', 'clear']);
  });
});

describe('levelAction', () => {
  it.each([
    [undefined, 'clear', { kind: 'clear' }],
    [undefined, 'major', { kind: 'raise', severity: 'major' }],
    ['clear', 'clear', null],
    ['clear', 'major', { kind: 'raise', severity: 'major' }],
    ['major', 'critical', { kind: 'raise', severity: 'critical' }],
    ['critical', 'major', { kind: 'raise', severity: 'major' }],
    ['major', 'major', null],
    ['critical', 'clear', { kind: 'clear' }],
  ] as const)('%s → %s', (from, to, action) => {
    expect(levelAction(from, to)).toEqual(action);
  });
});

describe('thresholdProblem', () => {
  it('accepts percentages with major ≤ critical', () => expect(thresholdProblem('cpu', cpu)).toBeUndefined());
  it('refuses major above critical', () =>
    expect(thresholdProblem('cpu', { major: 96, critical: 95 })).toMatch(/above the critical/));
  it('refuses values outside 0–100', () =>
    expect(thresholdProblem('memory', { major: 0, critical: 101 })).toMatch(/percentages/));
});
