// The alarm stream (GET /v1/alarms/stream, server-sent events of every alarm set/clear, log and
// suppression change). A browser's EventSource cannot send the token header, so the stream is
// read with fetch and parsed by eventsource-parser (the parser the server's reader uses too).
// It reconnects after a drop (1 s, then up to 15 s apart) and ends the session on a 401.

import { createParser } from 'eventsource-parser';
import { currentSession, endSession, streamUrl } from './api.ts';

export interface FaultNotification {
  kind: 'alarm-set' | 'alarm-clear' | 'log' | 'suppression';
  alarm_uuid?: string | null;
  alarm_id?: string;
  event?: { severity?: string; entity_instance_id?: string; reason_text?: string; event_log_id?: string };
}

export type StreamState = 'connecting' | 'live' | 'reconnecting';

/** Follows the stream until the returned function is called. */
export function followAlarmStream(onEvent: (n: FaultNotification) => void, onState: (s: StreamState) => void): () => void {
  const abort = new AbortController();
  let delay = 1000;
  const run = async (): Promise<void> => {
    while (!abort.signal.aborted) {
      const s = currentSession();
      if (s === undefined) return;
      try {
        const res = await fetch(streamUrl('v1/alarms/stream'), {
          headers: { 'x-auth-token': s.token, accept: 'text/event-stream' },
          signal: abort.signal,
          cache: 'no-store',
        });
        if (res.status === 401) {
          endSession('Your session has ended (the token expired or was revoked): log in again.');
          return;
        }
        if (!res.ok || res.body === null) throw new Error(`stream answered ${res.status}`);
        onState('live');
        delay = 1000;
        const parser = createParser({
          onEvent: (e) => {
            try {
              onEvent({ ...(JSON.parse(e.data) as FaultNotification), kind: (e.event ?? 'log') as FaultNotification['kind'] });
            } catch {
              // a malformed frame is skipped
            }
          },
        });
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          parser.feed(value);
        }
      } catch {
        if (abort.signal.aborted) return;
      }
      onState('reconnecting');
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 15_000);
    }
  };
  onState('connecting');
  void run();
  return () => abort.abort();
}
