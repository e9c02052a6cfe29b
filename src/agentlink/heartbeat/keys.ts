// Heartbeat keys: one per host and network, derived from the site key, so that what an agent holds
// (its own host's keys) lets it neither answer for another host nor pulse another host.
//   host key    = HMAC-SHA-512(site key, "starling heartbeat host " + host uuid)
//   network key = HMAC-SHA-512(host key, "starling heartbeat " + network)
// The site key stays on the controllers; an agent receives only its host's network keys.
// Deterministic and cheap (a few µs a host; the engine derives them once per host and keeps them).

import { createHmac } from 'node:crypto';
import { HB_NETWORKS, type HbNetwork } from '../protocol.ts';
import { networkKey } from './packet.ts';

export type HbNetworkKeys = Record<HbNetwork, Buffer>;

export function hostHeartbeatKey(siteKey: Buffer, hostUuid: string): Buffer {
  return createHmac('sha512', siteKey).update(`starling heartbeat host ${hostUuid}`).digest();
}

/** The key a network's packets are authenticated with: packet.ts's networkKey under the host key. */
export function networkHeartbeatKey(hostKey: Buffer, network: HbNetwork): Buffer {
  return networkKey(hostKey, network);
}

/** The keys of one host, one per network. */
export function hostNetworkKeys(siteKey: Buffer, hostUuid: string): HbNetworkKeys {
  const hostKey = hostHeartbeatKey(siteKey, hostUuid);
  return Object.fromEntries(HB_NETWORKS.map((n) => [n, networkHeartbeatKey(hostKey, n)])) as HbNetworkKeys;
}
