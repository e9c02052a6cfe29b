// The controller end of the agent channel: an agent opens GET /v1/agents/channel and keeps it
// open (server-sent events); the controller pushes its host's heartbeat keys and commands down it.
// Only the agent service user (starling-agent, project services) may open one, for a host the
// inventory knows by that hostname and management MAC, and a host has one channel at a time.
// GET /v1/agents lists the connected agents.

import { randomUUID } from 'node:crypto';
import type { App } from '../api/server.ts';
import { openEventStream } from '../api/sse.ts';
import { StarlingError } from '../common/errors.ts';
import type { AuthContext } from '../identity/index.ts';
import { AliveBody, ChannelQuery } from './protocol.ts';
import type { AgentRegistry } from './registry.ts';

export const KEEPALIVE_MS = 15_000;

/** The host a channel is opened for, as the inventory knows it. */
export type AgentHostLookup = (
  hostname: string,
) => Promise<{ uuid: string; hostname: string | null; mgmt_mac: string | null } | undefined>;

/** The identity agents log in with (the controller creates it: src/controller/controller.ts). */
export interface AgentIdentity {
  user: string;
  project: string;
}

function requireAgent(auth: AuthContext | undefined, who: AgentIdentity, what: string): void {
  if (auth?.user.name !== who.user || auth.project.name !== who.project) {
    throw new StarlingError('FORBIDDEN', `only the agent service user ${who.user} may ${what}`);
  }
}

export function agentLinkRoutes(
  app: App,
  registry: AgentRegistry,
  deps: { lookupHost: AgentHostLookup; agent: AgentIdentity },
): void {
  app.get('/v1/agents', async () => ({ agents: registry.list() }));

  app.get('/v1/agents/channel', { config: { access: 'admin' }, schema: { querystring: ChannelQuery } }, async (req, reply) => {
    requireAgent(req.auth, deps.agent, 'open an agent channel');
    const { hostname, instance } = req.query;
    const mac = req.query.mgmt_mac.toLowerCase();
    const host = await deps.lookupHost(hostname);
    if (!host || host.hostname !== hostname || host.mgmt_mac?.toLowerCase() !== mac) {
      throw new StarlingError('NOT_FOUND', `no host ${hostname} with management MAC ${mac}`, { field: 'hostname' });
    }
    if ((await registry.claim(hostname, instance, randomUUID())) === 'busy') {
      throw new StarlingError('AGENT_CHANNEL_BUSY', `${hostname} already has a live agent channel`, { field: 'hostname' });
    }
    reply.hijack();
    // The caller may have gone while its host's channel was probed.
    if (req.raw.socket.destroyed) return reply;
    // A host that vanished (power cut) sends no FIN: TCP keepalive notices, besides the probe.
    req.raw.socket.setKeepAlive(true, KEEPALIVE_MS);
    const stream = openEventStream(reply.raw, {
      keepaliveMs: KEEPALIVE_MS,
      requestId: req.id,
      onClose: () => {
        release();
        req.log.info({ hostname }, 'agent disconnected');
      },
    });
    const release = registry.connect(
      {
        hostname,
        host_uuid: host.uuid,
        version: req.query.version ?? 'unknown',
        source: req.ip,
        connected_at: new Date().toISOString(),
      },
      instance,
      () => stream.close(),
      (event, data) => stream.send(event, data),
    );
    req.log.info({ hostname, source: req.ip }, 'agent connected');
    stream.send('hello', { hostname });
    return reply;
  });

  // The agent of a channel answers the controller's probe (sent when another channel is asked
  // for its host): its channel is alive and stays.
  app.post(
    '/v1/agents/channel/alive',
    { config: { access: 'admin', audit: false }, schema: { body: AliveBody } },
    async (req, reply) => {
      requireAgent(req.auth, deps.agent, 'answer for an agent channel');
      if (!registry.alive(req.body.hostname, req.body.instance, req.body.nonce)) {
        throw new StarlingError('NOT_FOUND', `no agent channel of ${req.body.hostname} with this instance`, { field: '/instance' });
      }
      return reply.status(204).send();
    },
  );
}
