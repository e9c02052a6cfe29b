// The controller↔agent link: the protocol both ends speak (protocol.ts, heartbeat/) and the
// controller's end of the channel (registry, routes).
export { AgentRegistry, CHANNEL_PROBE_MS, CHANNEL_STALE_MS, type AgentSession } from './registry.ts';
export { agentLinkRoutes, KEEPALIVE_MS, type AgentHostLookup, type AgentIdentity } from './routes.ts';
export {
  AGENT_COMMANDS,
  AgentCommand,
  AgentEventBody,
  CommandAnswer,
  CommandAnswerParams,
  HostConfig,
  InterfaceConfig,
  RegisterBody,
  type AgentCommandName,
  type ChannelEvent,
  type ChannelEventName,
} from './protocol.ts';
// The heartbeat both ends speak (the controller's pulser is maintenance's).
export * from './heartbeat/index.ts';
export { checkHbName, packetCodec, type PacketCodec } from './heartbeat/packet.ts';
