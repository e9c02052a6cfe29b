// The real Starling as its own process, for benchmarks: `bin/starling up` or `bin/starling
// controller` on a data folder, ready when a login answers 201; stopped with SIGINT (SIGKILL of
// the whole tree after a grace period, then any postgres left on the folder). Also what the
// benches read from /proc about a process tree: its processes, their CPU time, their memory.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../src/db/index.ts';

export const BIN = path.resolve(import.meta.dirname, '..', '..', 'bin', 'starling');
export const POLL_MS = 10;
const READY_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 10_000;

export interface Running {
  child: ChildProcess;
  dataDir: string;
  port: number;
  url: string;
  /** Tail of the process's stdout+stderr, for error messages. */
  output: string;
  exited: boolean;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface Stopped {
  ms: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  forced: boolean;
}

export const tail = (r: { output: string }): string => r.output.trim().split('\n').slice(-8).join('\n    ');

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

/** Starts processes of the real Starling and keeps track of them until they are stopped. */
export class StarlingProcesses {
  readonly running = new Set<Running>();
  /** Things that went wrong on the way (a stop that needed SIGKILL, left-over processes). */
  readonly warnings: string[] = [];

  constructor(private readonly adminPassword: string) {}

  /** The environment of a child: ours without STARLING_* and OS_*, plus the admin password. */
  env(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) {
      if (!k.startsWith('STARLING_') && !k.startsWith('OS_')) env[k] = v;
    }
    env.STARLING_ADMIN_PASSWORD = this.adminPassword;
    return env;
  }

  /** bin/starling rebuilds its bundle when src/ is newer: run it once, outside the measurements. */
  async warmUp(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const c = spawn(process.execPath, [BIN, '--help'], { stdio: 'ignore', env: this.env() });
      c.once('error', reject);
      c.once('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`${BIN} --help exited with ${code}`)),
      );
    });
  }

  /** `extra`: more arguments (e.g. `--role systemcontroller`) and STARLING_* settings for this child. */
  launch(command: 'up' | 'controller', dataDir: string, port: number, extra: { args?: string[]; env?: Record<string, string> } = {}): Running {
    const child = spawn(process.execPath, [BIN, command, '--data-dir', dataDir, '--port', String(port), ...(extra.args ?? [])], {
      env: { ...this.env(), ...extra.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const r: Running = {
      child,
      dataDir,
      port,
      url: `http://127.0.0.1:${port}`,
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
    this.running.add(r);
    return r;
  }

  /** Polls the login every POLL_MS until it answers 201 with a token; ms since t0, and the token. */
  async waitForLogin(r: Running, t0: number): Promise<{ ms: number; token: string }> {
    const url = `${r.url}/v3/auth/tokens`;
    const body = JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: 'admin', domain: { name: 'Default' }, password: this.adminPassword } },
        },
        scope: { project: { name: 'admin', domain: { name: 'Default' } } },
      },
    });
    let last: string | undefined;
    for (;;) {
      if (r.exited) throw new Error(`starling exited before the first login succeeded:\n    ${tail(r)}`);
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(5000),
        });
        const at = performance.now();
        await res.arrayBuffer().catch(() => undefined);
        const token = res.headers.get('x-subject-token');
        if (res.status === 201 && token) return { ms: at - t0, token };
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

  /** Launches on a free port and waits for the first login. */
  async start(
    command: 'up' | 'controller',
    dataDir: string,
    extra: { args?: string[]; env?: Record<string, string> } = {},
  ): Promise<{ r: Running; ms: number; token: string }> {
    const port = await freePort();
    const t0 = performance.now();
    const r = this.launch(command, dataDir, port, extra);
    return { r, ...(await this.waitForLogin(r, t0)) };
  }

  /** SIGINT, then SIGKILL of the whole tree after STOP_GRACE_MS; then any postgres left on the folder. */
  async stop(r: Running): Promise<Stopped> {
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
    this.running.delete(r);
    await this.killLeftovers(r.dataDir);
    return { ms, code, signal, forced };
  }

  /** Processes still running on the folder (an orphaned postmaster): SIGINT, then SIGKILL. */
  async killLeftovers(dataDir: string): Promise<void> {
    const left = (): number[] => [...onFolder(processTable(), dataDir)];
    const pids = left();
    if (pids.length === 0) return;
    this.warnings.push(
      `left-over processes on ${dataDir} after stop: ${pids.join(', ')} (stopped by the bench)`,
    );
    for (const pid of pids) kill(pid, 'SIGINT');
    const deadline = performance.now() + STOP_GRACE_MS;
    while (left().length > 0 && performance.now() < deadline) await sleep(100);
    for (const pid of left()) kill(pid, 'SIGKILL');
  }

  async stopAll(): Promise<void> {
    for (const r of [...this.running]) await this.stop(r).catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------
// /proc: process tree, CPU time

export interface Proc {
  pid: number;
  ppid: number;
  args: string[];
  /** utime + stime, in clock ticks. */
  cpuTicks: number;
}

/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ: 100 on every Linux port we run on). */
const TICKS_PER_S = 100;

export function processTable(): Map<number, Proc> {
  const table = new Map<number, Proc>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      // "pid (comm) state ppid … utime stime …" (fields 14 and 15): comm may hold spaces and parentheses.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const args = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').filter(Boolean);
      table.set(Number(name), {
        pid: Number(name),
        ppid: Number(rest[1]),
        args,
        cpuTicks: Number(rest[11]) + Number(rest[12]),
      });
    } catch {
      // exited meanwhile
    }
  }
  return table;
}

export function descendants(table: Map<number, Proc>, roots: Iterable<number>): Set<number> {
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
export function onFolder(table: Map<number, Proc>, dataDir: string, except: number[] = []): Set<number> {
  const roots = [...table.values()]
    .filter((p) => p.pid !== process.pid && !except.includes(p.pid))
    .filter((p) => p.args.some((a) => a === dataDir || a.startsWith(dataDir + path.sep)))
    .map((p) => p.pid);
  return descendants(table, roots);
}

export type Part = 'controller' | 'agent' | 'postgres';

/** A `starling up|controller` process, its descendants, and the postgres processes of its folder, by part. */
export function treeOf(table: Map<number, Proc>, rootPid: number, dataDir: string): Map<number, Part> {
  // The postmaster names the folder (-D <dir>/pg), but so does the agent (--state-dir <dir>/agent).
  const pgRoots = [...onFolder(table, dataDir, [rootPid])].filter(
    (pid) => path.basename(table.get(pid)?.args[0] ?? '') === 'postgres',
  );
  const pg = descendants(table, pgRoots);
  const parts = new Map<number, Part>();
  for (const pid of descendants(table, [rootPid])) {
    parts.set(pid, pg.has(pid) ? 'postgres' : pid === rootPid ? 'controller' : 'agent');
  }
  for (const pid of pg) parts.set(pid, 'postgres');
  return parts;
}

/** CPU time (ms) used so far by the processes of a tree, by part. A process that exits between
 *  two readings takes its time with it: use it over processes that live through the measurement. */
export function treeCpuMs(rootPid: number, dataDir: string): Record<Part, number> {
  const table = processTable();
  const out: Record<Part, number> = { controller: 0, agent: 0, postgres: 0 };
  for (const [pid, part] of treeOf(table, rootPid, dataDir))
    out[part] += ((table.get(pid)?.cpuTicks ?? 0) * 1000) / TICKS_PER_S;
  return out;
}

/** CPU time (ms) used so far by one process (all its threads). */
export function processCpuMs(pid: number): number {
  return ((processTable().get(pid)?.cpuTicks ?? 0) * 1000) / TICKS_PER_S;
}
