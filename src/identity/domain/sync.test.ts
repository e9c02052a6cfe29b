import { describe, expect, it } from 'vitest';
import { canonicalSnapshot, inSync, staleSynced, withoutUsers, type IdentitySnapshot } from './sync.ts';

const central: IdentitySnapshot = {
  users: [
    { name: 'ops', enabled: true, password_hash: 'h1', email: null, default_project: 'admin' },
    { name: 'admin', enabled: true, password_hash: 'ha', email: null, default_project: null },
  ],
  projects: [{ name: 'admin', description: '', enabled: true }],
  roles: ['admin', 'reader'],
  assignments: [['ops', 'admin', 'reader'], ['admin', 'admin', 'admin']],
};

describe('identity sync snapshot', () => {
  it('is canonical: order does not matter', () => {
    const shuffled = { ...central, users: [...central.users].reverse(), roles: ['reader', 'admin'], assignments: [...central.assignments].reverse() };
    expect(canonicalSnapshot(shuffled)).toBe(canonicalSnapshot(central));
  });

  it('leaves excluded users and their assignments out', () => {
    const s = withoutUsers(central, ['admin']);
    expect(s.users.map((u) => u.name)).toEqual(['ops']);
    expect(s.assignments).toEqual([['ops', 'admin', 'reader']]);
  });

  it("ignores the subcloud's own users, projects and roles, but not a changed password, state or assignment", () => {
    const sub: IdentitySnapshot = {
      users: [...central.users, { name: 'local', enabled: true, password_hash: 'x', email: null, default_project: null }],
      projects: [...central.projects, { name: 'site', description: '', enabled: true }],
      roles: [...central.roles, 'member'],
      assignments: [...central.assignments, ['local', 'site', 'member']],
    };
    expect(inSync(sub, central)).toBe(true);
    expect(inSync({ ...sub, users: sub.users.map((u) => (u.name === 'ops' ? { ...u, password_hash: 'h2' } : u)) }, central)).toBe(false);
    expect(inSync({ ...sub, users: sub.users.map((u) => (u.name === 'ops' ? { ...u, enabled: false } : u)) }, central)).toBe(false);
    expect(inSync({ ...sub, assignments: [...sub.assignments, ['ops', 'site', 'member']] }, central)).toBe(false);
    expect(inSync({ ...sub, users: sub.users.filter((u) => u.name !== 'ops') }, central)).toBe(false);
  });

  it('finds what a sync brought and the system controller has since deleted; the site\'s own is not drift', () => {
    const sub: IdentitySnapshot = {
      ...central,
      users: [...central.users, { name: 'gone', enabled: true, password_hash: 'g', email: null, default_project: null }, { name: 'local', enabled: true, password_hash: 'x', email: null, default_project: null }],
      projects: [...central.projects, { name: 'old', description: '', enabled: true }],
    };
    expect(staleSynced({ users: ['ops', 'gone'], projects: ['admin', 'old'] }, central)).toEqual(['user gone', 'project old']);
    expect(inSync(sub, central, { users: ['ops', 'gone'], projects: ['admin'] })).toBe(false);
    expect(inSync(sub, central, { users: ['ops'], projects: ['admin'] })).toBe(true);
    // A subcloud that does not say what was synced is compared as before.
    expect(inSync(sub, central)).toBe(true);
  });
});
