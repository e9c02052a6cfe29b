// System-test helpers for Starling as real processes: launch `bin/starling`, wait for its API,
// call it, and find the processes that work on a data folder (PostgreSQL, the agent).

import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { readdirSync, statSync, type Stats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { authBody } from './site.ts';

export const BIN = path.resolve(import.meta.dirname, '../../bin/starling');

export interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

export function launchStarling(args: string[], env: Record<string, string>): Running {
  const child = spawn(BIN, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns something other than undefined; throws after `limitMs`. */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined> | T | undefined,
  limitMs: number,
  stepMs = 50,
): Promise<T> {
  const until = performance.now() + limitMs;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch {
      // not yet
    }
    if (performance.now() > until) throw new Error(`${what}: not within ${limitMs} ms`);
    await sleep(stepMs);
  }
}

/** Logs in as admin once the API answers; returns the token. */
export async function loginWhenUp(url: string, password: string, limitMs: number): Promise<string> {
  return await waitFor(
    `login at ${url}`,
    async () => {
      const r = await fetch(`${url}/v3/auth/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(await authBody('admin', password)),
      });
      return r.status === 201 ? r.headers.get('x-subject-token')! : undefined;
    },
    limitMs,
  );
}

export async function api(
  url: string,
  token: string,
  method: string,
  p: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const r = await fetch(`${url}${p}`, {
    method,
    headers: { 'x-auth-token': token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await r.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: r.status, body: parsed };
}

/** Processes (not zombies) whose command line names `dir`. */
export function processesOn(dir: string): { pid: number; args: string }[] {
  // PostgreSQL may run in a private mount namespace where the data folder is bind-mounted under
  // another path (a checkout the postgres user cannot reach): it is found by its working folder,
  // compared by device and inode with the folder and its subfolders.
  const folders = new Set<string>();
  const key = (st: Stats) => `${st.dev}:${st.ino}`;
  try {
    folders.add(key(statSync(dir)));
    for (const e of readdirSync(dir, { withFileTypes: true }))
      if (e.isDirectory()) folders.add(key(statSync(path.join(dir, e.name))));
  } catch {
    // gone
  }
  const worksIn = (pid: string): boolean => {
    try {
      return folders.has(key(statSync(`/proc/${pid}/cwd`)));
    } catch {
      return false;
    }
  };
  return execFileSync('ps', ['-eo', 'pid=,stat=,args='])
    .toString()
    .split('\n')
    .map((l) => /^\s*(\d+)\s+(\S+)\s+(.*)$/.exec(l))
    .filter(
      (m): m is RegExpExecArray =>
        m !== null &&
        !m[2]!.startsWith('Z') &&
        !m[3]!.startsWith('ps ') &&
        (m[3]!.includes(dir) || worksIn(m[1]!)),
    )
    .map((m) => ({ pid: Number(m[1]), args: m[3]! }));
}

/** Last-resort cleanup: SIGKILL whatever still runs on `dir`. */
export function killAllOn(dir: string): void {
  for (const p of processesOn(dir)) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

/** A test's cleanup: kills what it launched and every process still working on its data folder,
 *  then removes the folder. */
export async function stopAndRemove(running: readonly Running[], dataDir: string): Promise<void> {
  for (const r of running)
    if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
  if (dataDir) {
    killAllOn(dataDir);
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}
