import { describe, expect, it } from 'vitest';
import { createSseParser, formatComment, formatEvent, type SseMessage } from './sse.ts';

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
