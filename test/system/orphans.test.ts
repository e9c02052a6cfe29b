// kill -9 of `starling up`: its embedded PostgreSQL and its agent must not live on as orphans, and
// the next `starling up` on the same folder must start (taking over a server still stopping) and
// keep the data.

import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/db/index.ts';
import { backend } from '../support/db-urls.ts';
import { tempDir } from '../support/site.ts';
import { api, launchStarling, stopAndRemove, loginWhenUp, processesOn, waitFor, type Running } from '../support/proc.ts';

const PASSWORD = 'orphan-test-pw';

describe.skipIf(backend() === 'external')('kill -9 of starling up (embedded database)', () => {
  let dataDir = '';
  const running: Running[] = [];

  afterAll(async () => stopAndRemove(running, dataDir));

  it('leaves no PostgreSQL or agent behind, and a new start on the folder keeps the data', async () => {
    dataDir = await tempDir();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env = { STARLING_ADMIN_PASSWORD: PASSWORD, STARLING_LOG_LEVEL: 'info' };

    const first = launchStarling(['up', '--data-dir', dataDir, '--port', String(port), '--insecure-http'], env);
    running.push(first);
    const token = await loginWhenUp(url, PASSWORD, 15_000);
    const sys = (await api(url, token, 'GET', '/v1/isystems')).body.isystems[0];
    expect((await api(url, token, 'PATCH', `/v1/isystems/${sys.uuid}`, [{ op: 'replace', path: '/name', value: 'survivor' }])).status).toBe(200);
    // Both children run: PostgreSQL (-D <dir>/pg) and the agent (--state-dir <dir>/agent).
    const children = await waitFor(
      'PostgreSQL and the agent running',
      () => {
        const ps = processesOn(dataDir);
        return ps.some((p) => p.args.includes('agent.mjs')) && ps.some((p) => / -D /.test(p.args)) ? ps : undefined;
      },
      10_000,
    );
    expect(children.length).toBeGreaterThanOrEqual(2);

    const killedAt = performance.now();
    first.child.kill('SIGKILL');
    await first.exited;
    // Nothing of it is left within a few seconds.
    await waitFor('no process left on the data folder', () => (processesOn(dataDir).length === 0 ? true : undefined), 5_000);
    const goneMs = performance.now() - killedAt;

    const second = launchStarling(['up', '--data-dir', dataDir, '--port', String(port), '--insecure-http'], env);
    running.push(second);
    const again = await loginWhenUp(url, PASSWORD, 15_000);
    const restartMs = performance.now() - killedAt;
    expect((await api(url, again, 'GET', '/v1/isystems')).body.isystems[0].name).toBe('survivor');
    console.log(`orphans: children gone ${Math.round(goneMs)} ms after kill -9; new start answered ${Math.round(restartMs)} ms after it`);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(processesOn(dataDir)).toEqual([]);
  });

  it('a start takes over a PostgreSQL server still running on its folder', async () => {
    // Immediately after the kill, with no wait: the old server may still be shutting down.
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env = { STARLING_ADMIN_PASSWORD: PASSWORD };
    const first = launchStarling(['up', '--data-dir', dataDir, '--port', String(port), '--no-agent', '--insecure-http'], env);
    running.push(first);
    await loginWhenUp(url, PASSWORD, 15_000);
    first.child.kill('SIGKILL');
    await first.exited;
    const second = launchStarling(['up', '--data-dir', dataDir, '--port', String(port), '--no-agent', '--insecure-http'], env);
    running.push(second);
    const token = await loginWhenUp(url, PASSWORD, 20_000);
    expect((await api(url, token, 'GET', '/v1/isystems')).body.isystems[0].name).toBe('survivor');
    expect(second.output()).not.toContain('another PostgreSQL server');
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    await fs.access(path.join(dataDir, 'pg', 'PG_VERSION'));
  });
});
