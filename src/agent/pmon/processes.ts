// The process side of pmon: is a pid alive, what pid a pidfile names, run a supervised command or
// a restart script, and stop a child. Everything pmon does to the host's processes is here.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { childEnv } from '../../common/config.ts';
import type { Logger } from '../../common/log.ts';

/**
 * Alive = /proc/<pid> exists and is not a zombie. kill(pid, 0) alone is not enough: a daemon that
 * died but whose parent (init in a container often does not reap) has not collected it still answers.
 */
export async function pidAlive(pid: number): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  // "pid (comm) S ...": comm may hold spaces and parentheses, so the state follows the last ')'.
  const state = text.slice(text.lastIndexOf(')') + 1).trim()[0];
  return state !== undefined && state !== 'Z' && state !== 'X';
}

/** The pid a pidfile names, or undefined when it is missing or does not hold a pid. */
export async function readPidfile(file: string): Promise<number | undefined> {
  try {
    const m = /^\s*(\d+)\s*$/.exec(await readFile(file, 'utf8'));
    const pid = m ? Number(m[1]) : NaN;
    return Number.isSafeInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs a supervised command as pmon's child. `exec` makes the command itself the child (not a shell
 * around it), so its pid is the one to watch and a signal reaches it; a pipeline belongs in a script.
 */
export function spawnCommand(command: string, name: string, log: Logger): ChildProcess {
  const child = spawn('/bin/sh', ['-c', `exec ${command}`], { stdio: 'ignore', env: childEnv() });
  child.on('error', (e) => log.error({ process: name, err: e.message }, 'pmon: cannot start the command'));
  child.on('exit', (code, signal) =>
    log.warn({ process: name, pid: child.pid, code, signal }, 'pmon: process exited'),
  );
  return child;
}

/** A restart script that hangs is killed after this long; the process is judged by its pidfile anyway. */
const SCRIPT_TIMEOUT_MS = 60_000;

/**
 * Runs a restart script: an LSB script (an absolute path to a file, no arguments) gets `start`, as
 * pmond runs /etc/init.d scripts; anything else is a shell command line. Not awaited by the audit:
 * whether the process came back is read from its pidfile within startuptime.
 */
export async function runScript(script: string, name: string, log: Logger): Promise<void> {
  const lsb =
    /^\/\S+$/.test(script) &&
    (await stat(script).then(
      (s) => s.isFile(),
      () => false,
    ));
  const child = lsb
    ? spawn(script, ['start'], { stdio: 'ignore', env: childEnv() })
    : spawn('/bin/sh', ['-c', script], { stdio: 'ignore', env: childEnv() });
  const timer = setTimeout(() => child.kill('SIGKILL'), SCRIPT_TIMEOUT_MS);
  timer.unref();
  await new Promise<void>((resolve) => {
    child.on('error', (e) => {
      log.error({ process: name, script, err: e.message }, 'pmon: cannot run the restart script');
      resolve();
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) log.warn({ process: name, script, code, signal }, 'pmon: restart script failed');
      resolve();
    });
  });
}

/** Whether a child we spawned is still running (exit seen = not; Node reaps its own children). */
export const childAlive = (c: ChildProcess | undefined): c is ChildProcess =>
  c !== undefined && c.pid !== undefined && c.exitCode === null && c.signalCode === null;

/** Children pmon is stopping on purpose: their exit is not a failure to report. */
const stopping = new WeakSet<ChildProcess>();

/** SIGTERM, then SIGKILL after a grace period; resolves when the child has exited. */
export async function terminate(c: ChildProcess, graceMs = 3_000): Promise<void> {
  if (!childAlive(c)) return;
  stopping.add(c);
  const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
  c.kill('SIGTERM');
  const timer = setTimeout(() => c.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
