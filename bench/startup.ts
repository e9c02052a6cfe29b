// Startup benchmark: spawns the real `bin/starling up` (controller + embedded PostgreSQL + agent)
// and measures, against the goals of an edge controller:
//   - ready time on a NEW data folder (initdb + migrations + seeding): spawn -> first login (201);
//   - ready time on an EXISTING data folder (the same folders, after a clean SIGINT stop);
//   - idle memory of the whole process tree, 3 s after a start (RSS per part, PSS total).
// It reports; a missed goal does not fail it. Processes and temp folders are always cleaned up.

import { benchTempDir, cleanupOnInterrupt, lpad, machineLine, mark, pad } from './lib.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../src/db/index.ts';

const BIN = path.resolve(import.meta.dirname, '..', 'bin', 'starling');
const ADMIN_PASSWORD = 'bench-admin-password';
const COLD_RUNS = 3;
const WARM_RUNS = 5;
const POLL_MS = 10;
const READY_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 10_000;
const IDLE_MS = 3_000;
const GOAL_NEW_MS = 2000;
const GOAL_EXISTING_MS = 1000;
const GOAL_TOTAL_MB = 200;

interface Running {
  child: ChildProcess;
  dataDir: string;
  port: number;
  /** Tail of the process's stdout+stderr, for error messages. */
  output: string;
  exited: boolean;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

interface Stopped {
  ms: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  forced: boolean;
}

const running = new Set<Running>();
const tempDirs = new Set<string>();
const warnings: string[] = [];

// ---------------------------------------------------------------------------------------------
// Processes

function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('STARLING_') && !k.startsWith('OS_')) env[k] = v;
  }
  env.STARLING_ADMIN_PASSWORD = ADMIN_PASSWORD;
  return env;
}

function launch(dataDir: string, port: number): Running {
  const child = spawn(process.execPath, [BIN, 'up', '--data-dir', dataDir, '--port', String(port)], {
    env: childEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const r: Running = {
    child,
    dataDir,
    port,
    output: '',
    exited: false,
    exit: Promise.resolve({ code: null, signal: null }),
  };
  const keep = (d: Buffer): void => {
    r.output = (r.output + d.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  r.exit = new Promise((resolve) => {
    child.once('error', (e) => {
      r.output += `\nspawn error: ${e.message}`;
      r.exited = true;
      resolve({ code: null, signal: null });
    });
    child.once('exit', (code, signal) => {
      r.exited = true;
      resolve({ code, signal });
    });
  });
  running.add(r);
  return r;
}

function tail(r: Running): string {
  return r.output.trim().split('\n').slice(-8).join('\n    ');
}

const loginBody = JSON.stringify({
  auth: {
    identity: {
      methods: ['password'],
      password: { user: { name: 'admin', domain: { name: 'Default' }, password: ADMIN_PASSWORD } },
    },
    scope: { project: { name: 'admin', domain: { name: 'Default' } } },
  },
});

/** Polls the login every POLL_MS until it answers 201 with a token; returns ms since t0. */
async function waitForLogin(r: Running, t0: number): Promise<number> {
  const url = `http://127.0.0.1:${r.port}/v3/auth/tokens`;
  let last: string | undefined;
  for (;;) {
    if (r.exited) throw new Error(`starling up exited before the first login succeeded:\n    ${tail(r)}`);
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: loginBody,
        signal: AbortSignal.timeout(5000),
      });
      const at = performance.now();
      await res.arrayBuffer().catch(() => undefined);
      if (res.status === 201 && res.headers.get('x-subject-token')) return at - t0;
      last = `HTTP ${res.status}`;
    } catch (e) {
      last = e instanceof Error ? ((e.cause as Error | undefined)?.message ?? e.message) : String(e);
    }
    if (performance.now() - t0 > READY_TIMEOUT_MS) {
      throw new Error(
        `no successful login within ${READY_TIMEOUT_MS / 1000} s (last: ${last ?? 'no answer'}):\n    ${tail(r)}`,
      );
    }
    await sleep(POLL_MS);
  }
}

async function startAndLogin(dataDir: string): Promise<{ r: Running; ms: number }> {
  const port = await freePort();
  const t0 = performance.now();
  const r = launch(dataDir, port);
  return { r, ms: await waitForLogin(r, t0) };
}

async function within<T>(p: Promise<T>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([p.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function kill(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** SIGINT, then SIGKILL of the whole tree after STOP_GRACE_MS; then any postgres left on the folder. */
async function stop(r: Running): Promise<Stopped> {
  const t = performance.now();
  let forced = false;
  if (!r.exited && r.child.pid !== undefined) {
    r.child.kill('SIGINT');
    if (!(await within(r.exit, STOP_GRACE_MS))) {
      forced = true;
      const pids = [...treeOf(processTable(), r.child.pid, r.dataDir).keys()];
      for (const pid of pids) kill(pid, 'SIGKILL');
    }
  }
  const { code, signal } = await r.exit;
  const ms = performance.now() - t;
  running.delete(r);
  await killLeftovers(r.dataDir);
  return { ms, code, signal, forced };
}

/** Processes still running on the folder (an orphaned postmaster): SIGINT, then SIGKILL. */
async function killLeftovers(dataDir: string): Promise<void> {
  const left = (): number[] => [...onFolder(processTable(), dataDir)];
  const pids = left();
  if (pids.length === 0) return;
  warnings.push(`left-over processes on ${dataDir} after stop: ${pids.join(', ')} (stopped by the bench)`);
  for (const pid of pids) kill(pid, 'SIGINT');
  const deadline = performance.now() + STOP_GRACE_MS;
  while (left().length > 0 && performance.now() < deadline) await sleep(100);
  for (const pid of left()) kill(pid, 'SIGKILL');
}

async function cleanupAll(): Promise<void> {
  for (const r of [...running]) await stop(r).catch(() => undefined);
  for (const dir of [...tempDirs]) {
    await killLeftovers(dir).catch(() => undefined);
    await fsp.rm(dir, { recursive: true, force: true, maxRetries: 3 }).catch((e: Error) => {
      console.error(`could not remove ${dir}: ${e.message}`);
    });
    tempDirs.delete(dir);
  }
}

const newDataDir = (): Promise<string> => benchTempDir('starling-bench-', tempDirs);

// ---------------------------------------------------------------------------------------------
// /proc: process tree and memory

interface Proc {
  pid: number;
  ppid: number;
  args: string[];
}

function processTable(): Map<number, Proc> {
  const table = new Map<number, Proc>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const args = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').filter(Boolean);
      table.set(Number(name), { pid: Number(name), ppid, args });
    } catch {
      // exited meanwhile
    }
  }
  return table;
}

function descendants(table: Map<number, Proc>, roots: Iterable<number>): Set<number> {
  const children = new Map<number, number[]>();
  for (const p of table.values()) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  const out = new Set<number>();
  const todo = [...roots];
  while (todo.length > 0) {
    const pid = todo.pop()!;
    if (out.has(pid)) continue;
    out.add(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** Processes whose command line names the folder (the postmaster: `-D <dir>/pg`), and their children. */
function onFolder(table: Map<number, Proc>, dataDir: string, except: number[] = []): Set<number> {
  const roots = [...table.values()]
    .filter((p) => p.pid !== process.pid && !except.includes(p.pid))
    .filter((p) => p.args.some((a) => a === dataDir || a.startsWith(dataDir + path.sep)))
    .map((p) => p.pid);
  return descendants(table, roots);
}

type Part = 'controller' | 'agent' | 'postgres';

/** The `starling up` process, its descendants, and the postgres processes of the folder, by part. */
function treeOf(table: Map<number, Proc>, rootPid: number, dataDir: string): Map<number, Part> {
  const pg = onFolder(table, dataDir, [rootPid]);
  const parts = new Map<number, Part>();
  for (const pid of descendants(table, [rootPid])) {
    parts.set(pid, pg.has(pid) ? 'postgres' : pid === rootPid ? 'controller' : 'agent');
  }
  for (const pid of pg) parts.set(pid, 'postgres');
  return parts;
}

function readKb(file: string, key: string): number | undefined {
  try {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(file, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

interface PartMemory {
  procs: number;
  rssKb: number;
  pssKb: number;
  pssMissing: number;
}

function memory(rootPid: number, dataDir: string): Map<Part | 'total', PartMemory> {
  const out = new Map<Part | 'total', PartMemory>();
  for (const k of ['controller', 'agent', 'postgres', 'total'] as const) {
    out.set(k, { procs: 0, rssKb: 0, pssKb: 0, pssMissing: 0 });
  }
  for (const [pid, part] of treeOf(processTable(), rootPid, dataDir)) {
    const rss = readKb(`/proc/${pid}/status`, 'VmRSS');
    if (rss === undefined) continue; // exited, or a zombie / kernel thread without memory
    const pss = readKb(`/proc/${pid}/smaps_rollup`, 'Pss');
    for (const m of [out.get(part)!, out.get('total')!]) {
      m.procs++;
      m.rssKb += rss;
      if (pss === undefined) m.pssMissing++;
      else m.pssKb += pss;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Report

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const ms = (x: number): string => `${Math.round(x)}`;
const mb = (kb: number): string => (kb / 1024).toFixed(1);

function describeStop(s: Stopped): string {
  const how = s.forced ? ', SIGKILLed after 10 s' : s.code === 0 ? '' : `, exit ${s.signal ?? s.code}`;
  if (s.forced || s.code !== 0)
    warnings.push(`a stop ended badly (${s.signal ?? s.code}${s.forced ? ', forced' : ''})`);
  return `stop ${ms(s.ms)} ms${how}`;
}

// ---------------------------------------------------------------------------------------------

export async function run(): Promise<void> {
  const stopListening = cleanupOnInterrupt(cleanupAll);
  try {
    console.log(
      machineLine(),
    );
    // bin/starling rebuilds its bundle when src/ is newer: do that now, outside the measurements.
    const w0 = performance.now();
    await new Promise<void>((resolve, reject) => {
      const c = spawn(process.execPath, [BIN, '--help'], { stdio: 'ignore', env: childEnv() });
      c.once('error', reject);
      c.once('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`${BIN} --help exited with ${code}`)),
      );
    });
    console.log(
      `warm-up: \`starling --help\` (bundle check/build) ${ms(performance.now() - w0)} ms, not counted`,
    );
    console.log(
      `ready = spawn of \`bin/starling up\` -> first login answered 201 (polled every ${POLL_MS} ms)`,
    );
    console.log('');

    const dirs: string[] = [];
    const cold: number[] = [];
    for (let i = 0; i < COLD_RUNS; i++) {
      const dir = await newDataDir();
      dirs.push(dir);
      const { r, ms: t } = await startAndLogin(dir);
      cold.push(t);
      const s = await stop(r);
      console.log(
        `  new folder       run ${i + 1}/${COLD_RUNS}: ready ${lpad(ms(t), 5)} ms   (${describeStop(s)})`,
      );
    }

    const warm: number[] = [];
    let mem: Map<Part | 'total', PartMemory> | undefined;
    for (let i = 0; i < WARM_RUNS; i++) {
      const dir = dirs[i % dirs.length]!;
      const { r, ms: t } = await startAndLogin(dir);
      warm.push(t);
      if (i === WARM_RUNS - 1 && r.child.pid !== undefined) {
        await sleep(IDLE_MS);
        if (r.exited) throw new Error(`starling up exited while idle:\n    ${tail(r)}`);
        mem = memory(r.child.pid, dir);
      }
      const s = await stop(r);
      console.log(
        `  existing folder  run ${i + 1}/${WARM_RUNS}: ready ${lpad(ms(t), 5)} ms   (${describeStop(s)})`,
      );
    }

    console.log('');
    console.log(
      `${pad('ready time', 18)}${pad('runs (ms)', 32)}${lpad('min', 6)}${lpad('median', 8)}   goal (median)`,
    );
    for (const [label, xs, goal] of [
      ['new folder', cold, GOAL_NEW_MS],
      ['existing folder', warm, GOAL_EXISTING_MS],
    ] as const) {
      const med = median(xs);
      console.log(
        `${pad(label, 18)}${pad(xs.map(ms).join(' '), 32)}${lpad(ms(Math.min(...xs)), 6)}${lpad(ms(med), 8)}` +
          `   < ${goal} ms  ${mark(med < goal)}`,
      );
    }

    console.log('');
    console.log(`idle memory, ${IDLE_MS / 1000} s after a start on an existing folder (MB = MiB)`);
    console.log(`${pad('part', 18)}${lpad('procs', 6)}${lpad('RSS MB', 9)}${lpad('PSS MB', 9)}`);
    if (mem) {
      for (const part of ['controller', 'agent', 'postgres', 'total'] as const) {
        const m = mem.get(part)!;
        const pss = m.pssMissing === m.procs ? 'n/a' : `${mb(m.pssKb)}${m.pssMissing > 0 ? '*' : ''}`;
        console.log(`${pad(part, 18)}${lpad(String(m.procs), 6)}${lpad(mb(m.rssKb), 9)}${lpad(pss, 9)}`);
      }
      const total = mem.get('total')!;
      const pssOk = total.pssMissing === 0;
      console.log(
        `goal: total < ${GOAL_TOTAL_MB} MB   RSS ${mb(total.rssKb)} ${mark(total.rssKb / 1024 < GOAL_TOTAL_MB)}` +
          (pssOk ? `   PSS ${mb(total.pssKb)} ${mark(total.pssKb / 1024 < GOAL_TOTAL_MB)}` : '   PSS n/a'),
      );
      console.log(
        '(RSS counts pages shared between processes once per process; PSS shares them out: the honest total)',
      );
      if (total.pssMissing > 0) console.log('* PSS unreadable for some processes: partial sum');
    }
    for (const w of warnings) console.log(`warning: ${w}`);
  } finally {
    stopListening();
    await cleanupAll();
  }
}
