// Fault-management benchmark: Starling's FM against Prometheus Alertmanager, in the same run.
//   - ingest: N set+clear pairs with 16 and with 64 in flight (a set of agents: one alarm per
//     POST, one clear per DELETE, as an agent's client sends them), over REST (keep-alive HTTP) and
//     in-process (FaultService.raise/clear), and the same workload against Alertmanager
//     (set = POST /api/v2/alerts with one alert, clear = the same alert with endsAt passed);
//   - list latency with ACTIVE active alarms: GET /v1/alarms (pages and filters) against
//     GET /api/v2/alerts (no pagination in Alertmanager: every call returns all that match).
// Goals: REST ingest >= 2x Alertmanager's pairs/s (judged at each concurrency); every Starling
// list query p99 < 50 ms.
// It reports; a missed goal does not fail it. The controller (and its embedded PostgreSQL),
// Alertmanager and the temp folders are always cleaned up.

import { benchTempDir, cleanupOnInterrupt, lpad, machineLine, mark, pad } from './lib.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
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
  matches: number;
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

let controller: Controller | undefined;
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
  await stopController().catch((e: Error) => console.error(`could not stop the controller: ${e.message}`));
  await stopAlertmanager().catch((e: Error) => console.error(`could not stop Alertmanager: ${e.message}`));
  for (const dir of [...tempDirs]) {
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
  /** Starling: alarm writes per SQL statement (concurrent raises and clears share statements). */
  perStatement?: number;
}

interface StarlingResults {
  rest: IngestResult[];
  inProcess: IngestResult[];
  load: { raised: number; bulk: number; ms: number };
  lists: Latency[];
}

async function benchStarling(): Promise<StarlingResults> {
  const dataDir = await newTempDir('starling-bench-fault-');
  const t0 = performance.now();
  controller = await startController(
    {
      ...loadControllerConfig({ dataDir, port: '0', agent: false }, {}),
      adminPassword: ADMIN_PASSWORD,
      logLevel: 'silent',
    },
    { log: silentLogger },
  );
  const c = controller;
  console.log(
    `starling: controller + embedded PostgreSQL started in ${Math.round(performance.now() - t0)} ms (${c.url})`,
  );

  const agent = new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS });
  agents.push(agent);
  const login = await request(
    agent,
    `${c.url}/v3/auth/tokens`,
    'POST',
    {},
    JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: 'admin', domain: { name: 'Default' }, password: ADMIN_PASSWORD } },
        },
        scope: { project: { name: 'admin', domain: { name: 'Default' } } },
      },
    }),
  );
  expect(login, 201, 'login');
  const token = login.headers['x-subject-token'];
  if (typeof token !== 'string' || token === '')
    throw new Error('login answered 201 without an X-Subject-Token');
  const auth = { 'x-auth-token': token };

  // 1. Ingest over REST: raise (201) then clear (200, cleared 1), 16 then 64 pairs in flight.
  const restPair = async (i: number, offset: number): Promise<void> => {
    const a = ingestAlarm(offset + i);
    expect(await request(agent, `${c.url}/v1/alarms`, 'POST', auth, JSON.stringify(a)), 201, 'raise');
    const qs = new URLSearchParams({ alarm_id: a.alarm_id, entity_instance_id: a.entity_instance_id });
    const r = await request(agent, `${c.url}/v1/alarms?${qs.toString()}`, 'DELETE', auth);
    expect(r, 200, 'clear');
    if (!r.body.includes('"cleared":1'))
      throw new Error(`clear of ${a.alarm_id} ${a.entity_instance_id} cleared nothing: ${r.body}`);
  };
  const batching = async (run: () => Promise<number>): Promise<{ ms: number; perStatement: number }> => {
    const before = c.fault.writeStats();
    const ms = await run();
    const after = c.fault.writeStats();
    return { ms, perStatement: (after.operations - before.operations) / Math.max(1, after.batches - before.batches) };
  };
  await inParallel(200, CONCURRENCY, (i) => restPair(i, 1_000_000)); // warm-up, not counted
  const rest: IngestResult[] = [];
  for (const [k, n] of INGEST_CONCURRENCY.entries()) {
    const r = await batching(() => inParallel(PAIRS, n, (i) => restPair(i, 10_000_000 * k)));
    rest.push({ concurrency: n, pairs: PAIRS, ...r });
    console.log(
      `starling: REST ingest ${PAIRS} pairs, ${n} in flight, in ${(r.ms / 1000).toFixed(2)} s` +
        ` (${r.perStatement.toFixed(1)} alarm writes per statement)`,
    );
  }

  // In-process: the same through FaultService.
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
    const r = await batching(() => inParallel(PAIRS, n, (i) => procPair(i, 3_000_000 + 10_000_000 * k)));
    inProcess.push({ concurrency: n, pairs: PAIRS, ...r });
    console.log(
      `starling: in-process ingest ${PAIRS} pairs, ${n} in flight, in ${(r.ms / 1000).toFixed(2)} s` +
        ` (${r.perStatement.toFixed(1)} alarm writes per statement)`,
    );
  }
  const left = await c.fault.listAlarms({ limit: 10 });
  if (left.alarms.length !== 0)
    throw new Error(`${left.alarms.length}+ alarms still active after the ingest`);

  // 2. Load ACTIVE alarms: the real raise path for up to LOAD_BUDGET_MS, then bulk INSERT.
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

  // 3. List latency over HTTP.
  const ialarms = (body: string): number => (JSON.parse(body) as { ialarms: unknown[] }).ialarms.length;
  const q = (field: string, value: string, extra = ''): string =>
    `q.field=${field}&q.op=eq&q.value=${encodeURIComponent(value)}${extra}`;
  const queries: [string, string, number][] = [
    ['unfiltered, limit=100', 'limit=100', ACTIVE],
    ['unfiltered, default page (1000)', '', ACTIVE],
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
    const url = `${c.url}/v1/alarms${qs ? `?${qs}` : ''}`;
    lists.push({
      label,
      matches,
      ...(await timeGets(agent, url, auth, ialarms, { warmup: LIST_WARMUP, reps: LIST_REPS })),
    });
  }

  await stopController();
  return {
    rest,
    inProcess,
    load: { raised, bulk, ms: loadMs },
    lists,
  };
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
    const ms = await inParallel(PAIRS, n, (i) => amPair(i, 10_000_000 * k));
    ingest.push({ concurrency: n, pairs: PAIRS, ms });
    console.log(`alertmanager: ingest ${PAIRS} pairs, ${n} in flight, in ${(ms / 1000).toFixed(2)} s`);
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
      `  ${pad(r.label, 36)}${lpad(String(r.matches), 8)}${lpad(String(r.rows), 8)}${lpad(String(r.reps), 6)}` +
        `${lpad(fmt(r.p50), 9)}${lpad(fmt(r.p99), 9)}${lpad(fmt(r.max), 9)}`,
    );
  }
}

function report(s: StarlingResults, a: AmResults | undefined, amNote: string | undefined): void {
  console.log('');
  console.log(
    `ingest: ${PAIRS} set+clear pairs per row (one pair = 2 requests; keep-alive node:http; the client runs in the bench process)`,
  );
  console.log(
    `  ${pad('system', 44)}${lpad('in flight', 10)}${lpad('pairs/s', 10)}${lpad('requests/s', 12)}${lpad('writes/stmt', 13)}`,
  );
  const line = (label: string, r: IngestResult, reqs: boolean): void =>
    console.log(
      `  ${pad(label, 44)}${lpad(String(r.concurrency), 10)}${lpad(fmt(perS(r), 0), 10)}${lpad(reqs ? fmt(2 * perS(r), 0) : '-', 12)}` +
        `${lpad(r.perStatement === undefined ? '-' : fmt(r.perStatement), 13)}`,
    );
  for (const r of s.rest) line('starling REST (POST/DELETE /v1/alarms)', r, true);
  for (const r of s.inProcess) line('starling in-process (FaultService)', r, false);
  if (a) for (const r of a.ingest) line(`alertmanager ${a.version} (POST /api/v2/alerts)`, r, true);
  else console.log(`  ${pad('alertmanager', 44)}${lpad('-', 10)}${lpad('n/a', 10)}${lpad('n/a', 12)}`);
  console.log('  (Starling commits every change to PostgreSQL with an event-log row and a notification;');
  console.log('   Alertmanager keeps alerts in memory only)');

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
    console.log(
      machineLine() +
        ` (both systems run on this machine, one after the other)`,
    );
    const s = await benchStarling();

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
    report(s, a, amNote);
    if (amError !== undefined) throw amError;
  } finally {
    stopListening();
    await cleanupAll();
  }
}
