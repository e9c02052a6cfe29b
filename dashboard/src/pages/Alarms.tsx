// Active alarms, live: the list reloads on every notification of the alarm stream (an alarm
// raised anywhere shows within a second). Filter by severity and entity; a row opens its
// details with the proposed repair action; admins suppress or unsuppress its alarm id.

import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api, canChange, replace } from '../api.ts';
import { useLive, useLoad } from '../hooks.ts';
import type { Alarm, Suppression } from '../types.ts';
import { Card, ErrorBox, SEVERITIES, Severity, severityRank, when } from '../ui.tsx';

/** Most severe first, the newest first within a severity. */
export const bySeverityThenNewest = (a: Alarm, b: Alarm): number =>
  severityRank(a.severity) - severityRank(b.severity) || b.timestamp.localeCompare(a.timestamp);

export function Alarms({ selected }: { selected: string | undefined }): JSX.Element {
  const { session, faultTick } = useLive();
  const [severity, setSeverity] = useState('');
  const [entity, setEntity] = useState('');
  const [withSuppressed, setWithSuppressed] = useState(false);
  const alarms = useLoad(
    (s) => api<{ alarms: Alarm[] }>('GET', `v1/alarms?limit=10000&include_suppress=${withSuppressed}`, undefined, s),
    [faultTick, withSuppressed],
    30_000,
  );
  const suppression = useLoad((s) => api<{ event_suppression: Suppression[] }>('GET', 'v1/event_suppression', undefined, s), [faultTick]);
  const [error, setError] = useState<string | undefined>(undefined);

  const rows = (alarms.data?.alarms ?? [])
    .filter((a) => severity === '' || a.severity === severity)
    .filter((a) => entity.trim() === '' || a.entity_instance_id.toLowerCase().includes(entity.trim().toLowerCase()))
    .sort(bySeverityThenNewest);
  const open = rows.find((a) => a.uuid === selected) ?? alarms.data?.alarms.find((a) => a.uuid === selected);
  const suppressionOf = (alarmId: string) => suppression.data?.event_suppression.find((s) => s.alarm_id === alarmId);
  const suppressed = (suppression.data?.event_suppression ?? []).filter((s) => s.suppression_status === 'suppressed');

  const setSuppression = async (s: Suppression, status: 'suppressed' | 'unsuppressed'): Promise<void> => {
    setError(undefined);
    try {
      await api('PATCH', `v1/event_suppression/${s.uuid}`, replace('suppression_status', status));
      suppression.reload();
      alarms.reload();
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <>
      <div class="page-head">
        <h1>Alarms</h1>
        <div class="filters">
          <label>
            Severity
            <select value={severity} onChange={(e) => setSeverity(e.currentTarget.value)}>
              <option value="">all</option>
              {SEVERITIES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
          <label>
            Entity
            <input type="search" value={entity} onInput={(e) => setEntity(e.currentTarget.value)} placeholder="host=controller-0" />
          </label>
          <label class="check">
            <input type="checkbox" checked={withSuppressed} onChange={(e) => setWithSuppressed(e.currentTarget.checked)} />
            show suppressed
          </label>
        </div>
      </div>
      <ErrorBox error={alarms.error ?? error} />
      <p class="muted" aria-live="polite" data-testid="alarm-count">
        {alarms.data === undefined ? 'Loading…' : `${rows.length} active alarm${rows.length === 1 ? '' : 's'}`}
      </p>
      <div class="split">
        <div class="table-wrap">
          <table aria-label="Active alarms">
            <thead>
              <tr>
                <th scope="col">severity</th>
                <th scope="col">alarm id</th>
                <th scope="col">reason</th>
                <th scope="col">entity</th>
                <th scope="col">time</th>
              </tr>
            </thead>
            <tbody>
              {rows.length === 0 ? (
                <tr>
                  <td colSpan={5} class="empty">
                    No active alarms.
                  </td>
                </tr>
              ) : (
                rows.map((a) => (
                  <tr key={a.uuid} class={`clickable${a.uuid === selected ? ' selected' : ''}`} onClick={() => (location.hash = `/alarms/${a.uuid}`)}>
                    <td>
                      <Severity value={a.severity} />
                    </td>
                    <td>
                      <a href={`#/alarms/${a.uuid}`}>{a.alarm_id}</a>
                    </td>
                    <td>{a.reason_text}</td>
                    <td>{a.entity_instance_id}</td>
                    <td>{when(a.timestamp)}</td>
                  </tr>
                ))
              )}
            </tbody>
          </table>
        </div>
        {open !== undefined && (
          <Card title={`Alarm ${open.alarm_id}`} id="alarm-detail">
            <p>
              <Severity value={open.severity} /> {open.reason_text}
            </p>
            <dl class="facts">
              <dt>entity</dt>
              <dd>{open.entity_instance_id}</dd>
              <dt>raised</dt>
              <dd>{when(open.timestamp)}</dd>
              <dt>type</dt>
              <dd>{open.alarm_type}</dd>
              <dt>probable cause</dt>
              <dd>{open.probable_cause}</dd>
              <dt>service affecting</dt>
              <dd>{String(open.service_affecting)}</dd>
              <dt>management affecting</dt>
              <dd>{String(open.mgmt_affecting)}</dd>
              <dt>suppression</dt>
              <dd>{open.suppression_status}</dd>
            </dl>
            <h3>Proposed repair action</h3>
            <p class="repair">{open.proposed_repair_action || '—'}</p>
            {canChange(session) &&
              (() => {
                const s = suppressionOf(open.alarm_id);
                if (s === undefined) return null;
                return s.suppression_status === 'suppressed' ? (
                  <button type="button" onClick={() => void setSuppression(s, 'unsuppressed')}>
                    Unsuppress {open.alarm_id}
                  </button>
                ) : (
                  <button type="button" onClick={() => void setSuppression(s, 'suppressed')}>
                    Suppress {open.alarm_id}
                  </button>
                );
              })()}
          </Card>
        )}
      </div>
      <Card title={`Suppressed alarm ids (${suppressed.length})`}>
        {suppressed.length === 0 ? (
          <p class="muted">None: every alarm id is shown.</p>
        ) : (
          <ul class="suppressed">
            {suppressed.map((s) => (
              <li key={s.uuid}>
                <code>{s.alarm_id}</code> {s.description}{' '}
                {canChange(session) && (
                  <button type="button" onClick={() => void setSuppression(s, 'unsuppressed')}>
                    Unsuppress {s.alarm_id}
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
      </Card>
    </>
  );
}
