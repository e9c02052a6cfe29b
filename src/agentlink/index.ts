// The controller↔agent channel (controller side).
export { AgentRegistry, type AgentSession } from './registry.ts';
export { agentLinkRoutes, KEEPALIVE_MS } from './routes.ts';
