// The agents connected to this controller right now, each over its long-lived channel, and the
// way to push an event down a channel. In memory on purpose: a connection lives only as long as
// this process.

export interface AgentSession {
  hostname: string;
  version: string;
  source: string;
  connected_at: string;
}

interface Entry extends AgentSession {
  close: () => void;
  send: (event: string, data: unknown) => void;
  since: number;
}

export type ConnectListener = (hostname: string) => void;

export class AgentRegistry {
  private readonly sessions = new Map<string, Entry>();
  private readonly listeners: ConnectListener[] = [];

  /** Registers a channel; a newer channel of the same host replaces (and closes) the older one. */
  connect(session: AgentSession, close: () => void, send: (event: string, data: unknown) => void = () => undefined): () => void {
    this.sessions.get(session.hostname)?.close();
    const entry: Entry = { ...session, close, send, since: Date.now() };
    this.sessions.set(session.hostname, entry);
    for (const l of this.listeners) l(session.hostname);
    return () => {
      if (this.sessions.get(session.hostname) === entry) this.sessions.delete(session.hostname);
    };
  }

  /** Called with the hostname each time an agent's channel opens. */
  onConnect(listener: ConnectListener): void {
    this.listeners.push(listener);
  }

  /** When the host's current channel opened (ms since the epoch), if it has one. */
  connectedSince(hostname: string): number | undefined {
    return this.sessions.get(hostname)?.since;
  }

  /** Pushes an event to the host's agent; false when it has no channel. */
  send(hostname: string, event: string, data: unknown): boolean {
    const s = this.sessions.get(hostname);
    if (!s) return false;
    s.send(event, data);
    return true;
  }

  list(): AgentSession[] {
    return [...this.sessions.values()]
      .map(({ close: _close, send: _send, since: _since, ...s }) => s)
      .sort((a, b) => a.hostname.localeCompare(b.hostname));
  }

  closeAll(): void {
    for (const s of this.sessions.values()) s.close();
    this.sessions.clear();
  }
}
