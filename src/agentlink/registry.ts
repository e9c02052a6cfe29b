// The agents connected to this controller right now, each over its long-lived channel.
// In memory on purpose: a connection lives only as long as this process.

export interface AgentSession {
  hostname: string;
  version: string;
  source: string;
  connected_at: string;
}

export class AgentRegistry {
  private readonly sessions = new Map<string, AgentSession & { close: () => void }>();

  /** Registers a channel; a newer channel of the same host replaces (and closes) the older one. */
  connect(session: AgentSession, close: () => void): () => void {
    this.sessions.get(session.hostname)?.close();
    const entry = { ...session, close };
    this.sessions.set(session.hostname, entry);
    return () => {
      if (this.sessions.get(session.hostname) === entry) this.sessions.delete(session.hostname);
    };
  }

  list(): AgentSession[] {
    return [...this.sessions.values()]
      .map(({ close: _close, ...s }) => s)
      .sort((a, b) => a.hostname.localeCompare(b.hostname));
  }

  closeAll(): void {
    for (const s of this.sessions.values()) s.close();
    this.sessions.clear();
  }
}
