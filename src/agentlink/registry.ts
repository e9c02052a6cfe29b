// The agents connected to this controller right now, each over its long-lived channel, and the
// way to push an event down a channel. In memory on purpose: a connection lives only as long as
// this process. One channel per host: a second one is refused while the first is alive, so that
// opening a channel can never silently cut the real agent off. What goes down a channel is typed
// by the protocol (protocol.ts): an event name fixes its payload's type.

import type { AgentCommand, ChannelEventData, ChannelEventName, ChannelSend } from './protocol.ts';

export interface AgentSession {
  hostname: string;
  host_uuid: string;
  version: string;
  source: string;
  connected_at: string;
}

interface Entry extends AgentSession {
  /** The agent process's instance id: the same agent reconnecting replaces its own channel. */
  instance: string;
  close: () => void;
  send: ChannelSend;
  since: number;
  /** When the agent last showed it is alive on this channel (opened it, answered a probe). */
  seen: number;
  probe: { nonce: string; answered: () => void } | undefined;
}

export type ConnectListener = (session: AgentSession) => void;

/** A channel with no sign of life for longer than this is probed before it is refused to another. */
export const CHANNEL_STALE_MS = 5_000;
/** How long the agent of a probed channel has to answer (POST /v1/agents/channel/alive). */
export const CHANNEL_PROBE_MS = 2_000;

export type ClaimResult = 'free' | 'busy';

export class AgentRegistry {
  private readonly sessions = new Map<string, Entry>();
  private readonly listeners: ConnectListener[] = [];
  private readonly closeListeners: ConnectListener[] = [];

  constructor(
    private readonly now: () => number = Date.now,
    private readonly probeMs = CHANNEL_PROBE_MS,
  ) {}

  /**
   * Whether an agent instance may open a channel for the host: 'free' when the host has none, when
   * it is the same instance reconnecting, or when the current channel is stale (no sign of life for
   * CHANNEL_STALE_MS and no answer to a probe within CHANNEL_PROBE_MS); 'busy' otherwise.
   */
  async claim(hostname: string, instance: string, nonce: string): Promise<ClaimResult> {
    const e = this.sessions.get(hostname);
    if (!e || e.instance === instance) return 'free';
    if (this.now() - e.seen <= CHANNEL_STALE_MS) return 'busy';
    const answered = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), this.probeMs);
      e.probe = {
        nonce,
        answered: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      e.send('probe', { nonce });
    });
    if (e.probe?.nonce === nonce) e.probe = undefined;
    // The channel may have closed, or another opened, while it was probed: judge the one there now.
    const current = this.sessions.get(hostname);
    if (current !== e) return current === undefined ? 'free' : this.claim(hostname, instance, nonce);
    return answered ? 'busy' : 'free';
  }

  /** The agent of the host's channel answers a probe (or just says it is alive). */
  alive(hostname: string, instance: string, nonce: string | undefined): boolean {
    const e = this.sessions.get(hostname);
    if (!e || e.instance !== instance) return false;
    e.seen = this.now();
    if (e.probe !== undefined && (nonce === undefined || nonce === e.probe.nonce)) e.probe.answered();
    return true;
  }

  /** Registers a channel; one the host already had (the same agent's, or a stale one) is closed. */
  connect(
    session: AgentSession,
    instance: string,
    close: () => void,
    send: ChannelSend = () => undefined,
  ): () => void {
    this.sessions.get(session.hostname)?.close();
    const now = this.now();
    const entry: Entry = { ...session, instance, close, send, since: now, seen: now, probe: undefined };
    this.sessions.set(session.hostname, entry);
    for (const l of this.listeners) l({ ...session });
    return () => {
      if (this.sessions.get(session.hostname) !== entry) return; // replaced: not a disconnect
      this.sessions.delete(session.hostname);
      for (const l of this.closeListeners) l({ ...session });
    };
  }

  /** Called with the session each time an agent's channel opens. */
  onConnect(listener: ConnectListener): void {
    this.listeners.push(listener);
  }

  /** Called with the session when a host's channel closes and no other has replaced it. */
  onDisconnect(listener: ConnectListener): void {
    this.closeListeners.push(listener);
  }

  /** When the host's current channel opened (ms since the epoch), if it has one. */
  connectedSince(hostname: string): number | undefined {
    return this.sessions.get(hostname)?.since;
  }

  /** Pushes an event to the host's agent; false when it has no channel. */
  send<E extends ChannelEventName>(hostname: string, event: E, data: ChannelEventData<E>): boolean {
    const s = this.sessions.get(hostname);
    if (!s) return false;
    s.send(event, data);
    return true;
  }

  /** Sends a command to the host's agent (its answer comes to POST /v1/agents/commands/:id);
   *  false when the host has no channel. */
  sendCommand(hostname: string, command: AgentCommand): boolean {
    return this.send(hostname, 'command', command);
  }

  list(): AgentSession[] {
    return [...this.sessions.values()]
      .map(({ hostname, host_uuid, version, source, connected_at }) => ({ hostname, host_uuid, version, source, connected_at }))
      .sort((a, b) => a.hostname.localeCompare(b.hostname));
  }

  closeAll(): void {
    for (const s of this.sessions.values()) s.close();
    this.sessions.clear();
  }
}
