import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HB_NETWORKS } from '../protocol.ts';
import { hostHeartbeatKey, hostNetworkKeys, multicastOf, networkHeartbeatKey, pulseKeys } from './keys.ts';

const siteKey = randomBytes(32);
const A = '0b7f6f0e-4a52-4c1a-9a53-0e7e2d1f8a01';
const B = '5c1d8a44-2b0e-4e6f-8d7c-3f9a1b2c4d05';

describe('heartbeat keys', () => {
  it('derive host key = HMAC(site key, host uuid), then network key = HMAC(host key, network)', () => {
    const hostKey = createHmac('sha512', siteKey).update(`starling heartbeat host ${A}`).digest();
    expect(hostHeartbeatKey(siteKey, A)).toEqual(hostKey);
    for (const n of HB_NETWORKS) {
      expect(hostNetworkKeys(siteKey, A)[n]).toEqual(createHmac('sha512', hostKey).update(`starling heartbeat ${n}`).digest());
      expect(networkHeartbeatKey(hostKey, n)).toEqual(hostNetworkKeys(siteKey, A)[n]);
    }
  });

  it('differ per host, per network and per site, and never equal the site key', () => {
    const all = [hostNetworkKeys(siteKey, A), hostNetworkKeys(siteKey, B), hostNetworkKeys(randomBytes(32), A)].flatMap((k) =>
      HB_NETWORKS.map((n) => k[n].toString('hex')),
    );
    expect(new Set(all).size).toBe(9);
    expect(all).not.toContain(siteKey.toString('hex'));
  });

  it('are stable: the same site and host give the same keys (a controller restart changes nothing)', () => {
    expect(hostNetworkKeys(Buffer.from(siteKey), A)).toEqual(hostNetworkKeys(siteKey, A));
  });

  it('pulse keys: one per site and network, HMAC-SHA-512(site key, "starling heartbeat pulse " + network), no host key', () => {
    const p = pulseKeys(siteKey);
    for (const n of HB_NETWORKS)
      expect(p[n]).toEqual(createHmac('sha512', siteKey).update(`starling heartbeat pulse ${n}`).digest());
    const hosts = [A, B].flatMap((h) => HB_NETWORKS.map((n) => hostNetworkKeys(siteKey, h)[n].toString('hex')));
    const pulses = [...HB_NETWORKS.map((n) => p[n].toString('hex')), ...HB_NETWORKS.map((n) => pulseKeys(randomBytes(32))[n].toString('hex'))];
    expect(new Set([...hosts, ...pulses]).size).toBe(12);
  });

  it('each network of each site multicasts to its own group and port in 239.255.0.0/16', () => {
    const groups = [siteKey, randomBytes(32)].flatMap((k) => HB_NETWORKS.map((n) => multicastOf(pulseKeys(k)[n])));
    for (const g of groups) {
      expect(g.group).toMatch(/^239\.255\.\d{1,3}\.\d{1,3}$/);
      expect(g.port).toBeGreaterThanOrEqual(20_000);
      expect(g.port).toBeLessThan(30_000);
    }
    expect(new Set(groups.map((g) => `${g.group}:${g.port}`)).size).toBe(6);
    expect(multicastOf(pulseKeys(siteKey).mgmt)).toEqual(groups[0]);
  });
});
