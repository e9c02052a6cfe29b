// Alarms raised over the last 24 hours, per hour and stacked by severity, from the event log's
// alarm sets (reloaded on every notification of the alarm stream).

import type { JSX } from 'preact';
import { api } from '../api.ts';
import { useLive, useLoad } from '../hooks.ts';
import type { EventLogEntry } from '../types.ts';
import { Card, ErrorBox, SEVERITIES } from '../ui.tsx';

const HOURS = 24;
const FILL: Record<string, string> = { critical: '#a40e26', major: '#bc4c00', minor: '#d4a72c', warning: '#54aeff' };

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

export function AlarmHistory(): JSX.Element {
  const { faultTick } = useLive();
  const sets = useLoad(
    (s) =>
      api<{ event_log: EventLogEntry[] }>('GET', 'v1/event_log?alarms=true&limit=10000&q.field=state&q.op=eq&q.value=set', undefined, s),
    [faultTick],
  );
  const buckets = hourlyCounts(sets.data?.event_log ?? [], Date.now(), HOURS);
  const totals = buckets.map((b) => Object.values(b).reduce((a, n) => a + n, 0));
  const max = Math.max(1, ...totals);
  const sum = totals.reduce((a, n) => a + n, 0);
  const w = 14;
  const h = 90;
  return (
    <Card title="Alarms raised, last 24 hours" id="ov-history">
      <ErrorBox error={sets.error} />
      <svg viewBox={`0 0 ${HOURS * (w + 4)} ${h + 16}`} width="100%" height={h + 16} role="img" aria-label={`${sum} alarms raised in the last 24 hours; at most ${max === 1 && sum === 0 ? 0 : max} in one hour`}>
        {buckets.map((b, i) => {
          let y = h;
          return (
            <g key={i}>
              <title>{`${HOURS - i} h ago: ${totals[i]} raised`}</title>
              <rect x={i * (w + 4)} y={0} width={w} height={h} fill="#f6f8fa" />
              {SEVERITIES.map((sev) => {
                const n = b[sev] ?? 0;
                if (n === 0) return null;
                const bh = (n / max) * h;
                y -= bh;
                return <rect key={sev} x={i * (w + 4)} y={y} width={w} height={bh} fill={FILL[sev]} />;
              })}
            </g>
          );
        })}
        <text x={0} y={h + 13} font-size="10" fill="#57606a">
          −24 h
        </text>
        <text x={HOURS * (w + 4) - 4} y={h + 13} font-size="10" fill="#57606a" text-anchor="end">
          now
        </text>
      </svg>
      <p class="legend">
        {SEVERITIES.map((s) => (
          <span key={s} class={`sev sev-${s}`}>
            {s}
          </span>
        ))}
      </p>
    </Card>
  );
}
