// The event log (alarm sets and clears, and log events), newest first, a page at a time
// (the API's marker paging), filtered by kind, severity and entity.

import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { useLive, useLoad } from '../hooks.ts';
import type { EventLogEntry } from '../types.ts';
import { ErrorBox, SEVERITIES, Severity, when } from '../ui.tsx';

const PAGE = 25;

export function Events(): JSX.Element {
  const { faultTick } = useLive();
  const [kind, setKind] = useState<'all' | 'alarms' | 'logs'>('all');
  const [severity, setSeverity] = useState('');
  const [entity, setEntity] = useState('');
  // The markers of the pages before this one (the first page has none).
  const [markers, setMarkers] = useState<string[]>([]);
  const marker = markers[markers.length - 1];
  const query = (): string => {
    const q = new URLSearchParams({ limit: String(PAGE) });
    if (kind === 'alarms') q.set('alarms', 'true');
    if (kind === 'logs') q.set('logs', 'true');
    const filters: [string, string][] = [];
    if (severity !== '') filters.push(['severity', severity]);
    if (entity.trim() !== '') filters.push(['entity_instance_id', entity.trim()]);
    for (const [f, v] of filters) {
      q.append('q.field', f);
      q.append('q.op', 'eq');
      q.append('q.value', v);
    }
    if (marker !== undefined) q.set('marker', marker);
    return q.toString();
  };
  // The first page follows the stream live; later pages stay put while being read.
  const events = useLoad(
    (s) => api<{ event_log: EventLogEntry[]; next: string | null }>('GET', `v1/event_log?${query()}`, undefined, s),
    [kind, severity, entity, marker, markers.length === 0 ? faultTick : 0],
  );
  const next = events.data?.next ? new URLSearchParams(events.data.next.split('?')[1] ?? '').get('marker') : null;
  const reset = (): void => setMarkers([]);
  return (
    <>
      <div class="page-head">
        <h1>Event log</h1>
        <div class="filters">
          <label>
            Kind
            <select
              value={kind}
              onChange={(e) => {
                setKind(e.currentTarget.value as typeof kind);
                reset();
              }}
            >
              <option value="all">alarms and logs</option>
              <option value="alarms">alarms</option>
              <option value="logs">logs</option>
            </select>
          </label>
          <label>
            Severity
            <select
              value={severity}
              onChange={(e) => {
                setSeverity(e.currentTarget.value);
                reset();
              }}
            >
              <option value="">all</option>
              {[...SEVERITIES, 'not-applicable'].map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
          <label>
            Entity
            <input
              type="search"
              value={entity}
              placeholder="host=controller-0"
              onChange={(e) => {
                setEntity(e.currentTarget.value);
                reset();
              }}
            />
          </label>
        </div>
      </div>
      <ErrorBox error={events.error} />
      <div class="table-wrap">
        <table aria-label="Event log">
          <thead>
            <tr>
              <th scope="col">time</th>
              <th scope="col">state</th>
              <th scope="col">id</th>
              <th scope="col">severity</th>
              <th scope="col">reason</th>
              <th scope="col">entity</th>
            </tr>
          </thead>
          <tbody>
            {(events.data?.event_log ?? []).map((e) => (
              <tr key={e.uuid}>
                <td>{when(e.timestamp)}</td>
                <td>{e.state}</td>
                <td>{e.event_log_id}</td>
                <td>
                  <Severity value={e.severity} />
                </td>
                <td>{e.reason_text}</td>
                <td>{e.entity_instance_id}</td>
              </tr>
            ))}
            {events.data !== undefined && events.data.event_log.length === 0 && (
              <tr>
                <td colSpan={6} class="empty">
                  No events.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <nav class="pager" aria-label="Event log pages">
        <button type="button" disabled={markers.length === 0} onClick={() => setMarkers((m) => m.slice(0, -1))}>
          ← Newer
        </button>
        <span class="muted">page {markers.length + 1}</span>
        <button type="button" disabled={!next} onClick={() => next && setMarkers((m) => [...m, next])}>
          Older →
        </button>
      </nav>
    </>
  );
}
