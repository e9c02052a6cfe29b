// kill -9 of the embedded PostgreSQL server under a running controller: /health and
// /health/ready say so at once (503), the controller starts the server again by itself, and
// writes work again within seconds, with nothing committed before the kill lost.

import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/db/index.ts';
import { backend } from '../support/db-urls.ts';
import { tempDir } from '../support/site.ts';
import { api, launchStarling, loginWhenUp, processesOn, sleep, stopAndRemove, waitFor, type Running } from '../support/proc.ts';

const PASSWORD = 'supervise-test-pw';

const alarm = (n: number) => ({
  alarm_id: '100.101',
  entity_instance_id: `host=supervised-${n}`,
  severity: 'major',
  reason_text: `before/after kill ${n}`,
});

describe.skipIf(backend() === 'external')('embedded PostgreSQL supervision', () => {
  let dataDir = '';
  let running: Running | undefined;

  afterAll(async () => stopAndRemove(running ? [running] : [], dataDir));

  it('restarts a killed server; /health tells the truth meanwhile; writes work again', async () => {
    dataDir = await tempDir();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    running = launchStarling(['controller', '--data-dir', dataDir, '--port', String(port), '--insecure-http'], { STARLING_ADMIN_PASSWORD: PASSWORD });
    const token = await loginWhenUp(url, PASSWORD, 15_000);
    expect((await api(url, token, 'POST', '/v1/alarms', alarm(0))).status).toBe(201);
    const health = await api(url, token, 'GET', '/health');
    expect(health.body).toMatchObject({ status: 'ok', ready: true, database: 'reachable', database_server: { state: 'running', restarts: 0 } });
    expect((await api(url, token, 'GET', '/health/ready')).status).toBe(200);

    for (let round = 1; round <= 2; round++) {
      const postmaster = processesOn(dataDir).find((p) => / -D /.test(p.args));
      expect(postmaster).toBeDefined();
      const killedAt = performance.now();
      process.kill(postmaster!.pid, 'SIGKILL');

      // Not ready while the server is down (it may come back before we look: then it is ready).
      const seen = await waitFor(
        'an answer from /health/ready',
        async () => {
          const r = await fetch(`${url}/health/ready`);
          return r.status === 503 ? 503 : performance.now() - killedAt > 300 ? r.status : undefined;
        },
        5_000,
        10,
      );
      if (seen === 503) {
        const h = await api(url, token, 'GET', '/health');
        if (!h.body.ready) expect(h.body).toMatchObject({ status: 'degraded', database: 'unreachable' });
        expect((await fetch(`${url}/health/live`)).status).toBe(200);
      }
      // Back by itself within seconds, and writable again.
      await waitFor('/health/ready 200 again', async () => ((await fetch(`${url}/health/ready`)).status === 200 ? true : undefined), 10_000);
      const readyMs = performance.now() - killedAt;
      const written = await waitFor(
        'a write after the restart',
        async () => ((await api(url, token, 'POST', '/v1/alarms', alarm(round))).status === 201 ? true : undefined),
        10_000,
      );
      expect(written).toBe(true);
      console.log(`db-supervision round ${round}: /health/ready saw ${seen}; ready again ${Math.round(readyMs)} ms after kill -9 of the postmaster`);
      await sleep(200);
    }
    const h = await api(url, token, 'GET', '/health');
    expect(h.body).toMatchObject({ status: 'ok', ready: true, database_server: { state: 'running', restarts: 2 } });
    // Every alarm written before and after the kills is there; the controller never exited.
    const alarms = (await api(url, token, 'GET', '/v1/alarms?limit=100')).body.alarms as { entity_instance_id: string }[];
    for (const n of [0, 1, 2]) expect(alarms.map((a) => a.entity_instance_id)).toContain(`host=supervised-${n}`);
    expect(running.child.exitCode).toBeNull();
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
  });
});
