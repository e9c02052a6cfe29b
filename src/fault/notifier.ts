// Fans the fault channel's notifications (every alarm set/clear, log and suppression change,
// committed by any controller process) out to this process's subscribers: the alarm stream and
// the SNMP trap sender.

import type { Logger } from '../common/log.ts';
import type { Listener } from '../db/index.ts';
import { NOTIFY_CHANNEL, type FaultNotification } from './service.ts';

export type FaultSubscriber = (n: FaultNotification) => void;

export class FaultNotifier {
  private readonly subscribers = new Set<FaultSubscriber>();

  constructor(
    private readonly listener: Listener,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    await this.listener.on(NOTIFY_CHANNEL, (payload) => {
      let n: FaultNotification;
      try {
        n = JSON.parse(payload) as FaultNotification;
      } catch (e) {
        this.log.warn({ err: e }, 'malformed fault notification dropped');
        return;
      }
      for (const s of this.subscribers) s(n);
    });
  }

  subscribe(s: FaultSubscriber): () => void {
    this.subscribers.add(s);
    return () => this.subscribers.delete(s);
  }
}
