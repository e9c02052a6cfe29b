import { describe, expect, it } from 'vitest';
import { hourlyCounts, linkState, visibleRows } from './logic.ts';

describe('the dashboard’s pure logic', () => {
  it('a link is up while answered, missing after a miss, lost at the degrade threshold or when maintenance says so', () => {
    expect(linkState(0, false, 6)).toBe('up');
    expect(linkState(1, false, 6)).toBe('missing');
    expect(linkState(5, false, 6)).toBe('missing');
    expect(linkState(6, false, 6)).toBe('lost');
    expect(linkState(0, true, 6)).toBe('lost');
  });

  it('a virtual grid draws the rows in view and the overscan, never past either end', () => {
    expect(visibleRows(0, 600, 72, 1429, 3)).toEqual([0, 12]);
    expect(visibleRows(72 * 100, 600, 72, 1429, 3)).toEqual([97, 112]);
    expect(visibleRows(72 * 1429, 600, 72, 1429, 3)).toEqual([1426, 1429]);
    expect(visibleRows(0, 600, 72, 0, 3)).toEqual([0, 0]);
    // Whatever the scroll position, at most a view and twice the overscan of rows.
    for (let top = 0; top < 72 * 1429; top += 997) {
      const [a, b] = visibleRows(top, 600, 72, 1429, 3);
      expect(b - a).toBeLessThanOrEqual(Math.ceil(600 / 72) + 1 + 6);
    }
  });

  it('counts alarms per hour and severity over the window, oldest hour first, ignoring what is outside it', () => {
    const now = Date.parse('2026-12-06T12:00:00Z');
    const counts = hourlyCounts(
      [
        { timestamp: '2026-12-06T11:59:59Z', severity: 'critical' },
        { timestamp: '2026-12-06T11:30:00Z', severity: 'critical' },
        { timestamp: '2026-12-06T11:00:00Z', severity: 'minor' },
        { timestamp: '2026-12-05T12:00:00Z', severity: 'major' },
        { timestamp: '2026-12-05T11:59:59Z', severity: 'major' },
        { timestamp: '2026-12-06T12:00:01Z', severity: 'warning' },
        { timestamp: 'not a time', severity: 'warning' },
      ],
      now,
      24,
    );
    expect(counts).toHaveLength(24);
    expect(counts[23]).toEqual({ critical: 2, minor: 1 });
    expect(counts[0]).toEqual({ major: 1 });
    expect(counts.slice(1, 23).every((b) => Object.keys(b).length === 0)).toBe(true);
  });
});
