// The host list, like `system host-list`: filter, sort, state colours; a row opens the host.

import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { go, useLoad } from '../hooks.ts';
import type { Host } from '../types.ts';
import { Badge, DataTable, ErrorBox, type Column } from '../ui.tsx';

export const HOST_COLUMNS: Column<Host>[] = [
  { key: 'id', label: 'id', value: (h) => h.id },
  {
    key: 'hostname',
    label: 'hostname',
    value: (h) => h.hostname,
    render: (h) => <a href={`#/hosts/${encodeURIComponent(h.hostname ?? h.uuid)}`}>{h.hostname ?? h.uuid}</a>,
  },
  { key: 'personality', label: 'personality', value: (h) => h.personality },
  { key: 'administrative', label: 'administrative', value: (h) => h.administrative, render: (h) => <Badge value={h.administrative} /> },
  { key: 'operational', label: 'operational', value: (h) => h.operational, render: (h) => <Badge value={h.operational} /> },
  { key: 'availability', label: 'availability', value: (h) => h.availability, render: (h) => <Badge value={h.availability} /> },
  { key: 'task', label: 'task', value: (h) => h.task, render: (h) => (h.task ? <span class="task">{h.task}</span> : '') },
];

export function Hosts(): JSX.Element {
  const hosts = useLoad((signal) => api<{ ihosts: Host[] }>('GET', 'v1/ihosts', undefined, signal), [], 2000);
  const [filter, setFilter] = useState('');
  return (
    <>
      <div class="page-head">
        <h1>Hosts</h1>
        <label class="filter">
          Filter
          <input type="search" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} placeholder="name, state, task…" />
        </label>
      </div>
      <ErrorBox error={hosts.error} />
      {hosts.data === undefined ? (
        <p class="muted">{hosts.loading ? 'Loading…' : ''}</p>
      ) : (
        <DataTable
          label="Hosts"
          rows={hosts.data.ihosts}
          columns={HOST_COLUMNS}
          rowKey={(h) => h.uuid}
          filter={filter}
          initialSort="id"
          onOpen={(h) => go(`/hosts/${encodeURIComponent(h.hostname ?? h.uuid)}`)}
          empty="No hosts match."
        />
      )}
    </>
  );
}
