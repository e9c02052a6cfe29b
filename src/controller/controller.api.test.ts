// The controller's life: first start bootstraps, a restart on the same data keeps everything,
// two controllers never share one data folder. Runs on both backends (embedded: the controller
// runs its own PostgreSQL from the data folder; external: a fresh database on the server).

import fs from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { loadControllerConfig, type ControllerConfig } from '../common/config.ts';
import { silentLogger } from '../common/log.ts';
import { backend } from '../../test/support/db-urls.ts';
import { authBody, freshDatabase, tempDir, type TestDatabase } from '../../test/support/site.ts';
import { startController } from './controller.ts';

describe(`controller on the ${backend()} backend`, () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  async function config(): Promise<ControllerConfig> {
    const dataDir = await tempDir();
    let database: TestDatabase | undefined;
    if (backend() === 'external') database = await freshDatabase();
    cleanups.push(async () => {
      await database?.drop();
      await fs.rm(dataDir, { recursive: true, force: true });
    });
    return {
      ...loadControllerConfig({ dataDir, port: '0', agent: false, insecureHttp: true }, {}),
      databaseUrl: database?.url,
      logLevel: 'silent',
    };
  }

  const post = async (url: string, path: string, body: unknown, token?: string) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { 'x-auth-token': token } : {}) },
      body: JSON.stringify(body),
    });

  it('generates an admin password once, and a restart keeps users, settings and that password', async () => {
    const cfg = await config();
    const first = await startController(cfg, { log: silentLogger });
    const password = first.generatedAdminPassword;
    expect(password).toMatch(/^[A-Za-z0-9_-]{16}$/);
    const login = await post(first.url, '/v3/auth/tokens', await authBody('admin', password!));
    expect(login.status).toBe(201);
    const token = login.headers.get('x-subject-token')!;
    expect((await post(first.url, '/v3/users', { user: { name: 'keeper', password: 'keeper-pw-1' } }, token)).status).toBe(201);
    const sys = ((await (await fetch(`${first.url}/v1/isystems`, { headers: { 'x-auth-token': token } })).json()) as { isystems: { uuid: string }[] }).isystems[0]!;
    const patched = await fetch(`${first.url}/v1/isystems/${sys.uuid}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', 'x-auth-token': token },
      body: JSON.stringify([{ op: 'replace', path: '/location', value: 'Substation 12' }]),
    });
    expect(patched.status).toBe(200);
    await first.stop();

    const second = await startController(cfg, { log: silentLogger });
    try {
      expect(second.generatedAdminPassword).toBeUndefined();
      const again = await post(second.url, '/v3/auth/tokens', await authBody('admin', password!));
      expect(again.status).toBe(201);
      const t2 = again.headers.get('x-subject-token')!;
      // the token issued before the restart still works: tokens live in the database
      expect((await fetch(`${second.url}/v1/isystems`, { headers: { 'x-auth-token': token } })).status).toBe(200);
      const after = (await (await fetch(`${second.url}/v1/isystems`, { headers: { 'x-auth-token': t2 } })).json()) as {
        isystems: { uuid: string; location: string }[];
      };
      expect(after.isystems[0]).toMatchObject({ uuid: sys.uuid, location: 'Substation 12' });
      expect((await post(second.url, '/v3/auth/tokens', await authBody('keeper', 'keeper-pw-1'))).status).toBe(401); // keeper has no role
      const users = (await (await fetch(`${second.url}/v3/users?name=keeper`, { headers: { 'x-auth-token': t2 } })).json()) as { users: unknown[] };
      expect(users.users).toHaveLength(1);
    } finally {
      await second.stop();
    }
  });

  it('uses STARLING_ADMIN_PASSWORD on first start and never prints it', async () => {
    const cfg = { ...(await config()), adminPassword: 'configured-pw-1' };
    const c = await startController(cfg, { log: silentLogger });
    try {
      expect(c.generatedAdminPassword).toBeUndefined();
      expect((await post(c.url, '/v3/auth/tokens', await authBody('admin', 'configured-pw-1'))).status).toBe(201);
    } finally {
      await c.stop();
    }
  });

  it('refuses a second controller on the same data folder, naming the folder', async () => {
    const cfg = await config();
    const c = await startController(cfg, { log: silentLogger });
    try {
      await expect(startController(cfg, { log: silentLogger })).rejects.toMatchObject({
        code: 'DATA_DIR_IN_USE',
        message: expect.stringContaining(cfg.dataDir),
      });
      // the first one is unharmed
      expect((await fetch(`${c.url}/health`)).status).toBe(200);
    } finally {
      await c.stop();
    }
  });
});
