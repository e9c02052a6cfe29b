import { describe, expect, it } from 'vitest';
import { AgentRegistry, CHANNEL_STALE_MS, type AgentSession } from './registry.ts';

const session = (hostname = 'worker-0'): AgentSession => ({
  hostname,
  host_uuid: '0b7f6f0e-4a52-4c1a-9a53-0e7e2d1f8a01',
  version: 'test',
  source: '127.0.0.1',
  connected_at: '2026-01-01T00:00:00.000Z',
});

/** A registry on a fake clock with a 20 ms probe; the channel's agent answers probes if `alive`. */
function setup() {
  let now = 1_000_000;
  const r = new AgentRegistry(() => now, 20);
  const events: string[] = [];
  let closed = 0;
  const agent = { alive: true };
  r.connect(session(), 'instance-real', () => closed++, (event, data) => {
    events.push(event);
    if (event === 'probe' && agent.alive) r.alive('worker-0', 'instance-real', (data as { nonce: string }).nonce);
  });
  return { r, events, agent, closed: () => closed, advance: (ms: number) => (now += ms) };
}

describe('one agent channel per host', () => {
  it('a second channel for a host with a live one is refused, without a probe while it is fresh', async () => {
    const { r, events, closed } = setup();
    expect(await r.claim('worker-0', 'instance-rogue', 'n1')).toBe('busy');
    expect(events).toEqual([]);
    expect(closed()).toBe(0);
  });

  it('after 5 s without a sign of life the channel is probed: an answer keeps it', async () => {
    const { r, events, closed, advance } = setup();
    advance(CHANNEL_STALE_MS + 1);
    expect(await r.claim('worker-0', 'instance-rogue', 'n1')).toBe('busy');
    expect(events).toEqual(['probe']);
    expect(closed()).toBe(0);
    // The answer counts as a sign of life: the next attempt is refused at once.
    expect(await r.claim('worker-0', 'instance-rogue', 'n2')).toBe('busy');
    expect(events).toEqual(['probe']);
  });

  it('a stale channel (no answer to the probe) gives way; the newcomer replaces it', async () => {
    const { r, agent, closed, advance } = setup();
    agent.alive = false;
    advance(CHANNEL_STALE_MS + 1);
    expect(await r.claim('worker-0', 'instance-new', 'n1')).toBe('free');
    r.connect(session(), 'instance-new', () => undefined);
    expect(closed()).toBe(1);
  });

  it('the same agent instance reconnecting replaces its own channel at once', async () => {
    const { r } = setup();
    expect(await r.claim('worker-0', 'instance-real', 'n1')).toBe('free');
  });

  it('another host, or a host without a channel, is free; a probe answer from another instance does not count', async () => {
    const { r, agent, advance } = setup();
    expect(await r.claim('worker-1', 'instance-x', 'n1')).toBe('free');
    expect(r.alive('worker-0', 'instance-rogue', undefined)).toBe(false);
    agent.alive = false;
    advance(CHANNEL_STALE_MS + 1);
    const claim = r.claim('worker-0', 'instance-rogue', 'n2');
    expect(r.alive('worker-0', 'instance-rogue', 'n2')).toBe(false); // the rogue answers for the real one
    expect(await claim).toBe('free');
  });
});

describe('connect and disconnect listeners', () => {
  it('a closed channel is reported once; one replaced by a newer channel is not a disconnect', () => {
    const r = new AgentRegistry(() => 0, 20);
    const seen: string[] = [];
    r.onConnect((s) => seen.push(`connect ${s.hostname}`));
    r.onDisconnect((s) => seen.push(`disconnect ${s.hostname}`));
    const endFirst = r.connect(session(), 'instance-1', () => undefined);
    const endSecond = r.connect(session(), 'instance-2', () => undefined);
    endFirst(); // the first channel's close arrives after the second replaced it
    expect(seen).toEqual(['connect worker-0', 'connect worker-0']);
    expect(r.connectedSince('worker-0')).toBe(0);
    endSecond();
    endSecond();
    expect(seen).toEqual(['connect worker-0', 'connect worker-0', 'disconnect worker-0']);
    expect(r.connectedSince('worker-0')).toBeUndefined();
  });
});
