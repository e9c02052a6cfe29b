// The site's topology: each network a bus, each host a box coloured by its availability, and a
// link from the host to each network it is heartbeated on, coloured by that network's heartbeat
// (green: answering; amber: missing replies; red and dashed: lost, as a cut cable). Updated live
// from maintenance's heartbeat statistics (GET /v1/heartbeat) and the host list.

import type { JSX } from 'preact';
import { api } from '../api.ts';
import { go, useLoad } from '../hooks.ts';
import type { Host } from '../types.ts';
import { Badge, ErrorBox, stateClass } from '../ui.tsx';

interface HbHost {
  networks?: Record<string, number>;
  health?: string;
  lostNetworks?: string[];
  endpoints?: { network: string; address: string; port: number }[];
}
interface Heartbeat {
  period_ms?: number;
  degrade?: number;
  failure?: number;
  mnfa_active?: boolean;
  hosts?: Record<string, HbHost>;
}

export type LinkState = 'up' | 'missing' | 'lost';

/** A network's link state for one host, from its consecutive missed heartbeats. */
export function linkState(misses: number, lost: boolean, degrade: number): LinkState {
  if (lost || misses >= degrade) return 'lost';
  return misses > 0 ? 'missing' : 'up';
}

const ORDER = ['oam', 'mgmt', 'cluster-host', 'admin', 'storage', 'pxeboot'];
const COLOURS: Record<LinkState, string> = { up: '#1a7f37', missing: '#bf8700', lost: '#cf222e' };
const HOST_FILL: Record<string, string> = { ok: '#dafbe1', warn: '#fff1c2', bad: '#ffebe9', off: '#eaeef2', neutral: '#eef1f4' };

export function Topology(): JSX.Element {
  const hb = useLoad((s) => api<Heartbeat>('GET', 'v1/heartbeat', undefined, s), [], 1000);
  const hosts = useLoad((s) => api<{ ihosts: Host[] }>('GET', 'v1/ihosts', undefined, s), [], 2000);
  const nets = useLoad((s) => api<{ networks: { name: string; type: string }[] }>('GET', 'v1/networks', undefined, s), []);

  const hbHosts = hb.data?.hosts ?? {};
  const degrade = hb.data?.degrade ?? 6;
  const list = [...(hosts.data?.ihosts ?? [])].sort((a, b) => (a.hostname ?? '').localeCompare(b.hostname ?? '', undefined, { numeric: true }));
  const networkNames = new Set<string>();
  for (const h of Object.values(hbHosts)) for (const n of Object.keys(h.networks ?? {})) networkNames.add(n);
  for (const n of nets.data?.networks ?? []) if (['mgmt', 'cluster-host', 'oam'].includes(n.type)) networkNames.add(n.type);
  const rank = (n: string): number => (ORDER.includes(n) ? ORDER.indexOf(n) : ORDER.length);
  const networks = [...networkNames].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));

  const boxW = 150;
  const gap = 30;
  const width = Math.max(640, 40 + list.length * (boxW + gap));
  const busY0 = 160;
  const busGap = 56;
  const height = busY0 + Math.max(1, networks.length) * busGap + 10;
  const busY = (i: number): number => busY0 + i * busGap;

  return (
    <>
      <div class="page-head">
        <h1>Topology</h1>
        <p class="legend" aria-label="Legend">
          <span class="link-key up">answering</span>
          <span class="link-key missing">missing replies</span>
          <span class="link-key lost">lost (cut)</span>
          {hb.data?.mnfa_active && <Badge value="multi-node failure avoidance" kind="warn" />}
        </p>
      </div>
      <ErrorBox error={hb.error ?? hosts.error} />
      <div class="topology card">
        <svg viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-labelledby="topo-title" data-testid="topology">
          <title id="topo-title">Hosts and their networks</title>
          {networks.map((n, i) => (
            <g key={n}>
              <line x1={10} x2={width - 10} y1={busY(i)} y2={busY(i)} class="bus" />
              <text x={width - 12} y={busY(i) - 8} class="bus-label" text-anchor="end">
                {n}
              </text>
            </g>
          ))}
          {list.map((h, i) => {
            const name = h.hostname ?? h.uuid;
            const x = 30 + i * (boxW + gap);
            const v = hbHosts[name];
            return (
              <g key={h.uuid} class="host" data-host={name}>
                {networks.map((n, j) => {
                  if (v?.networks?.[n] === undefined) return null;
                  const st = linkState(v.networks[n], (v.lostNetworks ?? []).includes(n), degrade);
                  const lx = x + 20 + j * 18;
                  return (
                    <line
                      key={n}
                      x1={lx}
                      x2={lx}
                      y1={100}
                      y2={busY(j)}
                      stroke={COLOURS[st]}
                      stroke-width={st === 'up' ? 3 : 4}
                      stroke-dasharray={st === 'lost' ? '6 5' : undefined}
                      data-link={`${name}/${n}`}
                      data-state={st}
                    >
                      <title>{`${name} on ${n}: ${st}${v.networks[n] > 0 ? ` (${v.networks[n]} missed)` : ''}`}</title>
                    </line>
                  );
                })}
                <a
                  href={`#/hosts/${encodeURIComponent(name)}`}
                  onClick={(e) => {
                    e.preventDefault();
                    go(`/hosts/${encodeURIComponent(name)}`);
                  }}
                  aria-label={`${name}: ${h.administrative}, ${h.operational}, ${h.availability}`}
                >
                  <rect x={x} y={30} width={boxW} height={70} rx={8} fill={HOST_FILL[stateClass(h.availability)]} class="host-box" />
                  <text x={x + 10} y={52} class="host-name">
                    {name}
                  </text>
                  <text x={x + 10} y={70} class="host-state">
                    {h.administrative} · {h.availability}
                  </text>
                  <text x={x + 10} y={88} class="host-state">
                    {h.task ?? v?.health ?? ''}
                  </text>
                </a>
              </g>
            );
          })}
        </svg>
      </div>
      <div class="table-wrap">
        <table aria-label="Links">
          <thead>
            <tr>
              <th scope="col">host</th>
              {networks.map((n) => (
                <th key={n} scope="col">
                  {n}
                </th>
              ))}
              <th scope="col">heartbeat</th>
            </tr>
          </thead>
          <tbody>
            {list.map((h) => {
              const name = h.hostname ?? h.uuid;
              const v = hbHosts[name];
              return (
                <tr key={h.uuid}>
                  <td>{name}</td>
                  {networks.map((n) => {
                    const m = v?.networks?.[n];
                    if (m === undefined) return <td key={n}>—</td>;
                    const st = linkState(m, (v?.lostNetworks ?? []).includes(n), degrade);
                    return (
                      <td key={n}>
                        <span class={`link-key ${st}`}>{st}</span> {m > 0 ? `${m} missed` : ''}
                      </td>
                    );
                  })}
                  <td>{v?.health ?? 'not heartbeated'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}
