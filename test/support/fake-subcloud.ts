// A fake subcloud for service tests of the system controller: a tiny HTTP server answering the
// two calls the availability audit makes (Keystone password login, fm's alarm summary), which a
// test can take down, make hang or give alarms. (API and system tests use real Starling sites.)

import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeSubcloudMode = 'up' | 'refuse' | 'hang';

export interface FakeSubcloud {
  url: string;
  mode: FakeSubcloudMode;
  password: string;
  alarms: { critical: number; major: number; minor: number; warnings: number };
  /** Requests answered or refused so far. */
  requests: number;
  /** Requests now waiting (mode hang). */
  hanging: number;
  /** When each alarm summary was answered (ms since the epoch): one per audit. */
  audits: number[];
  close(): Promise<void>;
}

export async function startFakeSubcloud(password = 'Sub-cloud-pw1'): Promise<FakeSubcloud> {
  const tokens = new Set<string>();
  const held = new Set<http.ServerResponse>();
  let n = 0;
  const server = http.createServer((req, res) => {
    fake.requests++;
    if (fake.mode === 'refuse') {
      req.socket.destroy();
      return;
    }
    if (fake.mode === 'hang') {
      fake.hanging++;
      held.add(res);
      res.on('close', () => {
        held.delete(res);
        fake.hanging--;
      });
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v3/auth/tokens') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
        if (body?.auth?.identity?.password?.user?.password !== fake.password) {
          res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"code":401}}');
          return;
        }
        const token = `tok-${n++}`;
        tokens.add(token);
        res.writeHead(201, { 'content-type': 'application/json', 'x-subject-token': token });
        res.end(JSON.stringify({ token: { expires_at: new Date(Date.now() + 3_600_000).toISOString(), catalog: [] } }));
        return;
      }
      if (req.method === 'GET' && req.url === '/v1/alarms/summary') {
        if (!tokens.has(String(req.headers['x-auth-token']))) {
          res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"code":401}}');
          return;
        }
        fake.audits.push(Date.now());
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...fake.alarms, status: 'OK' }));
        return;
      }
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const fake: FakeSubcloud = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    mode: 'up',
    password,
    alarms: { critical: 0, major: 0, minor: 0, warnings: 0 },
    requests: 0,
    hanging: 0,
    audits: [],
    close: async () => {
      for (const r of held) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}
