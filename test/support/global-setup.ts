// Once per test project: the project's PostgreSQL server (an embedded cluster run by the same
// code as `starling up`, or the external server) with two template databases that test files
// copy (CREATE DATABASE … TEMPLATE: ~50 ms instead of migrating again):
// - `templateName`: migrated, empty (freshDatabase());
// - `siteTemplateName`: the same with identity's first-start records (domain, roles, projects,
//   user admin) whose admin password hash has a low scrypt cost (startSite()): a site then starts
//   without hashing, and each login as admin (every CLI command logs in) checks in ~1 ms instead
//   of ~100-700 ms of CPU. Production cost is still what every other password gets, and what a
//   site gets with startSite({ adminPasswordCost: 'production' }) (the login-flood tests).

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { Db, migrate, startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/index.ts';
import { silentLogger } from '../../src/common/log.ts';
import { systemClock } from '../../src/common/clock.ts';
import { IdentityService } from '../../src/identity/index.ts';
import { hashPassword } from '../../src/identity/password.ts';
import { EXTERNAL_URL, withDatabase } from './db-urls.ts';

/** The admin password of every test site. */
export const ADMIN_PASSWORD = 'admin-test-pw';
/** scrypt at 1/32 of the production memory and work (1 MiB). */
const TEST_COST = { N: 1024, r: 8, p: 1 };

declare module 'vitest' {
  export interface ProvidedContext {
    serverUrl: string;
    templateName: string;
    siteTemplateName: string;
  }
}

let embedded: EmbeddedPostgres | undefined;
let dir: string | undefined;
let serverUrl: string | undefined;
let template: string | undefined;
let siteTemplate: string | undefined;

async function admin<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: withDatabase(url, 'postgres') });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export async function setup(project: TestProject): Promise<void> {
  template = `starling_tpl_${process.pid}_${project.name.replaceAll('-', '_')}`;
  siteTemplate = `${template}_site`;
  if (project.name.endsWith('embedded')) {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'starling-test-pg-'));
    await fs.chmod(dir, 0o755);
    embedded = await startEmbeddedPostgres(path.join(dir, 'pg'), 'test-password', silentLogger);
    serverUrl = embedded.url;
  } else {
    serverUrl = EXTERNAL_URL;
  }
  const url = serverUrl;
  const [plain, site] = [template, siteTemplate];
  await admin(url, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${site}`);
    await c.query(`DROP DATABASE IF EXISTS ${plain}`);
    await c.query(`CREATE DATABASE ${plain}`);
  });
  const db = new Db(withDatabase(url, plain), 2);
  try {
    await migrate(db);
  } finally {
    await db.close();
  }
  await admin(url, (c) => c.query(`CREATE DATABASE ${site} TEMPLATE ${plain}`));
  const siteDb = new Db(withDatabase(url, site), 2);
  try {
    const hash = hashPassword(ADMIN_PASSWORD, TEST_COST);
    await new IdentityService(siteDb, systemClock, 3600).bootstrap({ password: ADMIN_PASSWORD, generated: false, hash });
  } finally {
    await siteDb.close();
  }
  project.provide('serverUrl', url);
  project.provide('templateName', plain);
  project.provide('siteTemplateName', site);
}

export async function teardown(): Promise<void> {
  if (serverUrl && template && siteTemplate) {
    const names = [siteTemplate, template];
    await admin(serverUrl, async (c) => {
      for (const t of names) await c.query(`DROP DATABASE IF EXISTS ${t}`);
    }).catch(() => undefined);
  }
  await embedded?.stop();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
}
