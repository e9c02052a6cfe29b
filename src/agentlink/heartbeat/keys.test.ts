import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HB_NETWORKS } from '../protocol.ts';
import { hostHeartbeatKey, hostNetworkKeys, networkHeartbeatKey } from './keys.ts';

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
});
