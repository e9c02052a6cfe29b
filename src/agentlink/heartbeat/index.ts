// The heartbeat as both ends speak it: the packet codec (packet.ts), the per-host, per-network
// keys (keys.ts) and the agent's responder (responder.ts). The controller's pulser is
// maintenance's (src/maintenance/heartbeat/pulser.ts); neither end imports the other's.

export {
  HB_DEFAULT_PORTS,
  HB_NETWORKS,
  REPLY_FLAG_HEALTHY,
  REPLY_FLAG_PMON,
  decodePacket,
  encodePacket,
  networkKey,
  type DecodeResult,
  type HbNetwork,
  type Pulse,
  type PulseReply,
} from './packet.ts';
export { hostHeartbeatKey, hostNetworkKeys, networkHeartbeatKey, type HbNetworkKeys } from './keys.ts';
export { startResponder, type HbStats, type Responder, type ResponderEndpoint } from './responder.ts';
