// Distributed cloud benchmark: a real system controller (`starling controller --role
// systemcontroller`, its own embedded PostgreSQL), optionally a second system-controller worker
// (`starling dc-worker` on the same database: BENCH_WORKERS=2), and BENCH_SUBCLOUDS (default
// 10,000) simulated subclouds (bench/support/subcloud-simulator.ts, in this process). The first
// BENCH_API_ADDS subclouds are added and managed through the API (its rates measured); the rest are
// written straight into the database as managed subclouds (setup, not measured: adding 50,000
// through the API takes longer than the rest of the run). Measures: the first audit of all,
// audit staleness in steady state (how long ago each subcloud was last audited: at most the
// interval when the audit keeps up), the processes' CPU and resident memory over one audit
// interval, `subcloud list` (all, and pages) and `alarm summary` latency, a central change (a new
// user) reaching every subcloud, a dead subcloud's time to `offline`, and with two workers the
// shard split and the controller taking every shard when the worker is killed. Goals (the
// issue's): a cycle within 30 s using under one core, offline within 60 s, a central change
// everywhere within 60 s, list p99 under 200 ms, memory under 500 MB.

import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { benchTempDir, cleanupOnInterrupt, lpad, machineLine, mark, pad } from './lib.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { BIN, StarlingProcesses, processCpuMs, treeCpuMs } from './support/starling-process.ts';
import { startSubcloudSimulator } from './support/subcloud-simulator.ts';
import { sealer } from '../src/common/sealed.ts';
import { SOFTWARE_VERSION } from '../src/common/version.ts';
import { embeddedServerUrl } from '../src/controller/dc-worker.ts';
import { ENDPOINT_TYPES } from '../src/dcmanager/domain/subcloud.ts';

const N = Number(process.env.BENCH_SUBCLOUDS ?? 10_000);
const INTERVAL_S = Number(process.env.BENCH_AUDIT_INTERVAL ?? 30);
const CONCURRENCY = Number(process.env.BENCH_AUDIT_CONCURRENCY ?? 400);
const SHARDS = Number(process.env.BENCH_AUDIT_SHARDS ?? 16);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 1);
const API_ADDS = Math.min(N, Number(process.env.BENCH_API_ADDS ?? 500));
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

/** Subclouds from..N-1 written straight into the controller's database, managed (bench setup). */
async function bulkAdd(dir: string, from: number, url: (i: number) => string): Promise<void> {
  if (from >= N) return;
  const secrets = JSON.parse(fs.readFileSync(path.join(dir, 'secrets.json'), 'utf8')) as { postgres_password: string; secrets_key: string };
  const db = new pg.Client({ connectionString: await embeddedServerUrl(dir, secrets.postgres_password) });
  await db.connect();
  try {
    const sealed = sealer(secrets.secrets_key).seal('Sim-pw-123');
    const base = url(0).slice(0, -1);
    await db.query('BEGIN');
    const ids = (
      await db.query<{ id: number }>(
        `INSERT INTO subclouds (name, software_version, deploy_status, region_name, management_subnet, management_start_ip,
           management_end_ip, management_gateway_ip, systemcontroller_gateway_ip, bootstrap_address, admin_username,
           admin_project, admin_password_sealed, management_state)
         SELECT 'sc' || i, $3, 'complete', md5('bench-region-' || i),
                ('10.' || (i >> 8) || '.' || (i & 255) || '.0/24')::cidr, ('10.' || (i >> 8) || '.' || (i & 255) || '.2')::inet,
                ('10.' || (i >> 8) || '.' || (i & 255) || '.50')::inet, ('10.' || (i >> 8) || '.' || (i & 255) || '.1')::inet,
                '192.168.204.101'::inet, $4 || i, 'admin', 'admin', $5, 'managed'
           FROM generate_series($1::int, $2::int) AS i RETURNING id`,
        [from, N - 1, SOFTWARE_VERSION, base, sealed],
      )
    ).rows.map((r) => r.id);
    await db.query('INSERT INTO subcloud_status (subcloud_id, endpoint_type) SELECT id, e FROM unnest($1::int[]) AS id, unnest($2::text[]) AS e', [ids, [...ENDPOINT_TYPES]]);
    await db.query('INSERT INTO subcloud_alarms (subcloud_id) SELECT unnest($1::int[])', [ids]);
    await db.query('COMMIT');
  } finally {
    await db.end();
  }
}

export async function run(): Promise<void> {
  console.log(machineLine());
  console.log(`${N} simulated subclouds (${API_ADDS} added through the API), audit every ${INTERVAL_S} s, ${CONCURRENCY} audits at once per process, ${SHARDS} shards, ${WORKERS} system-controller process${WORKERS > 1 ? 'es' : ''}`);
  const dirs = new Set<string>();
  const procs = new StarlingProcesses(ADMIN_PASSWORD);
  const sim = await startSubcloudSimulator(N);
  const workers: ChildProcess[] = [];
  const cleanup = async (): Promise<void> => {
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
    await procs.stopAll();
    await sim.close();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  };
  const stopListening = cleanupOnInterrupt(cleanup);
  try {
    await procs.warmUp();
    const dir = await benchTempDir('starling-bench-dc-', dirs);
    const settings = { STARLING_DC_AUDIT_INTERVAL: String(INTERVAL_S), STARLING_DC_AUDIT_CONCURRENCY: String(CONCURRENCY), STARLING_DC_AUDIT_TIMEOUT: '5', STARLING_DC_AUDIT_SHARDS: String(SHARDS), STARLING_LOG_LEVEL: 'warn' };
    const { r, token } = await procs.start('controller', dir, { args: ['--role', 'systemcontroller'], env: settings });
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
    const shardsHeld = async (): Promise<number> =>
      ((await (await fetch(`${r.url}/health`)).json()) as { leases: string[] }).leases.filter((l) => l.startsWith('dcmanager-audit-shard/')).length;
    const ids = Array.from({ length: API_ADDS }, (_, i) => i);

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
    console.log(`  add ${API_ADDS} subclouds (API):      ${lpad((addMs / 1000).toFixed(1), 7)} s  (${Math.round(API_ADDS / (addMs / 1000))}/s)`);
    type Row = { region_name: string; cloud_status: string };
    const summary = async (): Promise<Row[]> =>
      (await api<{ alarm_summary: Row[] }>('GET', '/v1.0/alarms')).body.alarm_summary.filter((x) => x.region_name !== 'SystemController');
    await until(async () => (await summary()).every((x) => x.cloud_status !== 'disabled'), 600_000, 500);
    const tManage = performance.now();
    await pool(ids, PARALLEL, async (i) => {
      const res = await api('PATCH', `/v1.0/subclouds/sc${i}`, { 'management-state': 'managed' });
      if (res.status !== 200) throw new Error(`manage sc${i}: ${res.status} ${JSON.stringify(res.body)}`);
    });
    const manageMs = performance.now() - tManage;
    console.log(`  manage ${API_ADDS} (API):              ${lpad((manageMs / 1000).toFixed(1), 7)} s  (${Math.round(API_ADDS / (manageMs / 1000))}/s)`);
    const tBulk = performance.now();
    await bulkAdd(dir, API_ADDS, (i) => sim.url(i));
    if (N > API_ADDS) console.log(`  ${N - API_ADDS} more written to the database (setup): ${((performance.now() - tBulk) / 1000).toFixed(1)} s`);

    // The second system-controller process: a dc-worker on the controller's embedded database.
    let workerPid: number | undefined;
    if (WORKERS > 1) {
      const w = spawn(process.execPath, [BIN, 'dc-worker', '--data-dir', dir], { env: { ...procs.env(), ...settings }, stdio: 'ignore' });
      workers.push(w);
      workerPid = w.pid;
      const splitMs = await until(async () => (await shardsHeld()) === Math.ceil(SHARDS / 2), 60_000, 200);
      console.log(`  dc-worker started; shards split ${Math.ceil(SHARDS / 2)}/${SHARDS - Math.ceil(SHARDS / 2)} after ${(splitMs / 1000).toFixed(1)} s`);
    }
    const tFirst = performance.now();
    const firstAuditMs = await until(async () => (await summary()).every((x) => x.cloud_status !== 'disabled'), 900_000, 1000);
    console.log(`  all ${N} audited online:        ${lpad(((performance.now() - tFirst) / 1000).toFixed(1), 7)} s  after the setup (${(firstAuditMs / 1000).toFixed(1)} s)`);

    // Steady state over one interval: CPU, memory, and how stale the audits are.
    await sleep(INTERVAL_S * 1000);
    const cpu0 = treeCpuMs(pid, dir);
    const wcpu0 = workerPid === undefined ? 0 : processCpuMs(workerPid);
    const w0 = performance.now();
    await sleep(INTERVAL_S * 1000);
    const cpu1 = treeCpuMs(pid, dir);
    const wcpu1 = workerPid === undefined ? 0 : processCpuMs(workerPid);
    const wall = performance.now() - w0;
    const list: number[] = [];
    let subclouds: Record<string, string>[] = [];
    let now = Date.now();
    for (let k = 0; k < 10; k++) {
      const t = performance.now();
      now = Date.now();
      subclouds = (await api<{ subclouds: Record<string, string>[] }>('GET', '/v1.0/subclouds')).body.subclouds;
      list.push(performance.now() - t);
    }
    const stale = subclouds.map((s) => (now - Date.parse(s['last-audit-at'] ?? '')) / 1000);
    const paged: number[] = [];
    for (let k = 0; k < 100; k++) {
      const marker = Math.floor(Math.random() * (N - 100));
      const t = performance.now();
      const page = await api<{ subclouds: unknown[] }>('GET', `/v1.0/subclouds?limit=100&marker=${marker}`);
      paged.push(performance.now() - t);
      if (page.status !== 200 || page.body.subclouds.length !== 100) throw new Error(`page after ${marker}: ${page.status}`);
    }
    const sumLat: number[] = [];
    for (let k = 0; k < 10; k++) {
      const t = performance.now();
      await api('GET', '/v1.0/alarms');
      sumLat.push(performance.now() - t);
    }
    const ctlCores = (cpu1.controller - cpu0.controller) / wall;
    const pgCores = (cpu1.postgres - cpu0.postgres) / wall; // negative when a backend exited meanwhile
    const wCores = (wcpu1 - wcpu0) / wall;
    const rss = rssMb(pid);
    console.log(`  machine load average now:     ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')} (1/5/15 min; ${os.cpus().length} cores shared with other work)`);
    const wRss = workerPid === undefined ? 0 : rssMb(workerPid);
    const maxStale = stale.reduce((a, b) => Math.max(a, b), 0);
    console.log(`  audit staleness p50/max:      ${lpad(pct(stale, 0.5).toFixed(1), 7)} / ${maxStale.toFixed(1)} s  ${mark(maxStale <= INTERVAL_S + 5)} (≤ interval + 5 s: the audit keeps up)`);
    console.log(`  CPU over an interval:         ${lpad(ctlCores.toFixed(2), 7)} cores controller${workerPid === undefined ? '' : ` + ${wCores.toFixed(2)} dc-worker`} + ${pgCores >= 0 ? pgCores.toFixed(2) : 'n/a (a backend exited)'} PostgreSQL  ${mark(ctlCores + wCores + pgCores < 1)} (< 1 core)`);
    console.log(`  resident memory:              ${lpad(rss.toFixed(0), 7)} MB controller${workerPid === undefined ? '' : `, ${wRss.toFixed(0)} MB dc-worker`}  ${mark(Math.max(rss, wRss) < 500)} (< 500 MB)`);
    console.log(`  subcloud list (all) p50/p99:  ${lpad(pct(list, 0.5).toFixed(0), 7)} / ${pct(list, 0.99).toFixed(0)} ms`);
    console.log(`  list page of 100 p50/p99:     ${lpad(pct(paged, 0.5).toFixed(0), 7)} / ${pct(paged, 0.99).toFixed(0)} ms  ${mark(pct(paged, 0.99) < 200)} (p99 < 200 ms)`);
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

    // The worker killed: the controller takes every shard.
    if (workers[0]) {
      workers[0].kill('SIGKILL');
      const takeMs = await until(async () => (await shardsHeld()) === SHARDS, 60_000, 100);
      console.log(`  dc-worker killed: the controller holds all ${SHARDS} shards after ${(takeMs / 1000).toFixed(1)} s`);
    }
    console.log(`  ${pad('simulator calls answered:', 30)}${lpad(String(sim.requests), 7)}`);
  } finally {
    stopListening();
    await cleanup();
  }
}
