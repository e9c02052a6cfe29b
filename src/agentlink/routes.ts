// The controller end of the agent channel: an agent opens GET /v1/agents/channel and keeps it
// open (server-sent events); the controller pushes commands down it (none yet: inventory and
// maintenance add them). GET /v1/agents lists the connected agents.

import { Type } from 'typebox';
import type { App } from '../api/server.ts';
import type { AgentRegistry } from './registry.ts';

const ChannelQuery = Type.Object(
  {
    hostname: Type.String({ pattern: '^[a-zA-Z0-9][a-zA-Z0-9.-]{0,62}$' }),
    version: Type.Optional(Type.String({ maxLength: 32 })),
  },
  { additionalProperties: false },
);

export const KEEPALIVE_MS = 15_000;

export function agentLinkRoutes(app: App, registry: AgentRegistry): void {
  app.get('/v1/agents', async () => ({ agents: registry.list() }));

  app.get('/v1/agents/channel', { config: { access: 'admin' }, schema: { querystring: ChannelQuery } }, (req, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-openstack-request-id': req.id,
    });
    const send = (event: string, data: unknown): void => {
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    const close = (): void => {
      clearInterval(timer);
      res.end();
    };
    const release = registry.connect(
      {
        hostname: req.query.hostname,
        version: req.query.version ?? 'unknown',
        source: req.ip,
        connected_at: new Date().toISOString(),
      },
      close,
      send,
    );
    const timer = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
    req.raw.on('close', () => {
      clearInterval(timer);
      release();
      req.log.info({ hostname: req.query.hostname }, 'agent disconnected');
    });
    req.log.info({ hostname: req.query.hostname, source: req.ip }, 'agent connected');
    send('hello', { hostname: req.query.hostname });
  });
}
