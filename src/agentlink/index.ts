// The controller↔agent channel (controller side).
export { AgentRegistry, CHANNEL_PROBE_MS, CHANNEL_STALE_MS, type AgentSession } from './registry.ts';
export { agentLinkRoutes, KEEPALIVE_MS, type AgentHostLookup, type AgentIdentity } from './routes.ts';
