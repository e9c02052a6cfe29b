// The controller's side of the heartbeat: the pulser. The wire format, the keys and the agent's
// responder are the protocol's (src/agentlink/heartbeat/); failure detection itself is pure
// (src/maintenance/domain/heartbeat.ts).

export { startPulser, type HbObservation, type HbTarget, type Pulser } from './pulser.ts';
