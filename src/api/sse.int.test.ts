// The event stream over a real loopback HTTP connection: the writer's head, keepalives and close,
// read back by the shared reader through the agent's HTTP client.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { httpRequest } from './http.ts';
import { openEventStream, readEventStream, type EventStream, type SseMessage } from './sse.ts';

const samples: [string, unknown][] = [
  ['hello', { hostname: 'controller-0' }],
  ['command', { id: 'c1', command: 'apply-config', host: { hostname: 'worker-0', interfaces: [] } }],
  ['alarm-set', { text: 'line one\nline two', unicode: 'µ — 雪 🐦' }],
  ['probe', null],
];

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
