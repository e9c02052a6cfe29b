// The estate at a glance: hosts by availability and administrative state, active alarms by
// severity (the newest first), the actions running now, and on a system controller the
// subclouds by availability and sync state with their alarm summary.

import type { JSX } from 'preact';
import { api } from '../api.ts';
import { useLive, useLoad } from '../hooks.ts';
import type { Alarm, AlarmSummary, Host, Subcloud, SubcloudAlarms } from '../types.ts';
import { Badge, Card, ErrorBox, Severity, stateClass, when } from '../ui.tsx';
import { bySeverityThenNewest } from './Alarms.tsx';
import { AlarmHistory } from './AlarmHistory.tsx';

/** The colour of an alarm status (fm's `OK`/`degraded`/`critical`, dcmanager's `disabled` too). */
const statusKind = (status: string): string => {
  const s = status.toLowerCase();
  return s === 'ok' ? 'ok' : s === 'critical' ? 'bad' : s === 'disabled' ? 'off' : 'warn';
};

function countBy<T>(rows: T[], key: (r: T) => string): [string, number][] {
  const m = new Map<string, number>();
  for (const r of rows) m.set(key(r), (m.get(key(r)) ?? 0) + 1);
  return [...m.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

function Counts({ label, counts }: { label: string; counts: [string, number][] }): JSX.Element {
  return (
    <div class="counts" role="group" aria-label={label}>
      <span class="counts-label">{label}</span>
      {counts.length === 0 ? (
        <span class="muted">none</span>
      ) : (
        counts.map(([k, n]) => (
          <span key={k} class={`count ${stateClass(k)}`}>
            <strong>{n}</strong> {k}
          </span>
        ))
      )}
    </div>
  );
}

export function Overview(): JSX.Element {
  const { faultTick, systemController } = useLive();
  const hosts = useLoad((s) => api<{ ihosts: Host[] }>('GET', 'v1/ihosts', undefined, s), [], 2000);
  const summary = useLoad((s) => api<AlarmSummary>('GET', 'v1/alarms/summary', undefined, s), [faultTick]);
  const alarms = useLoad((s) => api<{ alarms: Alarm[] }>('GET', 'v1/alarms?limit=1000', undefined, s), [faultTick]);
  const h = hosts.data?.ihosts ?? [];
  const running = h.filter((x) => x.task);
  const top = [...(alarms.data?.alarms ?? [])].sort(bySeverityThenNewest).slice(0, 8);
  const sum = summary.data;
  return (
    <>
      <h1>Overview</h1>
      <div class="grid">
        <Card title={`Hosts (${h.length})`} id="ov-hosts">
          <ErrorBox error={hosts.error} />
          <Counts label="availability" counts={countBy(h, (x) => x.availability)} />
          <Counts label="administrative" counts={countBy(h, (x) => x.administrative)} />
          <Counts label="operational" counts={countBy(h, (x) => x.operational)} />
          <p>
            <a href="#/hosts">All hosts →</a>
          </p>
        </Card>
        <Card title="Active alarms" id="ov-alarms">
          <ErrorBox error={summary.error ?? alarms.error} />
          {sum !== undefined && (
            <div class="counts" role="group" aria-label="alarms by severity">
              <span class={`count sev-count ${sum.critical > 0 ? 'bad' : 'neutral'}`}>
                <strong>{sum.critical}</strong> critical
              </span>
              <span class={`count sev-count ${sum.major > 0 ? 'bad' : 'neutral'}`}>
                <strong>{sum.major}</strong> major
              </span>
              <span class={`count sev-count ${sum.minor > 0 ? 'warn' : 'neutral'}`}>
                <strong>{sum.minor}</strong> minor
              </span>
              <span class={`count sev-count ${sum.warnings > 0 ? 'warn' : 'neutral'}`}>
                <strong>{sum.warnings}</strong> warning
              </span>
              <Badge value={sum.status} kind={statusKind(sum.status)} />
            </div>
          )}
          <ul class="alarm-list">
            {top.map((a) => (
              <li key={a.uuid}>
                <Severity value={a.severity} /> <a href={`#/alarms/${a.uuid}`}>{a.alarm_id}</a> {a.reason_text}{' '}
                <span class="muted">
                  {a.entity_instance_id} · {when(a.timestamp)}
                </span>
              </li>
            ))}
            {alarms.data !== undefined && top.length === 0 && <li class="muted">No active alarms.</li>}
          </ul>
          <p>
            <a href="#/alarms">All alarms →</a>
          </p>
        </Card>
        <Card title={`Running actions (${running.length})`} id="ov-actions">
          {running.length === 0 ? (
            <p class="muted">No action is running.</p>
          ) : (
            <ul class="running">
              {running.map((x) => (
                <li key={x.uuid}>
                  <a href={`#/hosts/${encodeURIComponent(x.hostname ?? x.uuid)}`}>{x.hostname}</a> <span class="task">{x.task}</span>{' '}
                  <progress aria-label={`${x.hostname ?? ''} ${x.task ?? ''}`} />
                </li>
              ))}
            </ul>
          )}
        </Card>
        <AlarmHistory />
        {systemController && <SubcloudsCard />}
      </div>
    </>
  );
}

function SubcloudsCard(): JSX.Element {
  const subclouds = useLoad((s) => api<{ subclouds: Subcloud[] }>('GET', 'v1.0/subclouds', undefined, s), [], 5000);
  const alarms = useLoad((s) => api<{ alarm_summary: SubcloudAlarms[] }>('GET', 'v1.0/alarms', undefined, s), [], 5000);
  const list = subclouds.data?.subclouds ?? [];
  const rows = alarms.data?.alarm_summary ?? [];
  const worst = [...rows].sort((a, b) => b.critical_alarms - a.critical_alarms || b.major_alarms - a.major_alarms).slice(0, 8);
  return (
    <Card title={`Subclouds (${list.length})`} id="ov-subclouds">
      <ErrorBox error={subclouds.error ?? alarms.error} />
      <Counts label="availability" counts={countBy(list, (s) => s['availability-status'])} />
      <Counts label="management" counts={countBy(list, (s) => s['management-state'])} />
      <Counts label="sync" counts={countBy(list, (s) => s.sync_status ?? 'unknown')} />
      <Counts label="alarm status" counts={countBy(rows, (r) => r.cloud_status)} />
      {worst.length > 0 && (
        <table aria-label="Subcloud alarms">
          <thead>
            <tr>
              <th scope="col">region</th>
              <th scope="col">critical</th>
              <th scope="col">major</th>
              <th scope="col">minor</th>
              <th scope="col">warnings</th>
              <th scope="col">status</th>
            </tr>
          </thead>
          <tbody>
            {worst.map((r) => (
              <tr key={r.uuid}>
                <td>{r.region_name}</td>
                <td>{r.critical_alarms}</td>
                <td>{r.major_alarms}</td>
                <td>{r.minor_alarms}</td>
                <td>{r.warnings}</td>
                <td>
                  <Badge value={r.cloud_status} kind={statusKind(r.cloud_status)} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}
