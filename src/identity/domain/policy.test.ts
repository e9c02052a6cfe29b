import { describe, expect, it } from 'vitest';
import { allows, defaultAccess, type Access } from './policy.ts';

describe('policy', () => {
  const cases: [Access, string[], boolean][] = [
    ['public', [], true],
    ['authenticated', [], true],
    ['read', ['reader'], true],
    ['read', ['member'], true],
    ['read', ['admin'], true],
    ['read', [], false],
    ['read', ['something-else'], false],
    ['admin', ['admin'], true],
    ['admin', ['reader'], false],
    ['admin', ['member'], false],
    ['admin', ['reader', 'member'], false],
    ['admin', ['reader', 'admin'], true],
  ];
  it.each(cases)('%s with roles %j → %s', (access, roles, expected) => {
    expect(allows(access, roles)).toBe(expected);
  });

  it('reads need read, changes need admin', () => {
    expect(defaultAccess('GET')).toBe('read');
    expect(defaultAccess('HEAD')).toBe('read');
    for (const m of ['POST', 'PUT', 'PATCH', 'DELETE']) expect(defaultAccess(m)).toBe('admin');
  });
});
