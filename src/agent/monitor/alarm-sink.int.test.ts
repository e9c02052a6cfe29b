// The alarm sinks. The REST sink talks to a stand-in fm server (node:http, records each request and
// answers with a chosen status) so outages and refusals can be staged; alarm-sink.api.test.ts runs
// the same sink against the real controller.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/log.ts';
import { alarmKey, inventoryEntity, inventoryNamedSink, memoryAlarmSink, restAlarmSink, type AgentAlarm } from './alarm-sink.ts';

const cpu = (severity: AgentAlarm['severity'] = 'major'): AgentAlarm => ({
  alarm_id: '100.101',
  entity_instance_id: 'host=controller-0',
  severity,
  reason_text: `Platform CPU threshold exceeded (${severity})`,
});

describe('memoryAlarmSink', () => {
  it('keeps the active alarms and a history without repeats', async () => {
    const sink = memoryAlarmSink();
    await sink.raise(cpu());
    await sink.raise(cpu());
    await sink.raise(cpu('critical'));
    expect(sink.active.get(alarmKey('100.101', 'host=controller-0'))?.severity).toBe('critical');
    await sink.clear('100.101', 'host=controller-0');
    await sink.clear('100.101', 'host=controller-0');
    expect(sink.active.size).toBe(0);
    expect(sink.history.map((h) => (h.op === 'raise' ? h.alarm.severity : 'clear'))).toEqual([
      'major',
      'critical',
      'clear',
    ]);
  });
});

describe('restAlarmSink against a stand-in fm server', () => {
  const requests: Array<{ method: string; url: string; token: string | undefined; body: any }> = [];
  let answer = 201;
  let server: http.Server;
  let url: string;
  let reachable = true;
  const deadUrl = 'http://127.0.0.1:1'; // nothing listens on port 1

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        requests.push({
          method: req.method!,
          url: req.url!,
          token: req.headers['x-auth-token'] as string | undefined,
          body: text ? JSON.parse(text) : undefined,
        });
        res
          .writeHead(answer, { 'content-type': 'application/json' })
          .end(answer < 300 ? '{}' : '{"error":{"message":"no"}}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    requests.length = 0;
    answer = 201;
    reachable = true;
  });

  const sinkFor = (suffix = '') =>
    restAlarmSink({
      fmUrl: async () => ({ url: (reachable ? url : deadUrl) + suffix, token: 'tok-1' }),
      log: silentLogger,
    });

  it('POSTs a raise once, again only when it changes, and DELETEs a clear once', async () => {
    const sink = sinkFor();
    await sink.raise(cpu());
    await sink.raise(cpu());
    await sink.raise(cpu('critical'));
    await sink.clear('100.101', 'host=controller-0');
    await sink.clear('100.101', 'host=controller-0');
    expect(requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST /v1/alarms',
      'POST /v1/alarms',
      'DELETE /v1/alarms?alarm_id=100.101&entity_instance_id=host%3Dcontroller-0',
    ]);
    expect(requests[0]!.token).toBe('tok-1');
    expect(requests[1]!.body).toEqual({
      ...cpu('critical'),
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(sink.active()).toEqual([]);
  });

  it('a clear never raised in this run is sent once (an alarm left by a previous run)', async () => {
    const sink = sinkFor();
    await sink.clear('200.006', 'host=controller-0.process=sm');
    await sink.clear('200.006', 'host=controller-0.process=sm');
    expect(requests.map((r) => r.method)).toEqual(['DELETE']);
  });

  it('accepts an fm URL that already ends in /v1', async () => {
    await sinkFor('/v1').raise(cpu());
    expect(requests.map((r) => r.url)).toEqual(['/v1/alarms']);
  });

  it('controller unreachable: nothing thrown; the next change sends what was missed; resync() replays the active ones', async () => {
    const sink = sinkFor();
    reachable = false;
    await sink.raise(cpu());
    await sink.raise({
      alarm_id: '100.103',
      entity_instance_id: 'host=controller-0.memory=platform',
      severity: 'major',
      reason_text: 'memory',
    });
    expect(requests).toEqual([]);
    reachable = true;
    await sink.clear('100.104', 'host=controller-0.filesystem=/');
    expect(requests.map((r) => `${r.method} ${r.body?.alarm_id ?? r.url.split('?')[1]}`)).toEqual([
      'POST 100.101',
      'POST 100.103',
      'DELETE alarm_id=100.104&entity_instance_id=host%3Dcontroller-0.filesystem%3D%2F',
    ]);
    requests.length = 0;
    await sink.resync(); // e.g. the controller came back with a restored database
    expect(requests.map((r) => `${r.method} ${r.body?.alarm_id}`)).toEqual(['POST 100.101', 'POST 100.103']);
    expect(sink.active().map((a) => a.alarm_id)).toEqual(['100.101', '100.103']);
  });

  it('keeps the alarm’s first timestamp when it is replayed later', async () => {
    const sink = sinkFor();
    reachable = false;
    await sink.raise(cpu());
    const seen = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    reachable = true;
    await sink.resync();
    expect(requests[0]!.body.timestamp <= seen).toBe(true);
  });

  it('a 503 is retried with the next change; a 400 (not in the catalog) is not retried', async () => {
    const sink = sinkFor();
    answer = 503;
    await sink.raise(cpu());
    answer = 400;
    await sink.raise({
      alarm_id: '999.999',
      entity_instance_id: 'host=controller-0',
      severity: 'major',
      reason_text: 'x',
    });
    // the 503'd raise was tried again before the new one, and refused for good this time
    expect(requests.map((r) => `${r.body.alarm_id}`)).toEqual(['100.101', '100.101', '999.999']);
    answer = 201;
    requests.length = 0;
    await sink.clear('100.103', 'host=controller-0.memory=platform');
    expect(requests.map((r) => r.method)).toEqual(['DELETE']);
  });
});

describe('alarms on the inventory host name', () => {
  it('host=<os name>… becomes host=<inventory name>…, raise and clear alike; others unchanged', async () => {
    expect(inventoryEntity('host=vm-17.process=sshd', 'vm-17', 'controller-0')).toBe('host=controller-0.process=sshd');
    expect(inventoryEntity('host=vm-17', 'vm-17', 'controller-0')).toBe('host=controller-0');
    expect(inventoryEntity('host=vm-170.process=x', 'vm-17', 'controller-0')).toBe('host=vm-170.process=x');
    expect(inventoryEntity('host=vm-17', 'vm-17', undefined)).toBe('host=vm-17');
    const inner = memoryAlarmSink();
    const sink = inventoryNamedSink(inner, 'vm-17', () => 'controller-0');
    await sink.raise({ alarm_id: '100.101', entity_instance_id: 'host=vm-17', severity: 'major', reason_text: 'hot' });
    expect([...inner.active.values()].map((a) => a.entity_instance_id)).toEqual(['host=controller-0']);
    await sink.clear('100.101', 'host=vm-17');
    expect(inner.active.size).toBe(0);
  });
});
