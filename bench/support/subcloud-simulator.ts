// The subcloud simulator (a test tool for scale, not a subcloud): one HTTP server that answers,
// for thousands of simulated subclouds at once, the calls a system controller makes to a
// subcloud — Keystone login, fm's alarm summary, and the identity and platform (DNS, NTP) reads and
// writes of dcorch's sync.
// Subcloud n lives under http://host:port/sc/n; each has its own tokens, alarm counts and
// identity. Latency, dead subclouds and drift are set per subcloud.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IdentitySnapshot } from '../../src/identity/index.ts';
import type { PlatformSettings } from '../../src/inventory/index.ts';

export interface SimulatedSubcloud {
  password: string;
  alarms: { critical: number; major: number; minor: number; warnings: number };
  identity: IdentitySnapshot;
  platform: PlatformSettings;
  /** Refuse every call (a dead site or a cut link). */
  dead: boolean;
  /** Added to every answer, ms. */
  latencyMs: number;
  tokens: Set<string>;
}

export interface SubcloudSimulator {
  url: (n: number) => string;
  subclouds: SimulatedSubcloud[];
  /** Calls answered. */
  requests: number;
  close(): Promise<void>;
}

const emptyIdentity = (): IdentitySnapshot => ({
  users: [],
  projects: [
    { name: 'admin', description: '', enabled: true },
    { name: 'services', description: '', enabled: true },
  ],
  roles: ['admin', 'member', 'reader'],
  assignments: [],
});

export async function startSubcloudSimulator(count: number, opts: { password?: string; latencyMs?: number; port?: number } = {}): Promise<SubcloudSimulator> {
  const subclouds: SimulatedSubcloud[] = Array.from({ length: count }, () => ({
    password: opts.password ?? 'Sim-pw-123',
    alarms: { critical: 0, major: 0, minor: 1, warnings: 0 },
    identity: emptyIdentity(),
    platform: { nameservers: '', ntpservers: '' },
    dead: false,
    latencyMs: opts.latencyMs ?? 0,
    tokens: new Set(),
  }));
  let tokenSeq = 0;
  const sim: SubcloudSimulator = {
    url: (n) => `http://127.0.0.1:${(server.address() as AddressInfo).port}/sc/${n}`,
    subclouds,
    requests: 0,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = http.createServer({ keepAlive: true }, (req, res) => {
    const m = /^\/sc\/(\d+)(\/[^?]*)(?:\?.*)?$/.exec(req.url ?? '');
    const sc = m ? subclouds[Number(m[1])] : undefined;
    if (!m || !sc) return void res.writeHead(404).end();
    if (sc.dead) return void req.socket.destroy();
    const path = m[2]!;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
        const send = (): void => {
          sim.requests++;
          res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
        };
        if (sc.latencyMs > 0) setTimeout(send, sc.latencyMs);
        else send();
      };
      const text = Buffer.concat(chunks).toString('utf8');
      if (req.method === 'POST' && path === '/v3/auth/tokens') {
        const b = JSON.parse(text || '{}') as { auth?: { identity?: { password?: { user?: { password?: string } } } } };
        if (b.auth?.identity?.password?.user?.password !== sc.password) return answer(401, { error: { code: 401 } });
        const token = `sim-${tokenSeq++}`;
        sc.tokens.add(token);
        return answer(201, { token: { expires_at: new Date(Date.now() + 3_600_000).toISOString(), catalog: [] } }, { 'x-subject-token': token });
      }
      if (!sc.tokens.has(String(req.headers['x-auth-token']))) return answer(401, { error: { code: 401 } });
      if (req.method === 'GET' && path === '/v1/alarms/summary') return answer(200, { ...sc.alarms, status: 'OK' });
      if (req.method === 'GET' && path === '/v1.0/identities') return answer(200, { digest: '', identity: sc.identity });
      if (req.method === 'PUT' && path === '/v1.0/identities') {
        sc.identity = (JSON.parse(text) as { identity: IdentitySnapshot }).identity;
        return answer(200, { digest: '', revoked_tokens_of: [] });
      }
      if (req.method === 'GET' && path === '/v1.0/platform') return answer(200, { platform: sc.platform });
      if (req.method === 'PUT' && path === '/v1.0/platform') {
        sc.platform = (JSON.parse(text) as { platform: PlatformSettings }).platform;
        return answer(200, { platform: sc.platform, changed: true });
      }
      answer(404, { error: { code: 404 } });
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  return sim;
}
