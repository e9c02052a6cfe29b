// Heartbeat keys, derived from the site key (which stays on the controllers):
//   host key    = HMAC-SHA-512(site key, "starling heartbeat host " + host uuid)
//   network key = HMAC-SHA-512(host key, "starling heartbeat " + network)
//   pulse key   = HMAC-SHA-512(site key, "starling heartbeat pulse " + network)
// A reply is authenticated with the host's network key: what an agent holds (its own host's keys)
// does not let it answer for another host. A pulse is one multicast datagram for every host of a
// network, so it is authenticated with the network's pulse key, which every agent of the site
// holds: an agent can make other agents answer, but an answer counts only for the controller's
// pulse of the period (its random nonce), so a made pulse keeps no host alive.
// Each network's multicast group and port are derived from its pulse key (one-way), so two sites
// (or two test sites on one machine) use different groups, and controller and agents agree
// without configuring them.
// Deterministic and cheap (a few µs a host; the engine derives them once per host and keeps them).

import { createHash, createHmac } from 'node:crypto';
import { HB_NETWORKS, type HbNetwork } from '../protocol.ts';
import { networkKey, pulseKeyOf } from './packet.ts';

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

/** The site's pulse keys, one per network (every agent receives them). */
export function pulseKeys(siteKey: Buffer): HbNetworkKeys {
  return Object.fromEntries(HB_NETWORKS.map((n) => [n, pulseKeyOf(siteKey, n)])) as HbNetworkKeys;
}

/** Where a network's pulses are multicast: 239.255.x.y (IPv4 site-local scope), port 20000-29999. */
export function multicastOf(pulseKey: Buffer): { group: string; port: number } {
  const h = createHash('sha256').update('starling heartbeat multicast group').update(pulseKey).digest();
  return { group: `239.255.${h[0]}.${h[1]}`, port: 20_000 + (h.readUInt16BE(2) % 10_000) };
}
