// Distributed cloud benchmark: a real system controller (`starling controller --role
// systemcontroller`, its own embedded PostgreSQL) and BENCH_SUBCLOUDS (default 10,000) simulated
// subclouds (bench/support/subcloud-simulator.ts, in this process). Measures: adding them, the
// first audit of all, audit staleness in steady state (how long ago each subcloud was last
// audited: at most the interval when the audit keeps up), the controller's CPU and resident
// memory over one audit interval, a dead subcloud's time to `offline`, managing them all, a
// central change (a new user) reaching every subcloud, and `subcloud list` / `alarm summary`
// latency. Goals (the issue's): a cycle within 30 s using under one core, offline within 60 s,
// a central change everywhere within 60 s, list p99 under 200 ms, memory under 500 MB.
// Not yet: two workers sharing the subclouds (the audit is not sharded yet).

import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { benchTempDir, cleanupOnInterrupt, lpad, machineLine, mark, pad } from './lib.ts';
import { StarlingProcesses, treeCpuMs } from './support/starling-process.ts';
import { startSubcloudSimulator } from './support/subcloud-simulator.ts';

const N = Number(process.env.BENCH_SUBCLOUDS ?? 10_000);
const INTERVAL_S = Number(process.env.BENCH_AUDIT_INTERVAL ?? 30);
const CONCURRENCY = Number(process.env.BENCH_AUDIT_CONCURRENCY ?? 100);
const PARALLEL = 16;
const ADMIN_PASSWORD = 'bench-admin-pw';

const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? NaN;

async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (i < items.length) await fn(items[i++]!);
  }));
}

async function until(check: () => Promise<boolean>, timeoutMs: number, pollMs = 200): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    if (await check()) return performance.now() - t0;
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms`);
    await sleep(pollMs);
  }
}

const rssMb = (pid: number): number => {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
};

export async function run(): Promise<void> {
  console.log(machineLine());
  console.log(`${N} simulated subclouds, audit every ${INTERVAL_S} s, ${CONCURRENCY} audits at once`);
  const dirs = new Set<string>();
  const procs = new StarlingProcesses(ADMIN_PASSWORD);
  const sim = await startSubcloudSimulator(N);
  const cleanup = async (): Promise<void> => {
    await procs.stopAll();
    await sim.close();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  };
  const stopListening = cleanupOnInterrupt(cleanup);
  try {
    await procs.warmUp();
    const dir = await benchTempDir('starling-bench-dc-', dirs);
    const { r, token } = await procs.start('controller', dir, {
      args: ['--role', 'systemcontroller'],
      env: { STARLING_DC_AUDIT_INTERVAL: String(INTERVAL_S), STARLING_DC_AUDIT_CONCURRENCY: String(CONCURRENCY), STARLING_DC_AUDIT_TIMEOUT: '5', STARLING_LOG_LEVEL: 'warn' },
    });
    const pid = r.child.pid!;
    const api = async <T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
      const res = await fetch(`${r.url}${path}`, {
        method,
        headers: { 'x-auth-token': token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: (text === '' ? undefined : JSON.parse(text)) as T };
    };
    const ids = Array.from({ length: N }, (_, i) => i);

    const tAdd = performance.now();
    await pool(ids, PARALLEL, async (i) => {
      const res = await api('POST', '/v1.0/subclouds', {
        'bootstrap-address': sim.url(i),
        bootstrap_values: [
          `name: sc${i}`,
          `management_subnet: 10.${i >> 8}.${i & 255}.0/24`,
          `management_start_address: 10.${i >> 8}.${i & 255}.2`,
          `management_end_address: 10.${i >> 8}.${i & 255}.50`,
          `management_gateway_address: 10.${i >> 8}.${i & 255}.1`,
          'systemcontroller_gateway_address: 192.168.204.101',
          'admin_password: Sim-pw-123',
        ].join('\n'),
      });
      if (res.status !== 200) throw new Error(`add sc${i}: ${res.status} ${JSON.stringify(res.body)}`);
    });
    const addMs = performance.now() - tAdd;
    type Row = { region_name: string; cloud_status: string };
    const summary = async (): Promise<Row[]> =>
      (await api<{ alarm_summary: Row[] }>('GET', '/v1.0/alarms')).body.alarm_summary.filter((x) => x.region_name !== 'SystemController');
    const firstAuditMs = await until(async () => (await summary()).every((x) => x.cloud_status !== 'disabled'), 600_000, 1000);
    console.log(`  add ${N} subclouds:            ${lpad((addMs / 1000).toFixed(1), 7)} s  (${Math.round(N / (addMs / 1000))}/s)`);
    console.log(`  all audited online after:     ${lpad(((addMs + firstAuditMs) / 1000).toFixed(1), 7)} s  from the first add`);

    const tManage = performance.now();
    await pool(ids, PARALLEL, async (i) => {
      const res = await api('PATCH', `/v1.0/subclouds/sc${i}`, { 'management-state': 'managed' });
      if (res.status !== 200) throw new Error(`manage sc${i}: ${res.status} ${JSON.stringify(res.body)}`);
    });
    console.log(`  manage all:                   ${lpad(((performance.now() - tManage) / 1000).toFixed(1), 7)} s`);

    // Steady state over one interval: CPU, memory, and how stale the audits are.
    await sleep(INTERVAL_S * 1000);
    const cpu0 = treeCpuMs(pid, dir);
    const w0 = performance.now();
    await sleep(INTERVAL_S * 1000);
    const cpu1 = treeCpuMs(pid, dir);
    const wall = performance.now() - w0;
    const list: number[] = [];
    let subclouds: Record<string, string>[] = [];
    for (let k = 0; k < 10; k++) {
      const t = performance.now();
      subclouds = (await api<{ subclouds: Record<string, string>[] }>('GET', '/v1.0/subclouds')).body.subclouds;
      list.push(performance.now() - t);
    }
    const now = Date.now();
    const stale = subclouds.map((s) => (now - Date.parse(s['last-audit-at'] ?? '')) / 1000);
    const sumLat: number[] = [];
    for (let k = 0; k < 10; k++) {
      const t = performance.now();
      await api('GET', '/v1.0/alarms');
      sumLat.push(performance.now() - t);
    }
    const ctlCores = (cpu1.controller - cpu0.controller) / wall;
    const pgCores = (cpu1.postgres - cpu0.postgres) / wall;
    const rss = rssMb(pid);
    console.log(`  audit staleness p50/max:      ${lpad(pct(stale, 0.5).toFixed(1), 7)} / ${stale.reduce((a, b) => Math.max(a, b), 0).toFixed(1)} s  ${mark(Math.max(...stale) <= INTERVAL_S + 5)} (≤ interval + 5 s: the audit keeps up)`);
    console.log(`  CPU over an interval:         ${lpad(ctlCores.toFixed(2), 7)} cores controller + ${pgCores.toFixed(2)} PostgreSQL  ${mark(ctlCores + pgCores < 1)} (< 1 core)`);
    console.log(`  controller resident memory:   ${lpad(rss.toFixed(0), 7)} MB  ${mark(rss < 500)} (< 500 MB)`);
    console.log(`  subcloud list (all) p50/p99:  ${lpad(pct(list, 0.5).toFixed(0), 7)} / ${pct(list, 0.99).toFixed(0)} ms  ${mark(pct(list, 0.99) < 200)} (p99 < 200 ms)`);
    console.log(`  alarm summary p50/p99:        ${lpad(pct(sumLat, 0.5).toFixed(0), 7)} / ${pct(sumLat, 0.99).toFixed(0)} ms`);

    // A central change: a new user, until every subcloud holds it.
    const tUser = performance.now();
    const u = await api('POST', '/v3/users', { user: { name: 'bench-user', password: 'Bench-user-pw1', enabled: true } });
    if (u.status !== 201) throw new Error(`user create: ${u.status}`);
    const everywhere = await until(async () => sim.subclouds.every((s) => s.identity.users.some((x) => x.name === 'bench-user')), 300_000, 500);
    console.log(`  new user on all subclouds:    ${lpad((everywhere / 1000).toFixed(1), 7)} s  ${mark(performance.now() - tUser < 60_000)} (< 60 s)`);

    // A dead subcloud.
    const victim = Math.floor(N / 2);
    sim.subclouds[victim]!.dead = true;
    const deadMs = await until(async () => (await api<Record<string, string>>('GET', `/v1.0/subclouds/sc${victim}`)).body['availability-status'] === 'offline', 300_000, 250);
    console.log(`  dead subcloud offline after:  ${lpad((deadMs / 1000).toFixed(1), 7)} s  ${mark(deadMs < 60_000)} (< 60 s)`);
    console.log(`  ${pad('simulator calls answered:', 30)}${lpad(String(sim.requests), 7)}`);
  } finally {
    stopListening();
    await cleanup();
  }
}
