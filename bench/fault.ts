// Fault-management benchmark: Starling's FM against Prometheus Alertmanager, in the same run.
//   - ingest: N set+clear pairs with 16 and with 64 in flight (a set of agents: one alarm per
//     POST, one clear per DELETE, as an agent's client sends them), over REST (keep-alive HTTP)
//     against `starling controller` running as its own process, and in-process
//     (FaultService.raise/clear); the same workload against Alertmanager (set = POST
//     /api/v2/alerts with one alert, clear = the same alert with endsAt passed) and against a bare
//     node:http server that stores nothing (what Node.js's HTTP stack alone costs here). The CPU
//     time per pair of the client (this process) and of each server is read from /proc.
//   - list latency with ACTIVE active alarms: GET /v1/alarms (pages, filters, every sort key)
//     against GET /api/v2/alerts (no pagination in Alertmanager: every call returns all that match).
// Goals: REST ingest >= 2x Alertmanager's pairs/s (judged at each concurrency); every Starling
// list query p99 < 50 ms.
// It reports; a missed goal does not fail it. The processes (controller, its embedded PostgreSQL,
// Alertmanager, the bare server) and the temp folders are always cleaned up.

import { benchTempDir, cleanupOnInterrupt, lpad, machineLine, mark, pad } from './lib.ts';
import {
  onFolder,
  processCpuMs,
  processTable,
  StarlingProcesses,
  treeCpuMs,
  type Running,
} from './support/starling-process.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadControllerConfig } from '../src/common/config.ts';
import { silentLogger } from '../src/common/log.ts';
import { startController, type Controller } from '../src/controller/controller.ts';
import { freePort } from '../src/db/index.ts';
import { alarmFromRaise } from '../src/fault/domain/raise.ts';
import { ALARM_COL_TYPES, ALARM_COLS } from '../src/fault/repo.ts';

const ADMIN_PASSWORD = 'bench-admin-pw';
const PAIRS = 5000;
/** Clients in flight during the ingest: 16 (the figure compared since the first run), then 64. */
const INGEST_CONCURRENCY = [16, 64] as const;
/** Clients in flight while loading the active alarms through the real raise path. */
const CONCURRENCY = 16;
const MAX_SOCKETS = Math.max(...INGEST_CONCURRENCY);
const ACTIVE = 100_000;
const HOSTS = 2000; // ACTIVE / HOSTS = 50 alarms per host
/** The real raise path loads for at most this long; the rest goes in by bulk INSERT (reported). */
const LOAD_BUDGET_MS = 75_000;
const BULK_CHUNK = 5000;
const AM_BATCH = 1000;
const AM_LOAD_CONCURRENCY = 4;
const LIST_REPS = 200;
const LIST_WARMUP = 10;
const GOAL_INGEST_RATIO = 2;
const GOAL_LIST_P99_MS = 50;
const CORES = os.cpus().length;
const AM_BIN = 'prometheus-alertmanager';
const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;

/** Ids the load spreads over (each has critical and major; some also minor). */
const LOAD_IDS = [
  '100.103',
  '100.104',
  '100.107',
  '100.109',
  '100.111',
  '200.005',
  '200.006',
  '200.007',
  '200.009',
  '400.001',
];
const HAS_MINOR = new Set(['200.006', '200.007', '400.001']);
/** Ids the ingest workload cycles through (severity major). */
const INGEST_IDS = ['100.101', '100.103', '100.104', '200.006', '100.108'];

// ---------------------------------------------------------------------------------------------
// Workloads (the same for both systems)

interface AlarmSpec {
  alarm_id: string;
  entity_instance_id: string;
  severity: string;
}

/** Ingest pair i: a distinct alarm per pair, so in-flight pairs never touch the same row. */
const ingestAlarm = (i: number): AlarmSpec => ({
  alarm_id: INGEST_IDS[i % INGEST_IDS.length]!,
  entity_instance_id: `host=ingest-${i % 100}.process=p${i}`,
  severity: 'major',
});

/** Active alarm i of the load: 50 per host (one host-level 100.101, 49 per process), 10% critical. */
function loadAlarm(i: number): AlarmSpec {
  const h = i % HOSTS;
  const j = Math.floor(i / HOSTS);
  const alarm_id = j === 0 ? '100.101' : LOAD_IDS[j % LOAD_IDS.length]!;
  const severity = i % 10 === 3 ? 'critical' : HAS_MINOR.has(alarm_id) && i % 3 === 0 ? 'minor' : 'major';
  return {
    alarm_id,
    entity_instance_id: j === 0 ? `host=worker-${h}` : `host=worker-${h}.process=p${j}`,
    severity,
  };
}

function loadMatches(pred: (a: AlarmSpec) => boolean): number {
  let n = 0;
  for (let i = 0; i < ACTIVE; i++) if (pred(loadAlarm(i))) n++;
  return n;
}

// ---------------------------------------------------------------------------------------------
// HTTP (node:http, keep-alive)

interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(
  agent: http.Agent,
  url: string,
  method: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method,
        agent,
        headers:
          body === undefined
            ? headers
            : { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(300_000, () => req.destroy(new Error(`${method} ${url}: no answer in 300 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

function expect(r: Res, status: number, what: string): void {
  if (r.status !== status)
    throw new Error(`${what}: HTTP ${r.status} (expected ${status}): ${r.body.slice(0, 300)}`);
}

/** Runs fn(0..n-1) with `concurrency` in flight; returns the wall time in ms. */
async function inParallel(n: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      for (let i = next++; i < n; i = next++) await fn(i);
    }),
  );
  return performance.now() - t0;
}

// ---------------------------------------------------------------------------------------------
// Latency

interface Latency {
  label: string;
  reps: number;
  rows: number;
  /** Alarms that match (unknown for the event log: retention decides). */
  matches?: number;
  p50: number;
  p99: number;
  max: number;
}

const pct = (sorted: number[], p: number): number => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;

/** Times `reps` sequential GETs after `warmup` (the first warm-up answer gives the row count). */
async function timeGets(
  agent: http.Agent,
  url: string,
  headers: Record<string, string>,
  count: (body: string) => number,
  plan: { warmup: number; reps: number } | ((firstMs: number) => { warmup: number; reps: number }),
): Promise<Omit<Latency, 'label' | 'matches'>> {
  const t0 = performance.now();
  const first = await request(agent, url, 'GET', headers);
  const firstMs = performance.now() - t0;
  expect(first, 200, `GET ${url}`);
  const rows = count(first.body);
  const { warmup, reps } = typeof plan === 'function' ? plan(firstMs) : plan;
  for (let i = 1; i < warmup; i++) expect(await request(agent, url, 'GET', headers), 200, `GET ${url}`);
  const xs: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    const r = await request(agent, url, 'GET', headers);
    xs.push(performance.now() - t);
    expect(r, 200, `GET ${url}`);
  }
  xs.sort((a, b) => a - b);
  return { reps, rows, p50: pct(xs, 0.5), p99: pct(xs, 0.99), max: xs.at(-1)! };
}

// ---------------------------------------------------------------------------------------------
// Cleanup

const runs = new StarlingProcesses(ADMIN_PASSWORD);
let controller: Controller | undefined;
let floor: ChildProcess | undefined;
let am: { child: ChildProcess; exited: boolean; exit: Promise<void>; output: string } | undefined;
const agents: http.Agent[] = [];
const tempDirs = new Set<string>();

const newTempDir = (prefix: string): Promise<string> => benchTempDir(prefix, tempDirs);

async function stopController(): Promise<void> {
  const c = controller;
  controller = undefined;
  if (c) await c.stop();
}

async function stopAlertmanager(): Promise<void> {
  const a = am;
  am = undefined;
  if (!a || a.exited) return;
  a.child.kill('SIGTERM');
  const done = await Promise.race([a.exit.then(() => true), sleep(STOP_GRACE_MS).then(() => false)]);
  if (!done) {
    a.child.kill('SIGKILL');
    await a.exit;
  }
}

async function cleanupAll(): Promise<void> {
  for (const a of agents.splice(0)) a.destroy();
  stopFloor();
  await runs.stopAll();
  await stopController().catch((e: Error) => console.error(`could not stop the controller: ${e.message}`));
  await stopAlertmanager().catch((e: Error) => console.error(`could not stop Alertmanager: ${e.message}`));
  for (const dir of [...tempDirs]) {
    await runs.killLeftovers(dir).catch(() => undefined);
    await fsp.rm(dir, { recursive: true, force: true, maxRetries: 3 }).catch((e: Error) => {
      console.error(`could not remove ${dir}: ${e.message}`);
    });
    tempDirs.delete(dir);
  }
}

// ---------------------------------------------------------------------------------------------
// Starling

interface IngestResult {
  concurrency: number;
  pairs: number;
  ms: number;
  /** CPU time per pair (ms): the bench's client, and the server (Starling: controller + its PostgreSQL). */
  clientCpu: number;
  serverCpu: number;
  /** Starling REST: the server's CPU per pair split between the controller and PostgreSQL. */
  serverParts?: { controller: number; postgres: number };
  /** Starling in-process: alarm writes per SQL statement (concurrent raises and clears share statements). */
  perStatement?: number;
}

interface StarlingResults {
  rest: IngestResult[];
  inProcess: IngestResult[];
  load: { raised: number; bulk: number; ms: number };
  lists: Latency[];
}

/** Runs `pairs` pairs with `concurrency` in flight; CPU per pair of this process and of `server()`. */
async function measuredIngest(
  concurrency: number,
  pair: (i: number) => Promise<void>,
  server: () => number,
): Promise<IngestResult> {
  const c0 = process.cpuUsage();
  const s0 = server();
  const ms = await inParallel(PAIRS, concurrency, pair);
  const c = process.cpuUsage(c0);
  return {
    concurrency,
    pairs: PAIRS,
    ms,
    clientCpu: (c.user + c.system) / 1000 / PAIRS,
    serverCpu: (server() - s0) / PAIRS,
  };
}

const describeIngest = (what: string, r: IngestResult): string =>
  `${what}: ingest ${r.pairs} pairs, ${r.concurrency} in flight, in ${(r.ms / 1000).toFixed(2)} s` +
  ` (CPU per pair: client ${r.clientCpu.toFixed(3)} ms, server ${r.serverCpu.toFixed(3)} ms` +
  `${r.serverParts ? ` = controller ${r.serverParts.controller.toFixed(3)} + PostgreSQL ${r.serverParts.postgres.toFixed(3)}` : ''}` +
  `${r.perStatement === undefined ? '' : `; ${r.perStatement.toFixed(1)} alarm writes per statement`})`;

/** The ingest workload over REST against `base` (Starling, or the bare Node.js server): raise
 *  (201) then clear (200, cleared 1). */
function restPair(agent: http.Agent, base: string, auth: Record<string, string>) {
  return async (i: number, offset: number): Promise<void> => {
    const a = ingestAlarm(offset + i);
    expect(await request(agent, `${base}/v1/alarms`, 'POST', auth, JSON.stringify(a)), 201, 'raise');
    const qs = new URLSearchParams({ alarm_id: a.alarm_id, entity_instance_id: a.entity_instance_id });
    const r = await request(agent, `${base}/v1/alarms?${qs.toString()}`, 'DELETE', auth);
    expect(r, 200, 'clear');
    if (!r.body.includes('"cleared":1'))
      throw new Error(`clear of ${a.alarm_id} ${a.entity_instance_id} cleared nothing: ${r.body}`);
  };
}

/**
 * Starling in three acts on one data folder:
 *   1. `bin/starling controller` as its own process (as operators run it; request log on, at info):
 *      the REST ingest, the client in this process;
 *   2. the controller in this process: the in-process ingest (FaultService), then the load of
 *      ACTIVE alarms and ANALYZE;
 *   3. `bin/starling controller` again on the loaded folder: the list latencies over HTTP.
 */
async function benchStarling(): Promise<StarlingResults> {
  const dataDir = await newTempDir('starling-bench-fault-');
  await runs.warmUp();

  // 1. REST ingest against the controller process.
  const t0 = performance.now();
  let started = await runs.start('controller', dataDir);
  let proc = started.r;
  console.log(
    `starling: \`starling controller\` process + embedded PostgreSQL ready in ${Math.round(performance.now() - t0)} ms (${proc.url}, pid ${proc.child.pid})`,
  );
  const agent = new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS });
  agents.push(agent);
  const auth = (token: string): Record<string, string> => ({ 'x-auth-token': token });
  const serverCpu = (r: Running) => (): number => {
    const t = treeCpuMs(r.child.pid!, dataDir);
    return t.controller + t.postgres;
  };
  /** Starts a split of the server's CPU; the function returned ends it (ms per pair). */
  const cpuParts = (r: Running): (() => { controller: number; postgres: number }) => {
    const t0 = treeCpuMs(r.child.pid!, dataDir);
    return () => {
      const t = treeCpuMs(r.child.pid!, dataDir);
      return {
        controller: (t.controller - t0.controller) / PAIRS,
        postgres: (t.postgres - t0.postgres) / PAIRS,
      };
    };
  };
  const pairOnProc = restPair(agent, proc.url, auth(started.token));
  await inParallel(200, CONCURRENCY, (i) => pairOnProc(i, 1_000_000)); // warm-up, not counted
  const rest: IngestResult[] = [];
  for (const [k, n] of INGEST_CONCURRENCY.entries()) {
    const parts = cpuParts(proc);
    const r = await measuredIngest(n, (i) => pairOnProc(i, 10_000_000 * k), serverCpu(proc));
    r.serverParts = parts();
    rest.push(r);
    console.log(describeIngest('starling REST', r));
  }
  await runs.stop(proc);
  agent.destroy();

  // 2. In-process: the same through FaultService, then the load.
  controller = await startController(
    {
      ...loadControllerConfig({ dataDir, port: '0', agent: false, insecureHttp: true }, {}),
      adminPassword: ADMIN_PASSWORD,
      logLevel: 'silent',
    },
    { log: silentLogger },
  );
  const c = controller;
  const pgCpu = (): number => {
    const table = processTable();
    let ms = 0;
    for (const pid of onFolder(table, dataDir)) ms += ((table.get(pid)?.cpuTicks ?? 0) * 1000) / 100;
    return ms;
  };
  const procPair = async (i: number, offset: number): Promise<void> => {
    const a = ingestAlarm(offset + i);
    const { created } = await c.fault.raise(a);
    if (!created) throw new Error(`raise of ${a.alarm_id} ${a.entity_instance_id} did not create an alarm`);
    const gone = await c.fault.clear(a.alarm_id, a.entity_instance_id);
    if (gone.length !== 1)
      throw new Error(`clear of ${a.alarm_id} ${a.entity_instance_id} cleared ${gone.length}`);
  };
  await inParallel(200, CONCURRENCY, (i) => procPair(i, 2_000_000));
  const inProcess: IngestResult[] = [];
  for (const [k, n] of INGEST_CONCURRENCY.entries()) {
    const before = c.fault.writeStats();
    const r = await measuredIngest(n, (i) => procPair(i, 3_000_000 + 10_000_000 * k), pgCpu);
    const after = c.fault.writeStats();
    r.perStatement = (after.operations - before.operations) / Math.max(1, after.batches - before.batches);
    inProcess.push(r);
    console.log(describeIngest('starling in-process (client = the controller; server = PostgreSQL)', r));
  }
  const left = await c.fault.listAlarms({ limit: 10 });
  if (left.alarms.length !== 0)
    throw new Error(`${left.alarms.length}+ alarms still active after the ingest`);

  // Load ACTIVE alarms: the real raise path for up to LOAD_BUDGET_MS, then bulk INSERT.
  const l0 = performance.now();
  let raised = 0;
  let cursor = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (cursor < ACTIVE && performance.now() - l0 < LOAD_BUDGET_MS) {
        const i = cursor++;
        await c.fault.raise(loadAlarm(i));
        raised++;
      }
    }),
  );
  const raiseMs = performance.now() - l0;
  console.log(
    `starling: load: ${raised} alarms through FaultService.raise (${CONCURRENCY} in flight) in ${(raiseMs / 1000).toFixed(1)} s` +
      ` (${Math.round(raised / (raiseMs / 1000))}/s)`,
  );
  const bulk = ACTIVE - cursor;
  if (bulk > 0) {
    // Same rows as raise would store (alarmFromRaise: catalog defaults), without the event-log
    // rows and notifications a raise also writes (the alarm list reads neither).
    const b0 = performance.now();
    const now = Date.now();
    for (let from = cursor; from < ACTIVE; from += BULK_CHUNK) {
      const rows: ReturnType<typeof alarmFromRaise>[] = [];
      for (let i = from; i < Math.min(ACTIVE, from + BULK_CHUNK); i++) {
        rows.push(alarmFromRaise(loadAlarm(i), c.fault.catalog, new Date(now - (ACTIVE - i))));
      }
      await c.db.query(
        `INSERT INTO alarms (uuid, ${ALARM_COLS.join(', ')})
         SELECT * FROM unnest($1::uuid[], ${ALARM_COLS.map((col, k) => `$${k + 2}::${ALARM_COL_TYPES[col]}[]`).join(', ')})`,
        [rows.map(() => randomUUID()), ...ALARM_COLS.map((col) => rows.map((r) => r[col]))],
      );
    }
    console.log(
      `starling: load: the other ${bulk} alarms by bulk INSERT into alarms (rows built by alarmFromRaise; no event-log rows` +
        ` or notifications for them) in ${((performance.now() - b0) / 1000).toFixed(1)} s`,
    );
  }
  // Autovacuum would analyze the grown table within a minute; do it now so plans are settled.
  await c.db.query('ANALYZE alarms');
  const count = (await c.db.query<{ n: number }>('SELECT count(*)::int AS n FROM alarms')).rows[0]!.n;
  if (count !== ACTIVE) throw new Error(`expected ${ACTIVE} active alarms, found ${count}`);
  const loadMs = performance.now() - l0;
  console.log(`starling: ${count} active alarms after ${(loadMs / 1000).toFixed(1)} s (then ANALYZE alarms)`);
  await stopController();

  // 3. List latency over HTTP, against the controller process on the loaded folder.
  started = await runs.start('controller', dataDir);
  proc = started.r;
  const listAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  agents.push(listAgent);
  const alarmCount = (body: string): number => (JSON.parse(body) as { alarms: unknown[] }).alarms.length;
  const q = (field: string, value: string, extra = ''): string =>
    `q.field=${field}&q.op=eq&q.value=${encodeURIComponent(value)}${extra}`;
  const queries: [string, string, number][] = [
    ['unfiltered, limit=100', 'limit=100', ACTIVE],
    ['unfiltered, default page (1000)', '', ACTIVE],
    ['sort_key=severity, default page', 'sort_key=severity', ACTIVE],
    ['sort_key=entity_instance_id, asc', 'sort_key=entity_instance_id&sort_dir=asc', ACTIVE],
    [
      'severity=critical, limit=100',
      q('severity', 'critical', '&limit=100'),
      loadMatches((a) => a.severity === 'critical'),
    ],
    ['entity_instance_id=host=worker-17', q('entity_instance_id', 'host=worker-17'), 1],
    [
      'alarm_id=100.101, limit=100',
      q('alarm_id', '100.101', '&limit=100'),
      loadMatches((a) => a.alarm_id === '100.101'),
    ],
  ];
  const lists: Latency[] = [];
  for (const [label, qs, matches] of queries) {
    const url = `${proc.url}/v1/alarms${qs ? `?${qs}` : ''}`;
    lists.push({
      label,
      matches,
      ...(await timeGets(listAgent, url, auth(started.token), alarmCount, {
        warmup: LIST_WARMUP,
        reps: LIST_REPS,
      })),
    });
  }
  // The event log holds the ingest's and the load's set and clear events (retention keeps the
  // newest STARLING_EVENT_LOG_MAX_COUNT, 100,000 by default).
  const eventRows = (body: string): number => (JSON.parse(body) as { event_log: unknown[] }).event_log.length;
  const eventQueries: [string, string][] = [
    ['events, limit=100', 'limit=100'],
    ['events, alarms only, limit=100', 'alarms=true&limit=100'],
    ['events, logs only, limit=100', 'logs=true&limit=100'],
    [
      'events of host=worker-17.process=p1',
      q('entity_instance_id', 'host=worker-17.process=p1', '&limit=100'),
    ],
    ['events, id=100.101, limit=100', q('event_log_id', '100.101', '&limit=100')],
  ];
  for (const [label, qs] of eventQueries) {
    lists.push({
      label,
      ...(await timeGets(listAgent, `${proc.url}/v1/event_log?${qs}`, auth(started.token), eventRows, {
        warmup: LIST_WARMUP,
        reps: LIST_REPS,
      })),
    });
  }
  await runs.stop(proc);

  return {
    rest,
    inProcess,
    load: { raised, bulk, ms: loadMs },
    lists,
  };
}

// ---------------------------------------------------------------------------------------------
// The floor: a bare Node.js HTTP server (bench/support/http-floor.ts), the same client and workload

async function benchFloor(): Promise<IngestResult[]> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(import.meta.dirname, 'support/http-floor.ts')],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  floor = child;
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', (code) =>
      reject(new Error(`the bare Node.js server exited (${code}) before it listened`)),
    );
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS });
  agents.push(agent);
  const pair = restPair(agent, `http://127.0.0.1:${port}`, {});
  await inParallel(200, CONCURRENCY, (i) => pair(i, 1_000_000));
  const out: IngestResult[] = [];
  for (const [k, n] of INGEST_CONCURRENCY.entries()) {
    const r = await measuredIngest(
      n,
      (i) => pair(i, 10_000_000 * k),
      () => processCpuMs(child.pid!),
    );
    out.push(r);
    console.log(describeIngest('bare node:http server', r));
  }
  agent.destroy();
  stopFloor();
  return out;
}

function stopFloor(): void {
  floor?.kill('SIGTERM');
  floor = undefined;
}

// ---------------------------------------------------------------------------------------------
// Alertmanager

function onPath(bin: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const p = path.join(dir, bin);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

interface AmResults {
  version: string;
  ingest: IngestResult[];
  load: { ms: number; batches: number };
  lists: Latency[];
}

async function benchAlertmanager(bin: string): Promise<AmResults> {
  const dir = await newTempDir('starling-bench-am-');
  const config = path.join(dir, 'am.yml');
  await fsp.writeFile(config, 'route:\n  receiver: "null"\nreceivers:\n- name: "null"\n');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const t0 = performance.now();
  const child = spawn(
    bin,
    [
      `--config.file=${config}`,
      `--storage.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const a = {
    child,
    exited: false,
    output: '',
    exit: new Promise<void>((resolve) => {
      child.once('error', (e) => {
        a.output += `\nspawn error: ${e.message}`;
        a.exited = true;
        resolve();
      });
      child.once('exit', () => {
        a.exited = true;
        resolve();
      });
    }),
  };
  am = a;
  const keep = (d: Buffer): void => {
    a.output = (a.output + d.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const tail = (): string => a.output.trim().split('\n').slice(-6).join('\n    ');

  const agent = new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS });
  agents.push(agent);
  for (;;) {
    if (a.exited) throw new Error(`${bin} exited before it was ready:\n    ${tail()}`);
    const r = await request(agent, `${base}/-/ready`, 'GET').catch(() => undefined);
    if (r?.status === 200) break;
    if (performance.now() - t0 > READY_TIMEOUT_MS)
      throw new Error(`${bin} not ready in ${READY_TIMEOUT_MS / 1000} s:\n    ${tail()}`);
    await sleep(20);
  }
  const status = await request(agent, `${base}/api/v2/status`, 'GET');
  const version =
    (JSON.parse(status.body) as { versionInfo?: { version?: string } }).versionInfo?.version ?? '?';
  console.log(
    `alertmanager: ${version} ready in ${Math.round(performance.now() - t0)} ms (${base}, gossip off)`,
  );

  const labels = (s: AlarmSpec): Record<string, string> => ({
    alertname: s.alarm_id,
    instance: s.entity_instance_id,
    severity: s.severity,
  });
  const post = async (alerts: object[], what: string): Promise<void> =>
    expect(await request(agent, `${base}/api/v2/alerts`, 'POST', {}, JSON.stringify(alerts)), 200, what);

  // 1. Ingest: set = one firing alert, clear = the same alert with endsAt now (in the past on arrival).
  const amPair = async (i: number, offset: number): Promise<void> => {
    const s = ingestAlarm(offset + i);
    const startsAt = new Date().toISOString();
    const annotations = { summary: `bench alarm ${s.alarm_id} on ${s.entity_instance_id}` };
    await post([{ labels: labels(s), annotations, startsAt }], 'set');
    await post([{ labels: labels(s), annotations, startsAt, endsAt: new Date().toISOString() }], 'clear');
  };
  await inParallel(200, CONCURRENCY, (i) => amPair(i, 1_000_000));
  const ingest: IngestResult[] = [];
  for (const [k, n] of INGEST_CONCURRENCY.entries()) {
    const r = await measuredIngest(
      n,
      (i) => amPair(i, 10_000_000 * k),
      () => processCpuMs(child.pid!),
    );
    ingest.push(r);
    console.log(describeIngest('alertmanager', r));
  }
  const alerts = (body: string): number => (JSON.parse(body) as unknown[]).length;
  const stillActive = alerts((await request(agent, `${base}/api/v2/alerts`, 'GET')).body);
  if (stillActive !== 0)
    throw new Error(`${stillActive} alerts still active in Alertmanager after the ingest`);

  // 2. Load ACTIVE alerts, AM_BATCH per POST (endsAt in an hour, so none expire during the run).
  const l0 = performance.now();
  const startsAt = new Date().toISOString();
  const endsAt = new Date(Date.now() + 3_600_000).toISOString();
  const batches = Math.ceil(ACTIVE / AM_BATCH);
  await inParallel(batches, AM_LOAD_CONCURRENCY, async (b) => {
    const batch = [];
    for (let i = b * AM_BATCH; i < Math.min(ACTIVE, (b + 1) * AM_BATCH); i++) {
      const s = loadAlarm(i);
      batch.push({
        labels: labels(s),
        annotations: { summary: `bench alarm ${s.alarm_id} on ${s.entity_instance_id}` },
        startsAt,
        endsAt,
      });
    }
    await post(batch, 'load');
  });
  const loadMs = performance.now() - l0;
  console.log(
    `alertmanager: load: ${ACTIVE} alerts in ${batches} POSTs of ${AM_BATCH} (${AM_LOAD_CONCURRENCY} in flight) in ${(loadMs / 1000).toFixed(1)} s`,
  );

  // 3. List latency: every call returns all matching alerts (no pagination). Slow calls get fewer reps.
  const plan = (firstMs: number): { warmup: number; reps: number } =>
    firstMs > 1000
      ? { warmup: 2, reps: 5 }
      : firstMs > 100
        ? { warmup: 3, reps: 20 }
        : { warmup: LIST_WARMUP, reps: LIST_REPS };
  const f = (matcher: string): string => `filter=${encodeURIComponent(matcher)}`;
  const queries: [string, string, number][] = [
    ['unfiltered (all)', '', ACTIVE],
    ['severity="critical" (all)', f('severity="critical"'), loadMatches((s) => s.severity === 'critical')],
    ['instance="host=worker-17"', f('instance="host=worker-17"'), 1],
    ['alertname="100.101" (all)', f('alertname="100.101"'), loadMatches((s) => s.alarm_id === '100.101')],
  ];
  const lists: Latency[] = [];
  for (const [label, qs, matches] of queries) {
    const url = `${base}/api/v2/alerts${qs ? `?${qs}` : ''}`;
    lists.push({ label, matches, ...(await timeGets(agent, url, {}, alerts, plan)) });
  }

  await stopAlertmanager();
  return { version, ingest, load: { ms: loadMs, batches }, lists };
}

// ---------------------------------------------------------------------------------------------
// Report

const fmt = (x: number, d = 1): string => x.toFixed(d);
const perS = (r: IngestResult): number => r.pairs / (r.ms / 1000);

function latencyTable(title: string, rows: Latency[]): void {
  console.log(title);
  console.log(
    `  ${pad('query', 36)}${lpad('matches', 8)}${lpad('rows', 8)}${lpad('reps', 6)}${lpad('p50 ms', 9)}${lpad('p99 ms', 9)}${lpad('max ms', 9)}`,
  );
  for (const r of rows) {
    console.log(
      `  ${pad(r.label, 36)}${lpad(r.matches === undefined ? '-' : String(r.matches), 8)}${lpad(String(r.rows), 8)}${lpad(String(r.reps), 6)}` +
        `${lpad(fmt(r.p50), 9)}${lpad(fmt(r.p99), 9)}${lpad(fmt(r.max), 9)}`,
    );
  }
}

function report(
  s: StarlingResults,
  f: IngestResult[] | undefined,
  a: AmResults | undefined,
  amNote: string | undefined,
): void {
  console.log('');
  console.log(
    `ingest: ${PAIRS} set+clear pairs per row (one pair = 2 requests; keep-alive node:http; the client runs in the bench process)`,
  );
  console.log(
    `  ${pad('system', 44)}${lpad('in flight', 10)}${lpad('pairs/s', 10)}${lpad('requests/s', 12)}` +
      `${lpad('CPU ms/pair: client', 21)}${lpad('server', 8)}${lpad('writes/stmt', 13)}`,
  );
  const line = (label: string, r: IngestResult, reqs: boolean): void =>
    console.log(
      `  ${pad(label, 44)}${lpad(String(r.concurrency), 10)}${lpad(fmt(perS(r), 0), 10)}${lpad(reqs ? fmt(2 * perS(r), 0) : '-', 12)}` +
        `${lpad(fmt(r.clientCpu, 3), 21)}${lpad(fmt(r.serverCpu, 3), 8)}` +
        `${lpad(r.perStatement === undefined ? '-' : fmt(r.perStatement), 13)}`,
    );
  for (const r of s.rest) line('starling REST (POST/DELETE /v1/alarms)', r, true);
  for (const r of s.inProcess) line('starling in-process (FaultService)', r, false);
  if (a) for (const r of a.ingest) line(`alertmanager ${a.version} (POST /api/v2/alerts)`, r, true);
  else console.log(`  ${pad('alertmanager', 44)}${lpad('-', 10)}${lpad('n/a', 10)}${lpad('n/a', 12)}`);
  if (f) for (const r of f) line('bare node:http server (stores nothing)', r, true);
  console.log(
    '  (server CPU: Starling REST = the controller process + its PostgreSQL; in-process = PostgreSQL only,',
  );
  console.log('   the controller runs in the client; Alertmanager and the bare server = their process)');
  console.log(
    '  (Starling commits every change to PostgreSQL with an event-log row, a notification and an audit',
  );
  console.log('   entry, and logs each request; Alertmanager keeps alerts in memory only)');

  console.log('');
  latencyTable(
    `alarm list, ${ACTIVE} active alarms, sequential GETs over HTTP (Starling returns ONE PAGE: 'rows' is the page size)`,
    s.lists,
  );
  if (s.load.bulk > 0)
    console.log(
      `  (${s.load.raised} of the alarms raised through FaultService.raise, ${s.load.bulk} bulk-INSERTed)`,
    );
  if (a) {
    console.log('');
    latencyTable(
      `alert list, ${ACTIVE} active alerts (Alertmanager has no pagination: every call returns ALL that match)`,
      a.lists,
    );
    const few = a.lists.filter((r) => r.reps < LIST_REPS);
    if (few.length > 0) {
      console.log(
        `  (slow queries got fewer repetitions: ${few.map((r) => `${r.label}: ${r.reps}`).join('; ')}; p99 of 5 or 20 samples is their max or near it)`,
      );
    }
  }

  console.log('');
  console.log('goals');
  if (a) {
    for (const [k, n] of INGEST_CONCURRENCY.entries()) {
      const rest = perS(s.rest[k]!);
      const am = perS(a.ingest[k]!);
      const ratio = rest / am;
      console.log(
        `  REST ingest ÷ Alertmanager ingest, ${lpad(String(n), 2)} in flight (pairs/s): ${fmt(rest, 0)} / ${fmt(am, 0)} = ${fmt(ratio, 2)}×` +
          `   goal >= ${GOAL_INGEST_RATIO}×  ${mark(ratio >= GOAL_INGEST_RATIO)}`,
      );
      console.log(`    (in-process ÷ Alertmanager: ${fmt(perS(s.inProcess[k]!) / am, 2)}×, for reference)`);
      const fl = f?.[k];
      if (fl) {
        // On a machine whose cores are all busy, pairs/s ≈ cores ÷ (client + server CPU per pair).
        const budget = (CORES * 1000) / (GOAL_INGEST_RATIO * am);
        const floorCost = fl.clientCpu + fl.serverCpu;
        console.log(
          `    at ${GOAL_INGEST_RATIO}× Alertmanager (${fmt(GOAL_INGEST_RATIO * am, 0)} pairs/s) the ${CORES} cores leave ${fmt(budget, 3)} ms of CPU per pair` +
            ` for client + server; against the bare node:http server they spend ${fmt(floorCost, 3)} (client ${fmt(fl.clientCpu, 3)} + server ${fmt(fl.serverCpu, 3)})` +
            ` and reach ${fmt(perS(fl), 0)} pairs/s = ${fmt(perS(fl) / am, 2)}× Alertmanager`,
        );
        console.log(
          floorCost > budget
            ? `    => ${GOAL_INGEST_RATIO}× is out of reach on this machine for any server built on Node.js's HTTP stack, whatever it does with the alarm` +
                ` (Starling REST reaches ${fmt((100 * rest) / perS(fl), 0)}% of the bare server's rate)`
            : `    => the bare server fits the budget: ${GOAL_INGEST_RATIO}× is within Node.js's reach here (Starling REST reaches ${fmt((100 * rest) / perS(fl), 0)}% of the bare server's rate)`,
        );
      }
    }
  } else {
    console.log(`  REST ingest ÷ Alertmanager ingest: n/a (${amNote ?? 'peer not run'})`);
  }
  for (const r of s.lists) {
    console.log(
      `  list p99 ${pad(r.label, 36)}${lpad(fmt(r.p99), 7)} ms   goal < ${GOAL_LIST_P99_MS} ms  ${mark(r.p99 < GOAL_LIST_P99_MS)}`,
    );
  }
  const worst = Math.max(...s.lists.map((r) => r.p99));
  console.log(
    `  list p99, worst query: ${fmt(worst)} ms   goal < ${GOAL_LIST_P99_MS} ms  ${mark(worst < GOAL_LIST_P99_MS)}`,
  );

  if (a) {
    console.log('');
    console.log(
      'list latency ratios, Alertmanager ÷ Starling (> 1: Starling faster; Starling answers a page, Alertmanager everything)',
    );
    const sl = (label: string): Latency => s.lists.find((r) => r.label === label)!;
    const al = (label: string): Latency => a.lists.find((r) => r.label === label)!;
    const pairs: [Latency, Latency][] = [
      [al('unfiltered (all)'), sl('unfiltered, limit=100')],
      [al('unfiltered (all)'), sl('unfiltered, default page (1000)')],
      [al('severity="critical" (all)'), sl('severity=critical, limit=100')],
      [al('instance="host=worker-17"'), sl('entity_instance_id=host=worker-17')],
      [al('alertname="100.101" (all)'), sl('alarm_id=100.101, limit=100')],
    ];
    console.log(
      `  ${pad('alertmanager query', 28)}${pad('starling query', 36)}${lpad('p50 ×', 9)}${lpad('p99 ×', 9)}  rows AM/Starling`,
    );
    for (const [x, y] of pairs) {
      console.log(
        `  ${pad(x.label, 28)}${pad(y.label, 36)}${lpad(fmt(x.p50 / y.p50), 9)}${lpad(fmt(x.p99 / y.p99), 9)}  ${x.rows}/${y.rows}`,
      );
    }
    console.log('  (only the instance/entity row compares equal answers: 1 alarm each)');
  }
}

// ---------------------------------------------------------------------------------------------

export async function run(): Promise<void> {
  const stopListening = cleanupOnInterrupt(cleanupAll);
  try {
    console.log(machineLine() + ` (both systems run on this machine, one after the other)`);
    const s = await benchStarling();
    let f: IngestResult[] | undefined;
    try {
      f = await benchFloor();
    } catch (e) {
      console.log(`bare node:http server: FAILED: ${e instanceof Error ? e.message : String(e)}`);
    }

    let a: AmResults | undefined;
    let amNote: string | undefined;
    let amError: Error | undefined;
    const bin = onPath(AM_BIN);
    if (bin === undefined) {
      amNote = 'Alertmanager not installed';
      console.log(
        `alertmanager: peer NOT INSTALLED (no ${AM_BIN} on PATH): skipping the comparison.` +
          ` Install it with: apt-get install -y --no-install-recommends prometheus-alertmanager`,
      );
    } else {
      try {
        a = await benchAlertmanager(bin);
      } catch (e) {
        amError = e instanceof Error ? e : new Error(String(e));
        amNote = 'Alertmanager run failed';
        console.log(`alertmanager: peer FAILED: ${amError.message}`);
      }
    }
    report(s, f, a, amNote);
    if (amError !== undefined) throw amError;
  } finally {
    stopListening();
    await cleanupAll();
  }
}
