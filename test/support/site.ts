// Test builders: a fresh database copied from the migrated template, and a running controller
// on it (listening on a free port) with helpers to log in and call the API as an operator would
// (in-process requests through Fastify's inject; `url` for what needs the socket).

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { loadControllerConfig, type ControllerConfig } from '../../src/common/config.ts';
import { createLogger, silentLogger } from '../../src/common/log.ts';
import type { Clock } from '../../src/common/clock.ts';
import { startController, type Controller } from '../../src/controller/controller.ts';
import { withDatabase } from './db-urls.ts';
import { ADMIN_PASSWORD } from './global-setup.ts';

export { ADMIN_PASSWORD } from './global-setup.ts';

let counter = 0;

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A new database on this project's backend, already migrated (a copy of the template); `site`:
 *  with identity's first-start records too (global-setup.ts). */
export async function freshDatabase(template: 'migrated' | 'site' = 'migrated'): Promise<TestDatabase> {
  const server = inject('serverUrl');
  const name = `starling_t_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  const c = new pg.Client({ connectionString: withDatabase(server, 'postgres') });
  await c.connect();
  await c.query(`CREATE DATABASE ${name} TEMPLATE ${inject(template === 'site' ? 'siteTemplateName' : 'templateName')}`);
  await c.end();
  return {
    url: withDatabase(server, name),
    drop: async () => {
      const d = new pg.Client({ connectionString: withDatabase(server, 'postgres') });
      await d.connect();
      await d.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await d.end();
    },
  };
}

export async function tempDir(prefix = 'starling-test-'): Promise<string> {
  const d = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  await fs.chmod(d, 0o755);
  return d;
}

export interface TestSite {
  controller: Controller;
  url: string;
  database: TestDatabase;
  dataDir: string;
  /** A token for a user (default admin/admin). */
  token(user?: string, password?: string, project?: string): Promise<string>;
  /** fetch against the API, JSON in and out. */
  call(
    method: string,
    path: string,
    opts?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<{ status: number; body: any; headers: Headers }>;
  /** Stops the controller and starts it again on the same database, data folder and port. */
  restartController(): Promise<void>;
  /** Another controller process on the same database, with a data folder of its own (holding a
   *  copy of this one's secrets, as controllers of one site share them) and its own port. */
  startPeer(): Promise<{ controller: Controller; stop(): Promise<void> }>;
  stop(): Promise<void>;
}

export async function authBody(user: string, password: string, project = 'admin') {
  return {
    auth: {
      identity: {
        methods: ['password'],
        password: { user: { name: user, domain: { name: 'Default' }, password } },
      },
      scope: { project: { name: project, domain: { name: 'Default' } } },
    },
  };
}

/** A controller on a fresh database (no agent), like `starling controller`. Its admin password
 *  hash has a low scrypt cost (logins in ~1 ms) unless `adminPasswordCost` is 'production': then
 *  the controller's first start makes it, as it does on a real site. */
export async function startSite(
  opts: { config?: Partial<ControllerConfig>; clock?: Clock; adminPasswordCost?: 'low' | 'production' } = {},
): Promise<TestSite> {
  const database = await freshDatabase(opts.adminPasswordCost === 'production' ? 'migrated' : 'site');
  const dataDir = await tempDir();
  const config: ControllerConfig = {
    // No BMC sensor audit: test hosts' BMC addresses are not meant to be reached.
    ...loadControllerConfig({ dataDir, port: '0', agent: false, insecureHttp: true }, { STARLING_SENSOR_PERIOD: '0' }),
    databaseUrl: database.url,
    adminPassword: ADMIN_PASSWORD,
    logLevel: 'silent',
    ...opts.config,
  };
  const deps = {
    log: process.env.DBG ? createLogger('error') : silentLogger,
    ...(opts.clock ? { clock: opts.clock } : {}),
  };
  let controller = await startController(config, deps);
  // In-process (Fastify's inject): the same routing, hooks, validation and serialisation as a
  // request on the socket, without the loopback round trip. Tests that need the socket (SSE
  // streams, agents, the CLI and clients as processes, a body cut short) use `url`.
  const call: TestSite['call'] = async (method, p, o = {}) => {
    const res = await controller.app.inject({
      method: method as 'GET',
      url: p,
      headers: {
        // As a client on the socket would send it (links in answers are built from it).
        host: new URL(controller.url).host,
        ...(o.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(o.token === undefined ? {} : { 'x-auth-token': o.token }),
        ...(o.headers ?? {}),
      },
      ...(o.body === undefined ? {} : { payload: typeof o.body === 'string' ? o.body : JSON.stringify(o.body) }),
    });
    const text = res.body;
    let body: unknown = text;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      // keep the text
    }
    const headers = new Headers();
    for (const [k, v] of Object.entries(res.headers)) {
      if (v === undefined) continue;
      for (const one of Array.isArray(v) ? v : [v]) headers.append(k, String(one));
    }
    return { status: res.statusCode, body, headers };
  };
  const site: TestSite = {
    controller,
    url: controller.url,
    database,
    dataDir,
    call,
    restartController: async () => {
      const port = new URL(controller.url).port;
      await controller.stop();
      controller = await startController({ ...config, port: Number(port) }, deps);
      site.controller = controller;
    },
    startPeer: async () => {
      const dir = await tempDir();
      await fs.copyFile(path.join(dataDir, 'secrets.json'), path.join(dir, 'secrets.json'));
      const peer = await startController({ ...config, dataDir: dir, port: 0 }, deps);
      return {
        controller: peer,
        stop: async () => {
          await peer.stop();
          await fs.rm(dir, { recursive: true, force: true });
        },
      };
    },
    token: async (user = 'admin', password = ADMIN_PASSWORD, project = 'admin') => {
      const r = await call('POST', '/v3/auth/tokens', { body: await authBody(user, password, project) });
      if (r.status !== 201) throw new Error(`login of ${user} failed: ${r.status} ${JSON.stringify(r.body)}`);
      return r.headers.get('x-subject-token')!;
    },
    stop: async () => {
      await controller.stop();
      await database.drop();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
  return site;
}
