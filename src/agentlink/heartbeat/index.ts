// The heartbeat as both ends speak it: the packet codec (packet.ts), the per-host, per-network
// keys (keys.ts) and the agent's responder (responder.ts). The controller's pulser is
// maintenance's (src/maintenance/heartbeat/pulser.ts); neither end imports the other's.

export {
  HB_DEFAULT_PORTS,
  HB_NETWORKS,
  REPLY_FLAG_HEALTHY,
  REPLY_FLAG_MULTICAST,
  REPLY_FLAG_PMON,
  checkHbName,
  decodePacket,
  encodePacket,
  networkKey,
  nextSeq,
  packetCodec,
  peekNetwork,
  pulseKeyOf,
  type DecodeResult,
  type HbNetwork,
  type PacketCodec,
  type Pulse,
  type PulseReply,
} from './packet.ts';
export { hostHeartbeatKey, hostNetworkKeys, multicastOf, networkHeartbeatKey, pulseKeys, type HbNetworkKeys } from './keys.ts';
export { startResponder, type HbKeys, type HbStats, type Responder, type ResponderEndpoint } from './responder.ts';
export { SEQ_ADOPT_MS, SEQ_MARGIN_US, SEQ_WINDOW_US, acceptPulseSeq, type PulseSeqState, type PulseSeqVerdict } from './pulse-seq.ts';
