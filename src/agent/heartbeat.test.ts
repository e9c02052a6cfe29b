import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { REPLY_FLAG_HEALTHY, REPLY_FLAG_PMON } from '../agentlink/heartbeat/index.ts';
import { heartbeatKeys, replyFlags } from './heartbeat.ts';

describe('the agent’s heartbeat', () => {
  it('decodes the keys the controller sends, one per network it names', () => {
    const mgmt = randomBytes(64);
    const oam = randomBytes(64);
    const pulse = randomBytes(64);
    const { keys, pulseKeys } = heartbeatKeys({
      keys: { mgmt: mgmt.toString('base64'), oam: oam.toString('base64') },
      pulse_keys: { mgmt: pulse.toString('base64') },
      period_ms: 100,
    });
    expect(Object.keys(keys).sort()).toEqual(['mgmt', 'oam']);
    expect(keys.mgmt?.equals(mgmt)).toBe(true);
    expect(keys.oam?.equals(oam)).toBe(true);
    expect(Object.keys(pulseKeys)).toEqual(['mgmt']);
    expect(pulseKeys.mgmt?.equals(pulse)).toBe(true);
    expect(heartbeatKeys({ keys: {}, pulse_keys: {}, period_ms: 100 })).toEqual({ keys: {}, pulseKeys: {} });
  });

  it('flags its replies with pmon running and the host healthy', () => {
    expect(replyFlags({ pmonRunning: true, healthy: true })).toBe(REPLY_FLAG_PMON | REPLY_FLAG_HEALTHY);
    expect(replyFlags({ pmonRunning: true, healthy: false })).toBe(REPLY_FLAG_PMON);
    expect(replyFlags({ pmonRunning: false, healthy: true })).toBe(REPLY_FLAG_HEALTHY);
    expect(replyFlags({ pmonRunning: false, healthy: false })).toBe(0);
  });
});
