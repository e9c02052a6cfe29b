// LISTEN/NOTIFY: one dedicated connection per process that hands each notification of a channel
// to the process's subscribers, and reconnects (with backoff) if the database goes away.

import pg from 'pg';
import type { Logger } from '../common/log.ts';
import { nextBackoff } from '../runtime/backoff.ts';

export type NotificationHandler = (payload: string) => void;

export class Listener {
  private client: pg.Client | undefined;
  private readonly handlers = new Map<string, Set<NotificationHandler>>();
  private readonly connectionHandlers = new Set<(up: boolean) => void>();
  private stopped = false;
  private delay = 0;
  private connecting: Promise<void> | undefined;

  constructor(
    private readonly url: string,
    private readonly log: Logger,
  ) {}

  /** Subscribes to a channel; returns the unsubscribe. */
  async on(channel: string, handler: NotificationHandler): Promise<() => void> {
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      if (this.client) await this.client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    }
    set.add(handler);
    await (this.connecting ??= this.connect());
    return () => set.delete(handler);
  }

  /** Told when the connection is lost (false) and back (true): notifications sent in between are
   *  lost, so a subscriber that caches must not trust its cache across the gap. */
  onConnectionChange(handler: (up: boolean) => void): () => void {
    this.connectionHandlers.add(handler);
    return () => this.connectionHandlers.delete(handler);
  }

  private connectionChanged(up: boolean): void {
    for (const h of this.connectionHandlers) {
      try {
        h(up);
      } catch (e) {
        this.log.error({ err: e }, 'notification connection handler failed');
      }
    }
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', (n) => {
      for (const h of this.handlers.get(n.channel) ?? []) {
        try {
          h(n.payload ?? '');
        } catch (e) {
          this.log.error({ err: e, channel: n.channel }, 'notification handler failed');
        }
      }
    });
    client.on('error', (e) => this.log.warn({ err: e }, 'notification connection error'));
    client.on('end', () => {
      this.client = undefined;
      this.connectionChanged(false);
      if (!this.stopped) this.reconnectLater();
    });
    await client.connect();
    for (const channel of this.handlers.keys()) await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    this.client = client;
    this.delay = 0;
    this.connectionChanged(true);
  }

  private reconnectLater(): void {
    this.delay = nextBackoff(this.delay, { initialMs: 200, maxMs: 10_000 });
    setTimeout(() => {
      if (this.stopped) return;
      this.connect().catch((e: unknown) => {
        this.log.warn({ err: e, retryInMs: this.delay }, 'notification connection failed');
        this.reconnectLater();
      });
    }, this.delay).unref();
  }

  async close(): Promise<void> {
    this.stopped = true;
    await this.connecting?.catch(() => undefined);
    await this.client?.end().catch(() => undefined);
  }
}
