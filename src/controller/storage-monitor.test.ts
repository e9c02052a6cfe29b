import { describe, expect, it } from 'vitest';
import { isFull, judge, nextLevel, usageOf } from './storage-monitor.ts';

const T = { major: 80, critical: 90 };

describe('data folder storage thresholds (alarm 100.104)', () => {
  it.each([
    ['clear', 79.9, 'clear'],
    ['clear', 80, 'major'],
    ['clear', 95, 'critical'],
    ['major', 76, 'major'], // hysteresis: 5 points below 80
    ['major', 74.9, 'clear'],
    ['critical', 86, 'critical'],
    ['critical', 84.9, 'major'],
    ['critical', 10, 'clear'],
  ] as const)('%s at %d%% → %s', (from, used, to) => {
    expect(nextLevel(from, used, T)).toBe(to);
  });

  it('raises with the threshold and value in the text, clears once, says nothing when unchanged', () => {
    expect(judge(undefined, 50, T, '/d')).toEqual({ level: 'clear', action: { kind: 'clear' } });
    expect(judge('clear', 50, T, '/d')).toEqual({ level: 'clear', action: null });
    expect(judge('clear', 91.5, T, '/d')).toEqual({
      level: 'critical',
      action: { kind: 'raise', severity: 'critical', reason_text: 'File system /d threshold exceeded; threshold 90.00%, actual 91.50%' },
    });
    expect(judge('critical', 70, T, '/d').action).toEqual({ kind: 'clear' });
  });

  it('is full below a WAL segment and a half of room, or at 99%', () => {
    const u = usageOf({ blocks: 1000, bfree: 10, bavail: 10, bsize: 4096 })!;
    expect(u.usedPercent).toBeCloseTo(99);
    expect(isFull(u)).toBe(true);
    expect(isFull({ usedPercent: 50, freeBytes: 1e9 })).toBe(false);
    expect(isFull({ usedPercent: 50, freeBytes: 1e6 })).toBe(true);
    expect(isFull(undefined)).toBe(false);
  });
});
