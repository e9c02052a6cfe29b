// The crash tier: rounds of kill -9 under write load — of the controller (the next start takes
// over) and of its PostgreSQL server (the controller restarts it) — then every acknowledged write
// must be there: each host added, each alarm raised, and an audit entry for each of those calls.
// Alarms commit asynchronously (docs/adr/0003): a kill -9 of PostgreSQL itself may lose the last
// fraction of a second of them; those are counted, not failed.

import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/db/index.ts';
import { backend } from '../support/db-urls.ts';
import { tempDir } from '../support/site.ts';
import { api, launchStarling, stopAndRemove, loginWhenUp, processesOn, sleep, type Running } from '../support/proc.ts';

const PASSWORD = 'crash-test-pw';

interface Acked {
  kind: 'host' | 'alarm';
  key: string;
  requestId: string;
  /** Acknowledged in a round that ended with kill -9 of PostgreSQL. */
  pgKill: boolean;
}

const mac = (n: number): string => `02:00:${[n >> 16, (n >> 8) & 255, n & 255, 1].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;

describe.skipIf(backend() === 'external')('crash consistency (kill -9 under load)', () => {
  let dataDir = '';
  const running: Running[] = [];

  afterAll(async () => stopAndRemove(running, dataDir));

  it('loses no acknowledged host, alarm or audit entry', async () => {
    dataDir = await tempDir();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const start = (): Running => {
      const r = launchStarling(['controller', '--data-dir', dataDir, '--port', String(port), '--insecure-http'], { STARLING_ADMIN_PASSWORD: PASSWORD });
      running.push(r);
      return r;
    };
    let current = start();
    let token = await loginWhenUp(url, PASSWORD, 15_000);
    // Hosts can be added to a duplex system only.
    const sys = (await api(url, token, 'GET', '/v1/isystems')).body.isystems[0];
    expect((await api(url, token, 'PATCH', `/v1/isystems/${sys.uuid}`, [{ op: 'replace', path: '/system_mode', value: 'duplex' }])).status).toBe(200);
    const acked: Acked[] = [];
    const refused: string[] = [];
    let n = 0;
    const post = async (kind: Acked['kind'], pgKill: () => boolean): Promise<void> => {
      const i = n++;
      const [p, body, key] =
        kind === 'host'
          ? ['/v1/ihosts', { hostname: `crash-${i}`, personality: 'worker', mgmt_mac: mac(i) }, `crash-${i}`]
          : ['/v1/alarms', { alarm_id: '100.101', entity_instance_id: `host=crash-${i}`, severity: 'major' }, `host=crash-${i}`];
      try {
        const r = await fetch(`${url}${p}`, { method: 'POST', headers: { 'x-auth-token': token, 'content-type': 'application/json' }, body: JSON.stringify(body) });
        if (r.status === 201) acked.push({ kind, key, requestId: r.headers.get('x-openstack-request-id')!, pgKill: pgKill() });
        else if (refused.length < 3 && r.status < 500) refused.push(`${kind} ${r.status} ${await r.text()}`);
      } catch {
        // no answer: not acknowledged
      }
    };

    const rounds = ['controller', 'postgres', 'controller', 'postgres', 'controller'] as const;
    for (const [round, victim] of rounds.entries()) {
      let killed = false;
      const load = (async () => {
        while (!killed) await Promise.all([post('host', () => false), post('alarm', () => false), post('alarm', () => false), post('host', () => false)]);
      })();
      await sleep(1500);
      const before = acked.length;
      if (victim === 'controller') {
        current.child.kill('SIGKILL');
        await current.exited;
        killed = true;
        await load;
        current = start();
        token = await loginWhenUp(url, PASSWORD, 20_000);
      } else {
        const pm = processesOn(dataDir).find((p) => / -D /.test(p.args));
        expect(pm, 'the postmaster').toBeDefined();
        process.kill(pm!.pid, 'SIGKILL');
        await sleep(300);
        killed = true;
        await load;
        // Everything acknowledged shortly before this kill may include asynchronously committed alarms.
        for (const a of acked.slice(Math.max(0, before - 50))) a.pgKill = true;
        await loginWhenUp(url, PASSWORD, 20_000);
      }
      console.log(`crash round ${round + 1} (${victim}): ${acked.length} writes acknowledged so far`);
    }

    // Everything acknowledged is there.
    const hosts = new Set(((await api(url, token, 'GET', '/v1/ihosts')).body.ihosts as { hostname: string }[]).map((h) => h.hostname));
    const alarms = new Set<string>();
    for (let next: string | null = '/v1/alarms?limit=1000'; next; ) {
      const page: { alarms: { entity_instance_id: string }[]; next: string | null } = (await api(url, token, 'GET', next)).body;
      for (const a of page.alarms) alarms.add(a.entity_instance_id);
      next = page.next ? new URL(page.next, url).pathname + new URL(page.next, url).search : null;
    }
    const audited = new Set<string>();
    for (let next: string | null = '/v1/audit_logs?limit=1000'; next; ) {
      const page: { audit_logs: { request_id: string | null }[]; next: string | null } = (await api(url, token, 'GET', next)).body;
      for (const e of page.audit_logs) if (e.request_id) audited.add(e.request_id);
      next = page.next;
    }
    const lostHosts = acked.filter((a) => a.kind === 'host' && !hosts.has(a.key));
    const lostAlarms = acked.filter((a) => a.kind === 'alarm' && !alarms.has(a.key));
    const lostAudit = acked.filter((a) => !audited.has(a.requestId));
    console.log(
      `crash tier: ${acked.length} acknowledged writes checked (${acked.filter((a) => a.kind === 'host').length} hosts, ${acked.filter((a) => a.kind === 'alarm').length} alarms); ` +
        `lost: ${lostHosts.length} hosts, ${lostAlarms.length} alarms (${lostAlarms.filter((a) => a.pgKill).length} just before a PostgreSQL kill), ${lostAudit.length} audit entries`,
    );
    expect(refused).toEqual([]);
    expect(acked.length).toBeGreaterThan(50);
    expect(acked.some((a) => a.kind === 'host')).toBe(true);
    expect(lostHosts).toEqual([]);
    expect(lostAlarms.filter((a) => !a.pgKill)).toEqual([]);
    expect(lostAudit).toEqual([]);
    current.child.kill('SIGTERM');
    expect(await current.exited).toBe(0);
  }, 60_000);
});
