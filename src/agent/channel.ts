// The agent's end of its channel: reads the controller's server-sent events with the shared reader
// (src/api/sse.ts), checks each against the protocol (src/agentlink/protocol.ts) and hands the
// good ones on, typed; and keeps the channel open, reconnecting at once after a channel that was
// open, with backoff after a failure, and not at all while the host is "rebooting".

import type { Logger } from '../common/log.ts';
import { StarlingError } from '../common/errors.ts';
import { readEventStream } from '../api/sse.ts';
import { nextBackoff } from '../runtime/backoff.ts';
import { decodeChannelEvent, type ChannelEvent } from '../agentlink/protocol.ts';

export interface ChannelHandlers {
  onEvent(e: ChannelEvent): void;
  /** A command this agent cannot carry out as sent (bad data, a name it does not know): the
   *  controller is answered at once rather than left to time out. */
  onBadCommand(id: string, error: string): void;
}

/** Reads a channel until it ends. A bad event is logged and skipped, never thrown. */
export async function readChannel(stream: AsyncIterable<Uint8Array | string>, handlers: ChannelHandlers, log: Logger): Promise<void> {
  await readEventStream(stream, (m) => {
    const r = decodeChannelEvent(m.event, m.data);
    if (r.ok === true) return handlers.onEvent(r.value);
    if (r.ok === 'unknown') return log.debug({ event: r.event }, 'controller event this agent does not know: ignored');
    log.warn({ event: m.event, field: r.field, err: r.error }, 'controller event refused');
    if (m.event === 'command') {
      const id = commandId(m.data);
      if (id !== undefined) handlers.onBadCommand(id, r.error);
    }
  });
}

/** The id of a command that failed its check, when it has a usable one. */
function commandId(data: string): string | undefined {
  try {
    const id = (JSON.parse(data) as { id?: unknown } | null)?.id;
    return typeof id === 'string' && id.length > 0 && id.length <= 64 ? id : undefined;
  } catch {
    return undefined; // not JSON: nothing to answer to
  }
}

/**
 * Opens the channel again and again until stopped: `open` resolves when an open channel ends
 * (reconnect at once) and throws when it could not open (reconnect after a backoff up to 30 s).
 * While `power()` is aborted (the host reboots) no attempt is made.
 */
export async function keepChannel(opts: {
  open: (signal: AbortSignal) => Promise<void>;
  power: () => AbortSignal;
  stopped: () => boolean;
  log: Logger;
  /** Waits (tests inject their own time); by default a wait ends early once `stopping` aborts. */
  sleep?: (ms: number) => Promise<void>;
  stopping?: AbortSignal;
}): Promise<void> {
  const sleep = opts.sleep ?? ((ms: number) => wait(ms, opts.stopping));
  let delay = 0;
  while (!opts.stopped()) {
    const signal = opts.power();
    try {
      await opts.open(signal);
      delay = 0;
    } catch (e) {
      if (opts.stopped()) break;
      if (!signal.aborted) {
        delay = nextBackoff(delay, { initialMs: 500, maxMs: 30_000 });
        opts.log.warn({ err: e instanceof StarlingError ? e.message : e, retryInMs: delay }, 'controller channel failed');
      }
    }
    if (opts.stopped()) break;
    // A reboot in progress aborts the channel: wait for the host to "boot" before reconnecting.
    while (opts.power().aborted && !opts.stopped()) await sleep(50);
    await sleep(delay);
  }
}

/** Resolves after `ms`, or at once when `signal` aborts (a stopping agent does not sit out a 30 s backoff). */
function wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    timer.unref();
    signal?.addEventListener('abort', done, { once: true });
  });
}
