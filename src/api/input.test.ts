import { describe, expect, it } from 'vitest';
import { StarlingError } from '../common/errors.ts';
import { MAX_DEPTH, checkInput, findBadJson, findBadParams, locateValue, quotedValue } from './input.ts';

const deep = (n: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < n; i++) v = [v];
  return v;
};

describe('findBadJson', () => {
  it.each([
    ['a NUL in a nested string', { user: { name: 'a\u0000' } }, '/user/name', 'NUL'],
    ['a lone high surrogate', { name: '\uD800' }, '/name', 'surrogate'],
    ['a lone low surrogate in an array', { list: ['ok', '\uDC00x'] }, '/list/1', 'surrogate'],
    ['Infinity (1e999 parsed)', { count: Infinity }, '/count', 'finite'],
    ['NaN at the top', NaN, '/', 'finite'],
    ['a NUL in a key', { 'a\u0000': 1 }, '/a\u0000', 'NUL'],
    ['20,000-deep nesting', deep(20_000), '/' + Array(MAX_DEPTH).fill('0').join('/'), 'deeper'],
  ])('%s', (_, value, field, problem) => {
    const bad = findBadJson(value);
    expect(bad?.field).toBe(field);
    expect(bad?.problem).toContain(problem);
  });

  it.each([
    ['plain data', { name: 'controller-0', n: 1.5, ok: true, none: null, list: [1, 'x'] }],
    ['a surrogate pair', { name: 'x\uD83D\uDE00' }],
    ['nesting at the limit', deep(MAX_DEPTH)],
  ])('accepts %s', (_, value) => {
    expect(findBadJson(value)).toBeUndefined();
  });

  it('escapes pointer characters', () => {
    expect(findBadJson({ 'a/b~c': '\u0000' })?.field).toBe('/a~1b~0c');
  });
});

describe('findBadParams and checkInput', () => {
  it('names the parameter', () => {
    expect(findBadParams({ host_id: '\u0000' })?.field).toBe('host_id');
    expect(findBadParams({ limit: Infinity })?.field).toBe('limit');
    expect(findBadParams({ 'q.value': ['ok', '\u0000'] })?.field).toBe('q.value/1');
  });
  it('throws a 400 naming the field', () => {
    try {
      checkInput('body', { a: { b: '\u0000' } });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(StarlingError);
      expect((e as StarlingError).status).toBe(400);
      expect((e as StarlingError).field).toBe('/a/b');
    }
    expect(() => checkInput('querystring', { limit: 10 })).not.toThrow();
  });
});

describe('naming the field of a value PostgreSQL refused', () => {
  it.each([
    ['invalid input syntax for type uuid: "0"', '0'],
    ['value "100000000000000000000" is out of range for type bigint', '100000000000000000000'],
    ['invalid input syntax for type timestamp with time zone: "x y"', 'x y'],
    ['something else', undefined],
  ])('%s', (message, value) => {
    expect(quotedValue(message)).toBe(value);
  });
  it('finds the value in path, query or body', () => {
    expect(locateValue('0', { params: { alarm_uuid: '0' } })).toBe('alarm_uuid');
    expect(locateValue('x', { query: { 'q.field': 'uuid', 'q.value': 'x' } })).toBe('q.value');
    expect(locateValue('x', { query: { 'q.value': ['a', 'x'] } })).toBe('q.value');
    expect(locateValue('x', { body: { host: { id: 'x' } } })).toBe('/host/id');
    expect(locateValue('7', { body: { n: 7 } })).toBe('/n');
    expect(locateValue('zz', { body: { n: 7 } })).toBeUndefined();
  });
});
