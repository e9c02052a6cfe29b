// Server-sent events, both ends: the one writer the controller's streams use (the agent channel,
// the alarm stream) and the one reader clients use (the agent reading its channel).
//
// Reading uses `eventsource-parser` (rexxars; zero dependencies, ~80 M weekly downloads, the
// parser under the `eventsource` client and most AI SDKs): it follows the WHATWG algorithm our
// hand-made reader did not (CR, LF and CRLF line ends, a data field over several lines, a field
// without a space after the colon, a BOM, comments), holds a frame cut across chunks, and bounds
// what it buffers. Its 3.x line is kept because 4.x needs Node 22. Writing is ~20 lines
// (`eventsource-encoder` would add a package for less than that), so it is ours.

import type { ServerResponse } from 'node:http';
import { createParser } from 'eventsource-parser';
import { StarlingError } from '../common/errors.ts';

/** One event as it travels: a name and its data, JSON-encoded by the writer. */
export interface SseMessage {
  event: string;
  data: string;
  id?: string;
}

const NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** One event's frame. Data is JSON (newlines escaped), split on line ends all the same so that
 *  any text stays one event. */
export function formatEvent(event: string, data: unknown, id?: string): string {
  if (!NAME.test(event)) throw new StarlingError('INTERNAL', `not a server-sent event name: ${JSON.stringify(event)}`);
  const text = JSON.stringify(data) ?? 'null';
  const lines = text.split(/\r\n|\r|\n/).map((l) => `data: ${l}\n`);
  return `${id === undefined ? '' : `id: ${id.replace(/[\r\n]/g, '')}\n`}event: ${event}\n${lines.join('')}\n`;
}

/** A comment frame: ignored by readers, keeps proxies and NAT tables from closing an idle stream. */
export function formatComment(text: string): string {
  return text
    .split(/\r\n|\r|\n/)
    .map((l) => `: ${l}\n`)
    .join('')
    .concat('\n');
}

export interface EventStream {
  send(event: string, data: unknown): void;
  comment(text: string): void;
  /** Ends the response (the client sees the stream end). */
  close(): void;
  readonly closed: boolean;
}

/**
 * Turns a response into an event stream: the head, a keepalive comment every `keepaliveMs`, and
 * `onClose` once, whoever closes it (this side with close(), or the client going away).
 * The caller has taken the response from its framework (Fastify: `reply.hijack()`).
 */
export function openEventStream(
  res: ServerResponse,
  opts: { keepaliveMs: number; requestId?: string; onClose?: () => void },
): EventStream {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    ...(opts.requestId === undefined ? {} : { 'x-openstack-request-id': opts.requestId }),
  });
  let closed = false;
  const timer = setInterval(() => write(formatComment('keepalive')), opts.keepaliveMs);
  timer.unref();
  const finish = (): void => {
    if (closed) return;
    closed = true;
    clearInterval(timer);
    opts.onClose?.();
  };
  const write = (frame: string): void => {
    if (!closed && !res.writableEnded) res.write(frame);
  };
  res.on('close', finish);
  return {
    send: (event, data) => write(formatEvent(event, data)),
    comment: (text) => write(formatComment(text)),
    close: () => {
      finish();
      if (!res.writableEnded) res.end();
    },
    get closed() {
      return closed;
    },
  };
}

/** The most a reader holds of one event still arriving: a larger one ends the stream with an error. */
export const SSE_MAX_EVENT_CHARS = 8 * 1024 * 1024;

/**
 * Reads a stream of server-sent events, calling `onEvent` for each complete event (an event
 * without a name is named `message`, as browsers do). Resolves when the stream ends.
 */
export async function readEventStream(
  stream: AsyncIterable<Uint8Array | string>,
  onEvent: (m: SseMessage) => void,
  maxEventChars = SSE_MAX_EVENT_CHARS,
): Promise<void> {
  const parser = createSseParser(onEvent, maxEventChars);
  const decoder = new TextDecoder();
  for await (const chunk of stream) parser.feed(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
  parser.feed(decoder.decode());
}

/** A push parser: feed it text as it comes (frames may be cut anywhere). `feed` throws
 *  once an event outgrows `maxEventChars` (the stream is then unusable: reconnect). */
export function createSseParser(onEvent: (m: SseMessage) => void, maxEventChars = SSE_MAX_EVENT_CHARS): { feed(text: string): void } {
  let overflow: Error | undefined;
  const parser = createParser({
    maxBufferSize: maxEventChars,
    onEvent: (e) => onEvent({ event: e.event ?? 'message', data: e.data, ...(e.id === undefined ? {} : { id: e.id }) }),
    // Unknown fields and a bad retry value are ignored, as the standard says; an event too large
    // to hold ends the stream.
    onError: (e) => {
      if (e.type === 'max-buffer-size-exceeded') overflow = e;
    },
  });
  return {
    feed: (text) => {
      if (overflow === undefined) parser.feed(text);
      if (overflow !== undefined)
        throw new StarlingError('PAYLOAD_TOO_LARGE', `a server-sent event is larger than ${maxEventChars} characters`, { cause: overflow });
    },
  };
}
