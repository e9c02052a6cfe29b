import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { httpRequest } from './http.ts';
import { createSseParser, formatComment, formatEvent, openEventStream, readEventStream, type EventStream, type SseMessage } from './sse.ts';

const parseAll = (text: string, chunk = text.length): SseMessage[] => {
  const out: SseMessage[] = [];
  const p = createSseParser((m) => out.push(m));
  for (let i = 0; i < text.length; i += chunk) p.feed(text.slice(i, i + chunk));
  return out;
};

const samples: [string, unknown][] = [
  ['hello', { hostname: 'controller-0' }],
  ['command', { id: 'c1', command: 'apply-config', host: { hostname: 'worker-0', interfaces: [] } }],
  ['alarm-set', { text: 'line one\nline two\r\nthree', unicode: 'µ — 雪 🐦' }],
  ['probe', null],
  ['n', 'a string: with colon\n\nand a blank line'],
  ['x', [1, 2, { deep: { er: true } }]],
];

describe('server-sent events: writer and reader', () => {
  it('every event written is read back as written, whatever the chunking', () => {
    const text = formatComment('connected') + samples.map(([e, d]) => formatEvent(e, d)).join('') + formatComment('keepalive');
    const expected = samples.map(([event, d]) => ({ event, data: JSON.stringify(d) }));
    for (const chunk of [1, 2, 3, 7, 64, text.length]) expect(parseAll(text, chunk), `chunks of ${chunk}`).toEqual(expected);
    for (const m of parseAll(text)) expect(() => JSON.parse(m.data) as unknown).not.toThrow();
  });

  it('reads what other writers send: CRLF, several data lines, no space after the colon, an id, unnamed events', () => {
    const text = 'event: a\r\ndata: {"x":\r\ndata: 1}\r\n\r\nevent:b\ndata:2\nid: 7\n\ndata: plain\n\nretry: nope\nfoo: bar\nevent: c\ndata: 3\n\n';
    expect(parseAll(text)).toEqual([
      { event: 'a', data: '{"x":\n1}' },
      { event: 'b', data: '2', id: '7' },
      { event: 'message', data: 'plain' },
      { event: 'c', data: '3' },
    ]);
  });

  it('a frame cut before its blank line is not an event yet', () => {
    expect(parseAll('event: a\ndata: 1\n')).toEqual([]);
    expect(parseAll('event: a\ndata: 1\n\n')).toEqual([{ event: 'a', data: '1' }]);
  });

  it('an event larger than the limit ends the stream with an error, never a crash or unbounded memory', () => {
    const p = createSseParser(() => undefined, 1000);
    expect(() => p.feed(`event: big\ndata: ${'x'.repeat(2000)}`)).toThrow(/larger than 1000 characters/);
    expect(() => p.feed('\n\n')).toThrow(/larger than/);
  });

  it('refuses an event name that would break the framing', () => {
    expect(() => formatEvent('a\ndata: forged', {})).toThrow(/not a server-sent event name/);
    expect(() => formatEvent('', {})).toThrow();
  });
});

describe('an event stream over HTTP', () => {
  let server: http.Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = undefined;
  });

  it('the client reads each event, comments are skipped, and both ends see the close', async () => {
    let stream: EventStream | undefined;
    let serverClosed = 0;
    const opened = new Promise<void>((resolve) => {
      server = http.createServer((_req, res) => {
        stream = openEventStream(res, { keepaliveMs: 5, requestId: 'req-1', onClose: () => serverClosed++ });
        resolve();
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const { port } = server!.address() as AddressInfo;
    const res = await httpRequest(`http://127.0.0.1:${port}/`, { method: 'GET' });
    expect(res.header('content-type')).toBe('text/event-stream');
    expect(res.header('x-openstack-request-id')).toBe('req-1');
    await opened;
    const got: SseMessage[] = [];
    const reading = readEventStream(res.stream, (m) => {
      got.push(m);
      if (got.length === samples.length) stream!.close();
    });
    // Keepalive comments interleave with the events (every 5 ms) and are not events.
    for (const [e, d] of samples) {
      stream!.send(e, d);
      await new Promise((r) => setTimeout(r, 2));
    }
    await reading;
    expect(got.map((m) => [m.event, JSON.parse(m.data)])).toEqual(samples);
    expect(serverClosed).toBe(1);
    expect(stream!.closed).toBe(true);
    stream!.send('late', {}); // after the close: dropped, not thrown
  });

  it('the client going away closes the stream on the server once', async () => {
    let closed!: () => void;
    const serverClosed = new Promise<void>((r) => (closed = r));
    let calls = 0;
    server = http.createServer((_req, res) => {
      openEventStream(res, { keepaliveMs: 1000, onClose: () => (calls++, closed()) }).send('hello', {});
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const ac = new AbortController();
    const res = await httpRequest(`http://127.0.0.1:${port}/`, { method: 'GET', signal: ac.signal });
    res.stream.destroy();
    ac.abort();
    await serverClosed;
    expect(calls).toBe(1);
  });
});
