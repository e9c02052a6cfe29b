// The heartbeat's public face for the maintenance engine (controller) and the agent.
// Failure detection itself is pure: src/maintenance/domain/heartbeat.ts.

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
export { startPulser, type HbObservation, type HbTarget, type Pulser } from './pulser.ts';
export { startResponder, type HbStats, type Responder, type ResponderEndpoint } from './responder.ts';
