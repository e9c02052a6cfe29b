// Shared pieces: state and severity badges, a sortable and filterable table, the confirmation
// dialog, error and empty states.

import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';

/** The colour class of a host or subcloud state word (available, degraded, failed, online…). */
export function stateClass(value: string | null | undefined): string {
  switch ((value ?? '').toLowerCase()) {
    case 'available':
    case 'enabled':
    case 'online':
    case 'in-sync':
    case 'unlocked':
    case 'managed':
    case 'ok':
    case 'complete':
      return 'ok';
    case 'degraded':
    case 'intest':
    case 'out-of-sync':
    case 'minor':
    case 'warning':
      return 'warn';
    case 'failed':
    case 'disabled':
    case 'critical':
    case 'major':
      return 'bad';
    case 'offline':
    case 'power-off':
    case 'offduty':
    case 'locked':
    case 'unknown':
    case 'unmanaged':
      return 'off';
    default:
      return 'neutral';
  }
}

export function Badge({ value, kind }: { value: string | null | undefined; kind?: string }): JSX.Element {
  const text = value === null || value === undefined || value === '' ? '—' : value;
  return <span class={`badge ${kind ?? stateClass(value)}`}>{text}</span>;
}

export const SEVERITIES = ['critical', 'major', 'minor', 'warning'] as const;
export const severityRank = (s: string): number => {
  const i = (SEVERITIES as readonly string[]).indexOf(s);
  return i < 0 ? SEVERITIES.length : i;
};

export function Severity({ value }: { value: string }): JSX.Element {
  return <span class={`sev sev-${value}`}>{value}</span>;
}

export function ErrorBox({ error }: { error: string | undefined }): JSX.Element | null {
  return error === undefined ? null : (
    <p class="error" role="alert">
      {error}
    </p>
  );
}

export function Card({ title, children, id }: { title: string; children: ComponentChildren; id?: string }): JSX.Element {
  return (
    <section class="card" aria-labelledby={id ? `${id}-title` : undefined}>
      <h2 id={id ? `${id}-title` : undefined}>{title}</h2>
      {children}
    </section>
  );
}

export function when(ts: string | null | undefined): string {
  if (!ts) return '—';
  const d = new Date(ts);
  return Number.isNaN(d.getTime()) ? ts : d.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

export interface Column<T> {
  key: string;
  label: string;
  value: (row: T) => string | number | null | undefined;
  render?: (row: T) => ComponentChildren;
}

/** A table sorted by a column (click its header; again to reverse) and filtered by a text. */
export function DataTable<T>(props: {
  label: string;
  rows: T[];
  columns: Column<T>[];
  rowKey: (row: T) => string;
  filter?: string;
  initialSort?: string;
  onOpen?: (row: T) => void;
  empty?: string;
}): JSX.Element {
  const [sort, setSort] = useState<{ key: string; dir: 1 | -1 }>({ key: props.initialSort ?? props.columns[0]!.key, dir: 1 });
  const rows = useMemo(() => {
    const f = (props.filter ?? '').trim().toLowerCase();
    const col = props.columns.find((c) => c.key === sort.key) ?? props.columns[0]!;
    const shown = f === '' ? props.rows : props.rows.filter((r) => props.columns.some((c) => String(c.value(r) ?? '').toLowerCase().includes(f)));
    return [...shown].sort((a, b) => {
      const x = col.value(a) ?? '';
      const y = col.value(b) ?? '';
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y), undefined, { numeric: true });
      return c * sort.dir;
    });
  }, [props.rows, props.filter, props.columns, sort]);
  return (
    <div class="table-wrap">
      <table aria-label={props.label}>
        <thead>
          <tr>
            {props.columns.map((c) => (
              <th key={c.key} aria-sort={sort.key === c.key ? (sort.dir === 1 ? 'ascending' : 'descending') : 'none'} scope="col">
                <button
                  type="button"
                  class="sort"
                  onClick={() => setSort((s) => ({ key: c.key, dir: s.key === c.key ? (s.dir === 1 ? -1 : 1) : 1 }))}
                >
                  {c.label}
                  <span aria-hidden="true">{sort.key === c.key ? (sort.dir === 1 ? ' ▲' : ' ▼') : ''}</span>
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={props.columns.length} class="empty">
                {props.empty ?? 'Nothing to show.'}
              </td>
            </tr>
          ) : (
            rows.map((r) => (
              <tr key={props.rowKey(r)} class={props.onOpen ? 'clickable' : undefined} onClick={props.onOpen ? () => props.onOpen!(r) : undefined}>
                {props.columns.map((c) => (
                  <td key={c.key} data-col={c.key}>
                    {c.render ? c.render(r) : (c.value(r) ?? '—')}
                  </td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}

/** A modal question (the native <dialog>: focus is held inside, Escape cancels). */
export function Confirm(props: {
  title: string;
  children: ComponentChildren;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}): JSX.Element {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  return (
    <dialog ref={ref} aria-labelledby="confirm-title" onCancel={props.onCancel} class="confirm">
      <h2 id="confirm-title">{props.title}</h2>
      <div>{props.children}</div>
      <div class="buttons">
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="button" class={props.danger ? 'danger' : 'primary'} onClick={props.onConfirm}>
          {props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
