// Fault management as operators and the platform's own parts use it over REST: raise, dedup,
// clear (one, by entity subtree), the event log, suppression, filters, pagination while alarms
// come and go, retention, the change stream, and bad input refused with nothing written.

import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSite, type TestSite } from '../../test/support/site.ts';
import { readEventStream } from '../api/sse.ts';

describe('fault management (fm API)', () => {
  let site: TestSite;
  let token: string;
  const raise = (body: Record<string, unknown>) => site.call('POST', '/v1/alarms', { token, body });
  const list = async (query = '') =>
    (await site.call('GET', `/v1/alarms${query}`, { token })).body as { alarms: any[]; next: string | null };
  const events = async (query = '') =>
    (await site.call('GET', `/v1/event_log${query}`, { token })).body as {
      event_log: any[];
      next: string | null;
    };

  beforeAll(async () => {
    site = await startSite({ config: { eventLogMaxCount: 1_000_000 } });
    token = await site.token();
  });
  afterAll(async () => site?.stop());

  it('advertises faultmanagement in the catalog', async () => {
    const r = await site.call('GET', '/v3/auth/catalog', { token });
    expect(r.body.catalog.find((s: { type: string }) => s.type === 'faultmanagement').endpoints[0].url).toBe(
      site.url,
    );
  });

  it('raises an alarm with the catalog defaults, and a repeat raise updates it instead of duplicating it', async () => {
    const first = await raise({
      alarm_id: '100.101',
      entity_instance_id: 'host=controller-0',
      severity: 'major',
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      alarm_id: '100.101',
      alarm_state: 'set',
      entity_type_id: 'host',
      severity: 'major',
      alarm_type: 'operational-violation',
      probable_cause: 'threshold-crossed',
      mgmt_affecting: true,
      degrade_affecting: false,
      suppression_status: 'unsuppressed',
    });
    expect(first.body.uuid).toMatch(/^[0-9a-f-]{36}$/);
    const again = await raise({
      alarm_id: '100.101',
      entity_instance_id: 'host=controller-0',
      severity: 'critical',
      reason_text: 'CPU at 97%',
    });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({
      uuid: first.body.uuid,
      severity: 'critical',
      reason_text: 'CPU at 97%',
      degrade_affecting: true,
    });
    const mine = (await list('?q.field=alarm_id&q.value=100.101')).alarms;
    expect(mine).toHaveLength(1);
    const shown = await site.call('GET', `/v1/alarms/${first.body.uuid}`, { token });
    expect(shown.body.severity).toBe('critical');
  });

  it('records every set and clear in the event log, newest first', async () => {
    await raise({ alarm_id: '200.006', entity_instance_id: 'host=worker-0.process=sshd', severity: 'major' });
    const cleared = await site.call(
      'DELETE',
      '/v1/alarms?alarm_id=200.006&entity_instance_id=host=worker-0.process=sshd',
      { token },
    );
    expect(cleared.status).toBe(200);
    expect(cleared.body.cleared).toBe(1);
    const log = (await events('?q.field=entity_instance_id&q.value=host=worker-0.process=sshd')).event_log;
    expect(log.map((e) => [e.state, e.severity])).toEqual([
      ['clear', 'clear'],
      ['set', 'major'],
    ]);
    expect(log[0].event_log_id).toBe('200.006');
    // clearing what is not there is not an error: it clears nothing
    const none = await site.call(
      'DELETE',
      '/v1/alarms?alarm_id=200.006&entity_instance_id=host=worker-0.process=sshd',
      { token },
    );
    expect(none.body.cleared).toBe(0);
  });

  it('clears every alarm of a host and below it, and only those', async () => {
    await raise({ alarm_id: '100.108', entity_instance_id: 'host=worker-1.port=eth0', severity: 'major' });
    await raise({ alarm_id: '100.103', entity_instance_id: 'host=worker-1', severity: 'major' });
    await raise({ alarm_id: '100.103', entity_instance_id: 'host=worker-10', severity: 'major' });
    const r = await site.call('DELETE', '/v1/alarms?entity_instance_id=host=worker-1&prefix=true', { token });
    expect(r.body.cleared).toBe(2);
    const left = (await list('?q.field=entity_instance_id&q.value=host=worker-10')).alarms;
    expect(left).toHaveLength(1);
  });

  it('deletes one alarm by uuid (fm alarm-delete); an unknown uuid is 404', async () => {
    const a = await raise({
      alarm_id: '100.104',
      entity_instance_id: 'host=controller-0.filesystem=/var',
      severity: 'major',
    });
    expect((await site.call('DELETE', `/v1/alarms/${a.body.uuid}`, { token })).status).toBe(204);
    expect((await site.call('GET', `/v1/alarms/${a.body.uuid}`, { token })).status).toBe(404);
    expect((await site.call('DELETE', `/v1/alarms/${a.body.uuid}`, { token })).status).toBe(404);
  });

  it('logs customer logs (not alarms) into the event log, and filters logs and alarms apart', async () => {
    const l = await site.call('POST', '/v1/event_log', {
      token,
      body: {
        event_log_id: '200.022',
        entity_instance_id: 'host=worker-2',
        severity: 'critical',
        reason_text: 'worker-2 is now failed',
      },
    });
    expect(l.status).toBe(201);
    expect(l.body.state).toBe('log');
    const logs = (await events('?logs=true')).event_log;
    expect(logs.every((e) => e.state === 'log')).toBe(true);
    expect(logs[0].reason_text).toBe('worker-2 is now failed');
    const alarms = (await events('?alarms=true')).event_log;
    expect(alarms.every((e) => e.state !== 'log')).toBe(true);
    const shown = await site.call('GET', `/v1/event_log/${l.body.uuid}`, { token });
    expect(shown.body.event_log_id).toBe('200.022');
  });

  it('suppression hides an alarm id from the list and the summary, but keeps recording it', async () => {
    await raise({ alarm_id: '100.103', entity_instance_id: 'host=worker-5', severity: 'critical' });
    const before = (await site.call('GET', '/v1/alarms/summary', { token })).body;
    const sup = (await site.call('GET', '/v1/event_suppression', { token })).body.event_suppression.find(
      (s: { alarm_id: string }) => s.alarm_id === '100.103',
    );
    expect(sup.suppression_status).toBe('unsuppressed');
    const p = await site.call('PATCH', `/v1/event_suppression/${sup.uuid}`, {
      token,
      body: [{ op: 'replace', path: '/suppression_status', value: 'suppressed' }],
    });
    expect(p.body.suppression_status).toBe('suppressed');
    // raised while suppressed: still stored
    await raise({ alarm_id: '100.103', entity_instance_id: 'host=worker-6', severity: 'critical' });
    const visible = (await list()).alarms.filter((a) => a.alarm_id === '100.103');
    expect(visible).toEqual([]);
    const all = (await list('?include_suppress=true')).alarms.filter((a) => a.alarm_id === '100.103');
    expect(all.map((a) => a.entity_instance_id).sort()).toEqual([
      'host=worker-10',
      'host=worker-5',
      'host=worker-6',
    ]);
    expect(all.every((a) => a.suppression_status === 'suppressed')).toBe(true);
    const after = (await site.call('GET', '/v1/alarms/summary', { token })).body;
    expect(after.critical).toBe(before.critical - 1);
    const withSuppressed = (await site.call('GET', '/v1/alarms/summary?include_suppress=true', { token }))
      .body;
    expect(withSuppressed.critical).toBe(before.critical + 1);
    // the event log keeps the suppressed set too (hidden by default)
    expect((await events('?q.field=entity_instance_id&q.value=host=worker-6')).event_log).toEqual([]);
    expect(
      (await events('?include_suppress=true&q.field=entity_instance_id&q.value=host=worker-6')).event_log,
    ).toHaveLength(1);
    await site.call('PATCH', `/v1/event_suppression/${sup.uuid}`, {
      token,
      body: [{ op: 'replace', path: '/suppression_status', value: 'unsuppressed' }],
    });
    expect((await list()).alarms.filter((a) => a.alarm_id === '100.103')).toHaveLength(3);
  });

  it('an unsuppressible alarm id has no suppression entry', async () => {
    const ids = (await site.call('GET', '/v1/event_suppression', { token })).body.event_suppression.map(
      (s: { alarm_id: string }) => s.alarm_id,
    );
    expect(ids).toContain('100.101');
    expect(ids).not.toContain('200.004');
  });

  it('summary: counts per severity and the overall status', async () => {
    const s = (await site.call('GET', '/v1/alarms/summary', { token })).body;
    expect(Object.keys(s).sort()).toEqual(['critical', 'major', 'minor', 'status', 'warnings']);
    expect(s.status).toBe(s.critical > 0 ? 'critical' : s.major + s.minor > 0 ? 'degraded' : 'OK');
  });

  it('filters with q.field/q.op/q.value: severity by rank, several conditions together', async () => {
    const atLeastMajor = (await list('?q.field=severity&q.op=ge&q.value=major')).alarms;
    expect(atLeastMajor.length).toBeGreaterThan(0);
    expect(atLeastMajor.every((a) => a.severity === 'major' || a.severity === 'critical')).toBe(true);
    const both = (await list('?q.field=alarm_id&q.value=100.103&q.field=severity&q.value=critical')).alarms;
    expect(both.every((a) => a.alarm_id === '100.103' && a.severity === 'critical')).toBe(true);
    expect(both.length).toBe(2);
  });

  it('pages with limit and next, without duplicates or gaps while other alarms are set and cleared', async () => {
    for (let i = 0; i < 25; i++)
      await raise({
        alarm_id: '200.007',
        entity_instance_id: `host=rack-${i}.sensor=temp`,
        severity: 'minor',
      });
    const q = '?q.field=alarm_id&q.value=200.007&limit=10';
    const seen: string[] = [];
    let page = await list(q);
    let round = 0;
    for (;;) {
      seen.push(...page.alarms.map((a) => a.entity_instance_id));
      // meanwhile: a new alarm of another id, and a clear of an alarm already seen
      await raise({ alarm_id: '100.101', entity_instance_id: `host=busy-${round}`, severity: 'major' });
      await site.call(
        'DELETE',
        `/v1/alarms?alarm_id=200.007&entity_instance_id=${page.alarms[0]!.entity_instance_id}`,
        { token },
      );
      round++;
      if (!page.next) break;
      page = (await site.call('GET', page.next, { token })).body;
    }
    expect(seen).toHaveLength(25);
    expect(new Set(seen).size).toBe(25);
  });

  it('pages in every sort order: the pages joined are the one-page list, in order (key, then newest first)', async () => {
    const severities = ['critical', 'major', 'minor'] as const;
    for (let i = 0; i < 18; i++) {
      await raise({
        alarm_id: '200.007',
        entity_instance_id: `host=sort-${i % 4}.sensor=s${i}`,
        severity: severities[i % 3],
      });
    }
    const rank = { critical: 4, major: 3, minor: 2, warning: 1 } as Record<string, number>;
    const base =
      '?q.field=entity_instance_id&q.op=ge&q.value=host=sort-&q.field=entity_instance_id&q.op=lt&q.value=host=sort.';
    for (const key of ['timestamp', 'severity', 'alarm_id', 'entity_instance_id'] as const) {
      for (const dir of ['asc', 'desc'] as const) {
        const q = `${base}&sort_key=${key}&sort_dir=${dir}`;
        const whole = (await list(`${q}&limit=1000`)).alarms;
        expect(whole, `${key} ${dir}`).toHaveLength(18);
        const paged: any[] = [];
        let page = await list(`${q}&limit=5`);
        for (;;) {
          paged.push(...page.alarms);
          if (!page.next) break;
          page = (await site.call('GET', page.next, { token })).body;
        }
        expect(
          paged.map((a) => a.uuid),
          `${key} ${dir}`,
        ).toEqual(whole.map((a) => a.uuid));
        const value = (a: any): string | number => (key === 'severity' ? rank[a.severity]! : a[key]);
        const sign = dir === 'asc' ? 1 : -1;
        for (let i = 1; i < whole.length; i++) {
          const [x, y] = [value(whole[i - 1]), value(whole[i])];
          expect(x === y || (x < y ? 1 : -1) === sign, `${key} ${dir}: ${x} before ${y}`).toBe(true);
        }
      }
    }
    await site.call('DELETE', '/v1/alarms?entity_instance_id=host=sort-0&prefix=true', { token });
    expect((await list(`${base}&limit=1000`)).alarms).toHaveLength(18 - 5);
  });

  it('refuses bad input naming the field, and writes nothing', async () => {
    const before = (await list('?include_suppress=true&limit=10000')).alarms.length;
    const eventsBefore = (await events('?include_suppress=true&limit=10000')).event_log.length;
    const cases: [Record<string, unknown>, string][] = [
      [{ alarm_id: '999.999', entity_instance_id: 'host=a', severity: 'major' }, 'alarm_id'],
      [{ alarm_id: '100.101', entity_instance_id: 'host=a', severity: 'fatal' }, '/severity'],
      [{ alarm_id: '100.108', entity_instance_id: 'host=a.port=eth0', severity: 'critical' }, 'severity'],
      [{ alarm_id: '100.101', entity_instance_id: 'controller-0', severity: 'major' }, 'entity_instance_id'],
      [{ alarm_id: '100.101', severity: 'major' }, '/entity_instance_id'],
      [{ alarm_id: '100.101', entity_instance_id: 'host=a', severity: 'major', colour: 'red' }, '/colour'],
    ];
    for (const [body, field] of cases) {
      const r = await raise(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.field, JSON.stringify(body)).toBe(field);
    }
    for (const [query, field] of [
      ['?q.field=password&q.value=x', 'q.field'],
      ['?q.field=severity&q.op=like&q.value=major', 'q.op'],
      ['?q.field=severity&q.value=huge', 'q.value'],
      ['?limit=0', 'limit'],
      ['?marker=not-a-cursor', 'marker'],
      ['?sort_key=colour', 'sort_key'],
    ]) {
      const r = await site.call('GET', `/v1/alarms${query}`, { token });
      expect(r.status, query).toBe(400);
      expect(r.body.error.field, query).toBe(field);
    }
    const clearAll = await site.call('DELETE', '/v1/alarms', { token });
    expect(clearAll.status).toBe(400);
    expect((await list('?include_suppress=true&limit=10000')).alarms.length).toBe(before);
    expect((await events('?include_suppress=true&limit=10000')).event_log.length).toBe(eventsBefore);
  });

  it('a reader lists alarms but cannot raise or clear them', async () => {
    await site.call('POST', '/v3/users', {
      token,
      body: {
        user: {
          name: 'noc',
          password: 'noc-password',
          default_project_id: (await site.call('GET', '/v3/projects?name=admin', { token })).body.projects[0]
            .id,
        },
      },
    });
    const users = (await site.call('GET', '/v3/users?name=noc', { token })).body.users;
    const project = (await site.call('GET', '/v3/projects?name=admin', { token })).body.projects[0];
    const reader = (await site.call('GET', '/v3/roles', { token })).body.roles.find(
      (r: { name: string }) => r.name === 'reader',
    );
    await site.call('PUT', `/v3/projects/${project.id}/users/${users[0].id}/roles/${reader.id}`, { token });
    const t = await site.token('noc', 'noc-password');
    expect((await site.call('GET', '/v1/alarms', { token: t })).status).toBe(200);
    expect(
      (
        await site.call('POST', '/v1/alarms', {
          token: t,
          body: { alarm_id: '100.101', entity_instance_id: 'host=x', severity: 'major' },
        })
      ).status,
    ).toBe(403);
    expect(
      (await site.call('DELETE', '/v1/alarms?alarm_id=100.101&entity_instance_id=host=x', { token: t }))
        .status,
    ).toBe(403);
  });

  it('a repeat raise with the same severity and text logs no second set event; a changed one does', async () => {
    const a = {
      alarm_id: '100.104',
      entity_instance_id: 'host=worker-7.filesystem=/var/log',
      severity: 'major',
    };
    expect((await raise(a)).status).toBe(201);
    expect((await raise(a)).status).toBe(200);
    expect((await raise({ ...a, severity: 'critical' })).status).toBe(200);
    const log = (await events(`?q.field=entity_instance_id&q.value=${a.entity_instance_id}`)).event_log;
    expect(log.map((e) => [e.state, e.severity])).toEqual([
      ['set', 'critical'],
      ['set', 'major'],
    ]);
  });

  it('many agents raising and clearing at once: each gets its own alarm back, and nothing is lost', async () => {
    const hosts = Array.from({ length: 40 }, (_, i) => `host=swarm-${i}`);
    const raised = await Promise.all(
      hosts.map((h) => raise({ alarm_id: '100.111', entity_instance_id: h, severity: 'major' })),
    );
    expect(raised.map((r) => [r.status, r.body.entity_instance_id])).toEqual(hosts.map((h) => [201, h]));
    expect(new Set(raised.map((r) => r.body.uuid)).size).toBe(40);
    const cleared = await Promise.all(
      hosts
        .slice(0, 20)
        .map((h) => site.call('DELETE', `/v1/alarms?alarm_id=100.111&entity_instance_id=${h}`, { token })),
    );
    expect(cleared.map((r) => [r.body.cleared, r.body.alarms[0].uuid])).toEqual(
      raised.slice(0, 20).map((r) => [1, r.body.uuid]),
    );
    const left = (await list('?q.field=alarm_id&q.value=100.111&limit=10000')).alarms;
    expect(left.map((a) => a.entity_instance_id).sort()).toEqual(hosts.slice(20).sort());
  });

  it('writes of one alarm submitted together apply in the order given (the in-process port)', async () => {
    const fault = site.controller.fault;
    const a = {
      alarm_id: '200.006',
      entity_instance_id: 'host=worker-8.process=mtcClient',
      severity: 'major',
    };
    const [first, gone, again] = await Promise.all([
      fault.raise(a),
      fault.clear(a.alarm_id, a.entity_instance_id),
      fault.raise({ ...a, severity: 'critical' }),
    ]);
    expect(first.created).toBe(true);
    expect(gone.map((g) => g.uuid)).toEqual([first.alarm.uuid]);
    expect(again.created).toBe(true);
    const now = (await list(`?q.field=entity_instance_id&q.value=${a.entity_instance_id}`)).alarms;
    expect(now.map((x) => [x.uuid, x.severity])).toEqual([[again.alarm.uuid, 'critical']]);
    const log = (await events(`?q.field=entity_instance_id&q.value=${a.entity_instance_id}`)).event_log;
    expect(log.map((e) => [e.state, e.severity])).toEqual([
      ['set', 'critical'],
      ['clear', 'clear'],
      ['set', 'major'],
    ]);
  });

  it('streams every change to subscribers (server-sent events)', async () => {
    const received: { event: string; data: any }[] = [];
    const url = new URL(`${site.url}/v1/alarms/stream`);
    const req = http.get(url, { headers: { 'x-auth-token': token } });
    const res = await new Promise<http.IncomingMessage>((resolve) => req.on('response', resolve));
    expect(res.statusCode).toBe(200);
    // Read as any client would, with the shared reader (comments and keepalives are not events).
    // The test ends the stream with req.destroy(): reading then stops with an abort, expected.
    const reading = readEventStream(res, (m) => received.push({ event: m.event, data: JSON.parse(m.data) })).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    await raise({ alarm_id: '200.010', entity_instance_id: 'host=worker-9', severity: 'warning' });
    await site.call('DELETE', '/v1/alarms?alarm_id=200.010&entity_instance_id=host=worker-9', { token });
    for (let i = 0; i < 50 && received.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    req.destroy();
    await reading;
    expect(
      received.map((r) => [r.event, r.data.event.event_log_id, r.data.event.entity_instance_id]),
    ).toEqual([
      ['alarm-set', '200.010', 'host=worker-9'],
      ['alarm-clear', '200.010', 'host=worker-9'],
    ]);
  });
});

describe('event log retention', () => {
  let site: TestSite;
  let token: string;
  beforeAll(async () => {
    site = await startSite({ config: { eventLogMaxCount: 5 } });
    token = await site.token();
  });
  afterAll(async () => site?.stop());

  it('keeps the newest events within the limit, and never drops the set event of an active alarm', async () => {
    // an alarm that stays active, raised first (its set event is the oldest)
    await site.call('POST', '/v1/alarms', {
      token,
      body: { alarm_id: '200.004', entity_instance_id: 'host=worker-3', severity: 'critical' },
    });
    for (let i = 0; i < 6; i++) {
      await site.call('POST', '/v1/alarms', {
        token,
        body: { alarm_id: '100.101', entity_instance_id: `host=w${i}`, severity: 'major' },
      });
      await site.call('DELETE', `/v1/alarms?alarm_id=100.101&entity_instance_id=host=w${i}`, { token });
    }
    const dropped = await site.controller.fault.purgeEvents();
    expect(dropped).toBe(13 - 6);
    const log = (await site.call('GET', '/v1/event_log?limit=100', { token })).body.event_log as any[];
    expect(log).toHaveLength(6);
    expect(log.at(-1)).toMatchObject({
      event_log_id: '200.004',
      state: 'set',
      entity_instance_id: 'host=worker-3',
    });
    expect(log.slice(0, 5).map((e) => e.entity_instance_id)).toEqual([
      'host=w5',
      'host=w5',
      'host=w4',
      'host=w4',
      'host=w3',
    ]);
    // the active alarm itself is untouched
    expect(
      (await site.call('GET', '/v1/alarms', { token })).body.alarms.map((a: any) => a.alarm_id),
    ).toEqual(['200.004']);
  });
});
