// A system controller's subclouds as a grid of tiles (availability by colour, sync state and
// alarm status by their marks), filtered by name, availability and sync. The grid is virtualised:
// only the rows of tiles in view (and a few around them) are in the DOM, so 10,000 subclouds
// scroll and filter as fast as ten.

import type { JSX } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { useLoad } from '../hooks.ts';
import type { Subcloud, SubcloudAlarms } from '../types.ts';
import { ErrorBox, stateClass } from '../ui.tsx';

const TILE_W = 176;
const TILE_H = 64;
const GAP = 8;
const OVERSCAN_ROWS = 3;

/** The rows of a virtual grid to draw for a scroll position: [first, last) row indexes. */
export function visibleRows(scrollTop: number, viewHeight: number, rowHeight: number, rows: number, overscan: number): [number, number] {
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(rows, Math.ceil((scrollTop + viewHeight) / rowHeight) + overscan);
  return [first, Math.max(first, last)];
}

export function Subclouds(): JSX.Element {
  const subclouds = useLoad((s) => api<{ subclouds: Subcloud[] }>('GET', 'v1.0/subclouds', undefined, s), [], 15_000);
  const alarms = useLoad((s) => api<{ alarm_summary: SubcloudAlarms[] }>('GET', 'v1.0/alarms', undefined, s), [], 15_000);
  const [text, setText] = useState('');
  const [availability, setAvailability] = useState('');
  const [sync, setSync] = useState('');
  const all = subclouds.data?.subclouds ?? [];
  const alarmsByRegion = useMemo(() => new Map((alarms.data?.alarm_summary ?? []).map((a) => [a.region_name, a])), [alarms.data]);
  const shown = useMemo(() => {
    const t = text.trim().toLowerCase();
    return all.filter(
      (s) =>
        (t === '' || s.name.toLowerCase().includes(t)) &&
        (availability === '' || s['availability-status'] === availability) &&
        (sync === '' || (s.sync_status ?? 'unknown') === sync),
    );
  }, [all, text, availability, sync]);
  const availabilities = useMemo(() => [...new Set(all.map((s) => s['availability-status']))].sort(), [all]);
  const syncs = useMemo(() => [...new Set(all.map((s) => s.sync_status ?? 'unknown'))].sort(), [all]);

  // The virtual grid: columns from the container's width, rows from the scroll position.
  const box = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, height: 600, width: 1000 });
  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    const measure = (): void => setView({ top: el.scrollTop, height: el.clientHeight, width: el.clientWidth });
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    el.addEventListener('scroll', measure, { passive: true });
    return () => {
      ro.disconnect();
      el.removeEventListener('scroll', measure);
    };
  }, [subclouds.data === undefined]);
  const cols = Math.max(1, Math.floor((view.width - GAP) / (TILE_W + GAP)));
  const rows = Math.ceil(shown.length / cols);
  const rowH = TILE_H + GAP;
  const [first, last] = visibleRows(view.top, view.height, rowH, rows, OVERSCAN_ROWS);
  const tiles = shown.slice(first * cols, last * cols);

  return (
    <>
      <div class="page-head">
        <h1>Subclouds</h1>
        <div class="filters">
          <label>
            Name
            <input type="search" value={text} onInput={(e) => setText(e.currentTarget.value)} placeholder="subcloud name" />
          </label>
          <label>
            Availability
            <select value={availability} onChange={(e) => setAvailability(e.currentTarget.value)}>
              <option value="">all</option>
              {availabilities.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
          </label>
          <label>
            Sync
            <select value={sync} onChange={(e) => setSync(e.currentTarget.value)}>
              <option value="">all</option>
              {syncs.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
          </label>
        </div>
      </div>
      <ErrorBox error={subclouds.error ?? alarms.error} />
      <p class="muted" aria-live="polite" data-testid="subcloud-count">
        {subclouds.data === undefined ? 'Loading…' : `${shown.length} of ${all.length} subclouds`}
      </p>
      <div class="vgrid" ref={box} role="list" aria-label="Subclouds" aria-rowcount={rows} tabIndex={0}>
        <div style={{ height: `${rows * rowH + GAP}px`, position: 'relative' }}>
          {tiles.map((s, i) => {
            const index = first * cols + i;
            const a = alarmsByRegion.get(s['region-name'] ?? s.name) ?? alarmsByRegion.get(s.name);
            const syncState = s.sync_status ?? 'unknown';
            return (
              <div
                key={s.id}
                role="listitem"
                class={`tile ${stateClass(s['availability-status'])}`}
                style={{
                  position: 'absolute',
                  left: `${GAP + (index % cols) * (TILE_W + GAP)}px`,
                  top: `${GAP + Math.floor(index / cols) * rowH}px`,
                  width: `${TILE_W}px`,
                  height: `${TILE_H}px`,
                }}
                title={`${s.name}: ${s['availability-status']}, ${s['management-state']}, ${syncState}${a ? `, alarms ${a.cloud_status}` : ''}`}
              >
                <strong>{s.name}</strong>
                <span>
                  {s['availability-status']} · {s['management-state']}
                </span>
                <span>
                  <span class={`sync ${stateClass(syncState)}`}>{syncState}</span>
                  {a !== undefined && (a.critical_alarms > 0 || a.major_alarms > 0) && (
                    <span class="sev sev-critical" aria-label="alarms">
                      {a.critical_alarms}C {a.major_alarms}M
                    </span>
                  )}
                </span>
              </div>
            );
          })}
        </div>
      </div>
    </>
  );
}
