import { describe, expect, it } from 'vitest';
import { AUDIT_LIMITS, sanitiseEntry, sanitiseInt, sanitiseNumber, sanitiseText } from './sanitise.ts';

describe('sanitiseText', () => {
  it.each([
    ['a plain string', 'admin', 'admin'],
    ['null', null, null],
    ['undefined', undefined, null],
    ['a NUL byte', '/v1/ihosts/\u0000', '/v1/ihosts/\uFFFD'],
    ['a lone high surrogate', 'a\uD800b', 'a\uFFFDb'],
    ['a lone low surrogate', '\uDC00', '\uFFFD'],
    ['a surrogate pair (kept)', 'x\uD83D\uDE00', 'x\uD83D\uDE00'],
    ['a number', 42, '42'],
    ['a boolean', false, 'false'],
    ['a nested array', [[['a', ['b']]], { c: 1 }], '[[["a",["b"]]],{"c":1}]'],
    ['an object with a NUL (JSON escapes it)', { n: '\u0000' }, '{"n":"\\u0000"}'],
  ])('%s', (_, input, expected) => {
    expect(sanitiseText(input, 255)).toBe(expected);
  });

  it('cuts text longer than the limit with an ellipsis', () => {
    const s = sanitiseText('x'.repeat(8200), 255)!;
    expect(s.length).toBe(255);
    expect(s.endsWith('…')).toBe(true);
  });

  it('never cuts inside a surrogate pair', () => {
    const s = sanitiseText('a' + '\uD83D\uDE00'.repeat(10), 4)!;
    expect(s).toBe('a\uD83D\uDE00…');
  });

  it('bounds the JSON of a deep or huge structure without failing', () => {
    let deep: unknown = [];
    for (let i = 0; i < 20_000; i++) deep = [deep];
    const s = sanitiseText(deep, 255);
    expect(typeof s).toBe('string');
    expect(s!.length).toBeLessThanOrEqual(255);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(sanitiseText(cyclic, 255)).toBe('[object]');
  });
});

describe('sanitiseInt and sanitiseNumber', () => {
  it.each([
    [201, 201],
    [201.7, 201],
    ['404', 404],
    [Infinity, 0],
    [NaN, 0],
    [1e12, 2_147_483_647],
    [[1], 0],
  ])('%s → %s', (input, expected) => {
    expect(sanitiseInt(input, 0)).toBe(expected);
  });
  it('keeps finite numbers only', () => {
    expect(sanitiseNumber(1.5)).toBe(1.5);
    expect(sanitiseNumber(Infinity)).toBeNull();
    expect(sanitiseNumber('1')).toBeNull();
  });
});

describe('sanitiseEntry', () => {
  it('stores strings, integers or null only, bounded, whatever the fields held', () => {
    const e = sanitiseEntry({
      kind: 'api',
      user_name: [[['a']]],
      method: 'DELETE',
      path: '/v1/ihosts/%00\u0000',
      target: 'host_uuid=\u0000',
      status: 401,
      source: '127.0.0.1',
      request_id: 'req-1',
      duration_ms: 1.25,
      command: 'x'.repeat(10_000),
    });
    expect(e).toMatchObject({
      kind: 'api',
      user_id: null,
      user_name: '[[["a"]]]',
      path: '/v1/ihosts/%00\uFFFD',
      target: 'host_uuid=\uFFFD',
      status: 401,
      duration_ms: 1.25,
    });
    expect(e.command!.length).toBe(AUDIT_LIMITS.command);
  });
  it('an unknown kind is recorded as api', () => {
    expect(sanitiseEntry({ kind: 'evil', status: 0 }).kind).toBe('api');
  });
});
