// One host: its state (the task text updating live), its actions (admin only, each confirmed,
// each one PATCH /v1/ihosts/<id> {action} as `system host-lock` sends), and its inventory:
// CPUs per NUMA node with their functions, memory and huge pages, ports, interfaces and
// addresses, disks and storage, PCI devices, labels.

import type { ComponentChildren, JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api, canChange, replace } from '../api.ts';
import { go, useLive, useLoad } from '../hooks.ts';
import type { Host as HostRow } from '../types.ts';
import { Badge, Card, Confirm, ErrorBox, when } from '../ui.tsx';

type Row = Record<string, unknown>;

/** A field's value as text (objects as JSON). */
const txt = (v: unknown): string =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? `${v}` : v === null || v === undefined ? '' : JSON.stringify(v);

interface Action {
  action: string;
  label: string;
  danger?: boolean;
  explain: string;
}

const ACTIONS: Action[] = [
  { action: 'lock', label: 'Lock', explain: 'Its services move off the host and it is taken out of service.' },
  { action: 'unlock', label: 'Unlock', explain: 'The host applies its configuration, reboots and returns to service.' },
  { action: 'reboot', label: 'Reboot', explain: 'The locked host reboots.' },
  { action: 'reset', label: 'Reset', danger: true, explain: 'The host is reset through its board management controller.' },
  { action: 'power-on', label: 'Power on', explain: 'The host is powered on through its board management controller.' },
  { action: 'power-off', label: 'Power off', danger: true, explain: 'The host is powered off through its board management controller.' },
];

export function Host({ id }: { id: string }): JSX.Element {
  const { session } = useLive();
  const host = useLoad((signal) => api<HostRow>('GET', `v1/ihosts/${encodeURIComponent(id)}`, undefined, signal), [id], 1000);
  const [pending, setPending] = useState<Action | 'delete' | undefined>(undefined);
  const [actionError, setActionError] = useState<string | undefined>(undefined);
  const [sent, setSent] = useState<string | undefined>(undefined);
  const h = host.data;

  const run = async (a: Action | 'delete'): Promise<void> => {
    setPending(undefined);
    setActionError(undefined);
    if (h === undefined) return;
    try {
      if (a === 'delete') {
        await api('DELETE', `v1/ihosts/${h.uuid}`);
        go('/hosts');
        return;
      }
      await api('PATCH', `v1/ihosts/${h.uuid}`, replace('action', a.action));
      setSent(`${a.label} requested`);
      host.reload();
    } catch (e) {
      setActionError((e as Error).message);
    }
  };

  if (h === undefined) {
    return (
      <>
        <h1>{id}</h1>
        <ErrorBox error={host.error} />
        {host.loading && <p class="muted">Loading…</p>}
      </>
    );
  }
  const name = h.hostname ?? h.uuid;
  return (
    <>
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="#/hosts">Hosts</a> / <span aria-current="page">{name}</span>
      </nav>
      <div class="page-head">
        <h1>{name}</h1>
        <div class="states" data-testid="host-state">
          <Badge value={h.administrative} /> <Badge value={h.operational} /> <Badge value={h.availability} />
          <span class="task" aria-live="polite" data-testid="host-task">
            {h.task ?? ''}
          </span>
        </div>
      </div>
      <ErrorBox error={host.error} />
      {canChange(session) && (
        <div class="actions" role="group" aria-label="Host actions">
          {ACTIONS.map((a) => (
            <button key={a.action} type="button" class={a.danger ? 'danger' : undefined} onClick={() => setPending(a)}>
              {a.label}
            </button>
          ))}
          <button type="button" class="danger" onClick={() => setPending('delete')}>
            Delete
          </button>
          {sent !== undefined && actionError === undefined && (
            <span class="muted" role="status">
              {sent}
            </span>
          )}
        </div>
      )}
      <ErrorBox error={actionError} />
      {pending !== undefined && (
        <Confirm
          title={pending === 'delete' ? `Delete ${name}?` : `${pending.label} ${name}?`}
          confirmLabel={pending === 'delete' ? 'Delete' : pending.label}
          danger={pending === 'delete' || pending.danger === true}
          onConfirm={() => void run(pending)}
          onCancel={() => setPending(undefined)}
        >
          <p>{pending === 'delete' ? 'The host and its inventory are removed from the system. It must be locked first.' : pending.explain}</p>
        </Confirm>
      )}
      <div class="grid">
        <Card title="Host">
          <dl class="facts">
            <Fact k="personality">{h.personality}</Fact>
            <Fact k="subfunctions">{h.subfunctions}</Fact>
            <Fact k="management IP">{h.mgmt_ip}</Fact>
            <Fact k="management MAC">{h.mgmt_mac}</Fact>
            <Fact k="board management">{h.bm_type && h.bm_type !== 'none' ? `${h.bm_type} ${h.bm_ip ?? ''}` : 'none'}</Fact>
            <Fact k="uptime">{h.uptime ? `${Math.floor(h.uptime / 3600)} h ${Math.floor((h.uptime % 3600) / 60)} min` : '—'}</Fact>
            <Fact k="software">{h.software_load}</Fact>
            <Fact k="updated">{when(h.updated_at)}</Fact>
          </dl>
        </Card>
        <Labels host={h} />
      </div>
      <Inventory host={h} />
    </>
  );
}

function Fact({ k, children }: { k: string; children: ComponentChildren }): JSX.Element {
  return (
    <>
      <dt>{k}</dt>
      <dd>{children === null || children === undefined || children === '' ? '—' : children}</dd>
    </>
  );
}

function Labels({ host }: { host: HostRow }): JSX.Element {
  const labels = useLoad((s) => api<{ labels: Row[] }>('GET', `v1/ihosts/${host.uuid}/labels`, undefined, s), [host.uuid]);
  const rows = labels.data?.labels ?? [];
  return (
    <Card title="Labels">
      <ErrorBox error={labels.error} />
      {rows.length === 0 ? (
        <p class="muted">No labels.</p>
      ) : (
        <ul class="labels">
          {rows.map((l) => (
            <li key={txt(l.uuid)}>
              <code>
                {txt(l.label_key)}={txt(l.label_value)}
              </code>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

const list = (host: string, path: string, key: string) => (s: AbortSignal) =>
  api<Record<string, Row[]>>('GET', `v1/ihosts/${host}/${path}`, undefined, s).then((b) => b[key] ?? []);

function Inventory({ host }: { host: HostRow }): JSX.Element {
  const u = host.uuid;
  const inv = useLoad(
    async (s) => {
      const [cpus, memory, ports, interfaces, addresses, disks, partitions, lvgs, pvs, stors, devices] = await Promise.all([
        list(u, 'icpus', 'icpus')(s),
        list(u, 'imemorys', 'imemorys')(s),
        list(u, 'ports', 'ports')(s),
        list(u, 'iinterfaces', 'iinterfaces')(s),
        list(u, 'addresses', 'addresses')(s),
        list(u, 'idisks', 'idisks')(s),
        list(u, 'partitions', 'partitions')(s),
        list(u, 'ilvgs', 'ilvgs')(s),
        list(u, 'ipvs', 'ipvs')(s),
        list(u, 'istors', 'istors')(s),
        list(u, 'pci_devices', 'pci_devices')(s),
      ]);
      return { cpus, memory, ports, interfaces, addresses, disks, partitions, lvgs, pvs, stors, devices };
    },
    [u],
    10_000,
  );
  const d = inv.data;
  return (
    <section aria-labelledby="inventory-title" class="inventory">
      <h2 id="inventory-title">Inventory</h2>
      <ErrorBox error={inv.error} />
      {d === undefined ? (
        <p class="muted">{inv.loading ? 'Loading…' : ''}</p>
      ) : (
        <>
          <Cpus cpus={d.cpus} />
          <Rows
            title="Memory and huge pages (per NUMA node)"
            rows={d.memory}
            fields={[
              'numa_node',
              'memtotal_mib',
              'memavail_mib',
              'platform_reserved_mib',
              'vm_hugepages_nr_2M',
              'vm_hugepages_avail_2M',
              'vm_hugepages_nr_2M_pending',
              'vm_hugepages_nr_1G',
              'vm_hugepages_avail_1G',
              'vm_hugepages_nr_1G_pending',
              'vswitch_hugepages_nr',
              'vswitch_hugepages_size_mib',
            ]}
          />
          <Rows title="Ports" rows={d.ports} fields={['name', 'mac', 'pciaddr', 'numa_node', 'speed', 'mtu', 'driver', 'pdevice', 'sriov_totalvfs']} />
          <Rows
            title="Interfaces"
            rows={d.interfaces}
            fields={['ifname', 'iftype', 'ifclass', 'networktypes', 'imtu', 'uses', 'vlan_id', 'aemode', 'ports', 'sriov_numvfs']}
          />
          <Rows title="Addresses" rows={d.addresses} fields={['ifname', 'address', 'prefix', 'enable_dad', 'pool_uuid']} />
          <Rows
            title="Disks"
            rows={d.disks}
            fields={['device_node', 'device_type', 'size_mib', 'available_mib', 'rpm', 'serial_id', 'device_path']}
          />
          <Rows title="Partitions" rows={d.partitions} fields={['device_node', 'size_mib', 'type_name', 'status', 'ipv_uuid']} />
          <Rows title="Volume groups" rows={d.lvgs} fields={['lvm_vg_name', 'vg_state', 'lvm_vg_size', 'lvm_vg_avail_size']} />
          <Rows title="Physical volumes" rows={d.pvs} fields={['lvm_pv_name', 'lvm_vg_name', 'pv_state', 'disk_or_part_device_node']} />
          <Rows title="Storage functions" rows={d.stors} fields={['function', 'state', 'osdid', 'idisk_uuid']} />
          <Rows title="PCI devices" rows={d.devices} fields={['name', 'pciaddr', 'pclass', 'pvendor', 'pdevice', 'numa_node', 'driver', 'enabled']} />
        </>
      )}
    </section>
  );
}

/** CPUs grouped by NUMA node: each logical CPU with its core/thread and its function. */
function Cpus({ cpus }: { cpus: Row[] }): JSX.Element {
  const nodes = new Map<number, Row[]>();
  for (const c of cpus) {
    const n = Number(c.numa_node ?? 0);
    nodes.set(n, [...(nodes.get(n) ?? []), c]);
  }
  const functions = [...new Set(cpus.map((c) => txt(c.allocated_function ?? 'none')))].sort();
  const model = cpus.find((c) => c.cpu_model)?.cpu_model;
  return (
    <Card title={`CPUs (${cpus.length})`}>
      {cpus.length === 0 ? (
        <p class="muted">No CPUs reported yet.</p>
      ) : (
        <>
          {model !== undefined && <p class="muted">{txt(model)}</p>}
          <p class="legend">
            {functions.map((f) => (
              <span key={f} class={`cpu fn-${f.replace(/\W+/g, '-').toLowerCase()}`}>
                {f}
              </span>
            ))}
          </p>
          {[...nodes.entries()]
            .sort(([a], [b]) => a - b)
            .map(([node, list]) => (
              <div key={node} class="numa">
                <h3>NUMA node {node}</h3>
                <ul class="cpus" aria-label={`CPUs of NUMA node ${node}`}>
                  {list
                    .sort((a, b) => Number(a.cpu) - Number(b.cpu))
                    .map((c) => (
                      <li
                        key={txt(c.uuid)}
                        class={`cpu fn-${txt(c.allocated_function ?? 'none').replace(/\W+/g, '-').toLowerCase()}`}
                        title={`CPU ${txt(c.cpu)}: core ${txt(c.core)}, thread ${txt(c.thread)}, ${txt(c.allocated_function ?? 'none')}`}
                      >
                        {txt(c.cpu)}
                      </li>
                    ))}
                </ul>
              </div>
            ))}
        </>
      )}
    </Card>
  );
}

const show = (v: unknown): string => (v === null || v === undefined || v === '' ? '—' : Array.isArray(v) ? v.map(txt).join(', ') : txt(v));

/** A small table of the fields (among `fields`) that the rows have. */
function Rows({ title, rows, fields }: { title: string; rows: Row[]; fields: string[] }): JSX.Element {
  const present = fields.filter((f) => rows.some((r) => f in r));
  return (
    <Card title={`${title} (${rows.length})`}>
      {rows.length === 0 ? (
        <p class="muted">None.</p>
      ) : (
        <div class="table-wrap">
          <table aria-label={title}>
            <thead>
              <tr>
                {present.map((f) => (
                  <th key={f} scope="col">
                    {f}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => (
                <tr key={txt(r.uuid ?? i)}>
                  {present.map((f) => (
                    <td key={f}>{show(r[f])}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}
