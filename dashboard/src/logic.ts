// The dashboard's pure logic (no DOM, no JSX): tested by vitest's unit project
// (dashboard/src/logic.test.ts).

export type LinkState = 'up' | 'missing' | 'lost';

/** A network's link state for one host, from its consecutive missed heartbeats. */
export function linkState(misses: number, lost: boolean, degrade: number): LinkState {
  if (lost || misses >= degrade) return 'lost';
  return misses > 0 ? 'missing' : 'up';
}

/** The rows of a virtual grid to draw for a scroll position: [first, last) row indexes. */
export function visibleRows(scrollTop: number, viewHeight: number, rowHeight: number, rows: number, overscan: number): [number, number] {
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(rows, Math.ceil((scrollTop + viewHeight) / rowHeight) + overscan);
  return [first, Math.max(first, last)];
}

/** Counts per hour (oldest first) and severity of the events since `now - hours`. */
export function hourlyCounts(events: { timestamp: string; severity: string }[], now: number, hours: number): Record<string, number>[] {
  const buckets = Array.from({ length: hours }, (): Record<string, number> => ({}));
  const start = now - hours * 3_600_000;
  for (const e of events) {
    const t = Date.parse(e.timestamp);
    if (!(t >= start && t <= now)) continue;
    const b = buckets[Math.min(hours - 1, Math.floor((t - start) / 3_600_000))]!;
    b[e.severity] = (b[e.severity] ?? 0) + 1;
  }
  return buckets;
}
