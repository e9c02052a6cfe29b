// The identity a system controller keeps the same on its subclouds (dcorch's identity sync): the
// Default domain's users (with their password hashes), projects, roles and role assignments, by
// name, in one canonical form both sides compare. Pure.

export interface SyncUser {
  name: string;
  enabled: boolean;
  password_hash: string;
  email: string | null;
  default_project: string | null;
}
export interface SyncProject {
  name: string;
  description: string;
  enabled: boolean;
}
export interface IdentitySnapshot {
  users: SyncUser[];
  projects: SyncProject[];
  roles: string[];
  /** [user, project, role] names. */
  assignments: [string, string, string][];
}

const byName = <T extends { name: string }>(a: T, b: T): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** The snapshot sorted, as one string: equal identities give equal strings (and digests). */
export function canonicalSnapshot(s: IdentitySnapshot): string {
  const users = [...s.users].sort(byName).map((u) => [u.name, u.enabled, u.password_hash, u.email, u.default_project]);
  const projects = [...s.projects].sort(byName).map((p) => [p.name, p.description, p.enabled]);
  const roles = [...s.roles].sort();
  const assignments = [...s.assignments].map((a) => a.join('\u0000')).sort();
  return JSON.stringify({ users, projects, roles, assignments });
}

/** Leaves the named users (the subcloud's own logins) and their assignments out. */
export function withoutUsers(s: IdentitySnapshot, exclude: readonly string[]): IdentitySnapshot {
  const out = new Set(exclude);
  return { ...s, users: s.users.filter((u) => !out.has(u.name)), assignments: s.assignments.filter(([u]) => !out.has(u)) };
}

/** A subcloud's identity seen only where the system controller's reaches: the users, projects and
 *  roles it has too, and those users' assignments (the site's own additions are not drift). */
export function restrictTo(sub: IdentitySnapshot, central: IdentitySnapshot): IdentitySnapshot {
  const users = new Set(central.users.map((u) => u.name));
  const projects = new Set(central.projects.map((p) => p.name));
  const roles = new Set(central.roles);
  return {
    users: sub.users.filter((u) => users.has(u.name)),
    projects: sub.projects.filter((p) => projects.has(p.name)),
    roles: sub.roles.filter((r) => roles.has(r)),
    assignments: sub.assignments.filter(([u]) => users.has(u)),
  };
}

/** The users and projects a subcloud holds because an identity sync brought them. */
export interface SyncedNames {
  users: string[];
  projects: string[];
}

/** Does the subcloud hold the system controller's identity — and nothing synced that the system
 *  controller has since deleted (`synced`, when the subcloud says what was synced)? */
export function inSync(sub: IdentitySnapshot, central: IdentitySnapshot, synced?: SyncedNames): boolean {
  if (synced && staleSynced(synced, central).length > 0) return false;
  return canonicalSnapshot(restrictTo(sub, central)) === canonicalSnapshot(central);
}

/** What a subcloud holds from an earlier sync that the system controller no longer has (to delete). */
export function staleSynced(synced: SyncedNames, central: IdentitySnapshot): string[] {
  const users = new Set(central.users.map((u) => u.name));
  const projects = new Set(central.projects.map((p) => p.name));
  return [...synced.users.filter((u) => !users.has(u)).map((u) => `user ${u}`), ...synced.projects.filter((p) => !projects.has(p)).map((p) => `project ${p}`)];
}
