// The agent's heartbeat: the protocol's responder (src/agentlink/heartbeat/responder.ts) on each
// configured network, with the keys the controller sends down the channel. Binding is retried
// with backoff (an address not up yet, a port taken), never fatal; the keys outlive a restart of
// the responder (a reboot), as a host keeps its configuration.

import { randomBytes } from 'node:crypto';
import type { Logger } from '../common/log.ts';
import { nextBackoff } from '../runtime/backoff.ts';
import type { ChannelEventData } from '../agentlink/protocol.ts';
import {
  HB_NETWORKS,
  REPLY_FLAG_HEALTHY,
  REPLY_FLAG_PMON,
  startResponder,
  type HbKeys,
  type Responder,
  type ResponderEndpoint,
} from '../agentlink/heartbeat/index.ts';

export type { HbKeys };

function decodeKeys(k: ChannelEventData<'heartbeat'>['keys']): HbKeys {
  const keys: HbKeys = {};
  for (const n of HB_NETWORKS) {
    const v = k[n];
    if (v !== undefined) keys[n] = Buffer.from(v, 'base64');
  }
  return keys;
}

/** The keys of a heartbeat event, decoded: this host's, and the site's pulse keys. */
export function heartbeatKeys(event: ChannelEventData<'heartbeat'>): { keys: HbKeys; pulseKeys: HbKeys } {
  return { keys: decodeKeys(event.keys), pulseKeys: decodeKeys(event.pulse_keys) };
}

/** The reply flags: pmon running, the host healthy by the agent's monitors. */
export function replyFlags(health: { pmonRunning: boolean; healthy: boolean }): number {
  return (health.pmonRunning ? REPLY_FLAG_PMON : 0) | (health.healthy ? REPLY_FLAG_HEALTHY : 0);
}

export interface AgentHeartbeat {
  /** Binds the sockets, retrying until bound or `stopped()`. */
  start(hostname: string): Promise<void>;
  /** The controller's keys for this host; an event without any key changes nothing. */
  setKeys(event: ChannelEventData<'heartbeat'>): void;
  /** The host's name as the inventory knows it, learnt after start: its replies carry it. */
  setHostname(hostname: string): void;
  /** Where it answers (ports as bound), empty while not started. */
  endpoints(): ResponderEndpoint[];
  close(): Promise<void>;
}

export function createAgentHeartbeat(opts: {
  endpoints: ResponderEndpoint[];
  flags: () => number;
  stopped: () => boolean;
  log: Logger;
}): AgentHeartbeat {
  const { log } = opts;
  // Until the controller sends this host's keys, pulses do not verify (they are counted as forged).
  const unknown = (): HbKeys => Object.fromEntries(HB_NETWORKS.map((n) => [n, randomBytes(64)]));
  let keys = unknown();
  let pulseKeys = unknown();
  let responder: Responder | undefined;
  let name: string | undefined;
  return {
    start: async (hostname) => {
      name = hostname;
      for (let delay = 0; !opts.stopped(); ) {
        try {
          responder = await startResponder({ keys, pulseKeys, hostname: name, endpoints: opts.endpoints, flags: opts.flags, log });
          return;
        } catch (e) {
          delay = nextBackoff(delay, { initialMs: 500, maxMs: 10_000 });
          log.error({ err: e instanceof Error ? e.message : e, retryInMs: delay }, 'cannot answer heartbeat');
          await new Promise((r) => setTimeout(r, delay).unref());
        }
      }
    },
    setKeys: (event) => {
      const k = heartbeatKeys(event);
      if (Object.keys(k.keys).length === 0) return;
      keys = k.keys;
      pulseKeys = k.pulseKeys;
      responder?.setKeys(keys, pulseKeys);
    },
    setHostname: (hostname) => {
      if (hostname === name) return;
      name = hostname;
      responder?.setHostname(hostname);
    },
    endpoints: () => responder?.endpoints() ?? [],
    close: async () => {
      const r = responder;
      responder = undefined;
      await r?.close();
    },
  };
}
