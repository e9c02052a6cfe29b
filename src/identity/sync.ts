// The subcloud end of identity sync (StarlingX's dcdbsync for Keystone): export the Default
// domain's identity, and make it equal to the system controller's, by name, in one transaction.
// What the sync brings is marked (dc_synced): those users and projects are deleted here when the
// system controller no longer has them; the site's own are kept. A changed password or a disabled
// user revokes that user's tokens, as Keystone does.

import { createHash } from 'node:crypto';
import { Type } from 'typebox';
import type { App } from '../api/server.ts';
import { newKeystoneId } from '../common/ids.ts';
import { AGENT_USER } from '../common/version.ts';
import type { Queryable } from '../db/index.ts';
import { canonicalSnapshot, withoutUsers, type IdentitySnapshot, type SyncedNames } from './domain/sync.ts';

const DOMAIN = 'default';

export const snapshotDigest = (s: IdentitySnapshot): string => createHash('sha256').update(canonicalSnapshot(s)).digest('hex');

export async function exportIdentity(q: Queryable, exclude: readonly string[]): Promise<IdentitySnapshot> {
  const users = (
    await q.query<IdentitySnapshot['users'][number]>(
      `SELECT u.name, u.enabled, u.password_hash, u.email, p.name AS default_project
         FROM users u LEFT JOIN projects p ON p.id = u.default_project_id WHERE u.domain_id = $1`,
      [DOMAIN],
    )
  ).rows;
  const projects = (await q.query<IdentitySnapshot['projects'][number]>('SELECT name, description, enabled FROM projects WHERE domain_id = $1', [DOMAIN])).rows;
  const roles = (await q.query<{ name: string }>('SELECT name FROM roles')).rows.map((r) => r.name);
  const assignments = (
    await q.query<{ u: string; p: string; r: string }>(
      `SELECT u.name AS u, p.name AS p, r.name AS r FROM role_assignments a
         JOIN users u ON u.id = a.user_id JOIN projects p ON p.id = a.project_id JOIN roles r ON r.id = a.role_id
        WHERE u.domain_id = $1 AND p.domain_id = $1`,
      [DOMAIN],
    )
  ).rows.map((a): [string, string, string] => [a.u, a.p, a.r]);
  return withoutUsers({ users, projects, roles, assignments }, exclude);
}

/** The users and projects an identity sync brought here (`exclude` left out). */
export async function syncedNames(q: Queryable, exclude: readonly string[]): Promise<SyncedNames> {
  const users = (await q.query<{ name: string }>('SELECT name FROM users WHERE domain_id = $1 AND dc_synced AND NOT (name = ANY($2::text[])) ORDER BY name', [DOMAIN, [...exclude]])).rows;
  const projects = (await q.query<{ name: string }>('SELECT name FROM projects WHERE domain_id = $1 AND dc_synced ORDER BY name', [DOMAIN])).rows;
  return { users: users.map((u) => u.name), projects: projects.map((p) => p.name) };
}

export interface ImportResult {
  /** Users whose tokens were revoked (a changed password, or disabled). */
  revoked: string[];
  /** Synced users and projects the system controller no longer has, deleted here. */
  deleted: SyncedNames;
}

/** Makes this site's identity match `s` (minus `exclude`). */
export async function importIdentity(q: Queryable, snapshot: IdentitySnapshot, exclude: readonly string[], at: Date): Promise<ImportResult> {
  const s = withoutUsers(snapshot, exclude);
  for (const r of s.roles) await q.query('INSERT INTO roles (id, name) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [newKeystoneId(), r]);
  // Deletes first: a user or project deleted centrally and made again under the same name is the new one.
  const deletedUsers = (
    await q.query<{ name: string }>(
      `DELETE FROM users WHERE domain_id = $1 AND dc_synced AND NOT (name = ANY($2::text[])) AND NOT (name = ANY($3::text[])) RETURNING name`,
      [DOMAIN, s.users.map((u) => u.name), [...exclude]],
    )
  ).rows.map((r) => r.name);
  const deletedProjects = (
    await q.query<{ name: string }>(`DELETE FROM projects WHERE domain_id = $1 AND dc_synced AND NOT (name = ANY($2::text[])) RETURNING name`, [
      DOMAIN,
      s.projects.map((p) => p.name),
    ])
  ).rows.map((r) => r.name);
  for (const p of s.projects) {
    await q.query(
      `INSERT INTO projects (id, name, domain_id, description, enabled, dc_synced) VALUES ($1, $2, $3, $4, $5, true)
       ON CONFLICT (domain_id, name) DO UPDATE SET description = EXCLUDED.description, enabled = EXCLUDED.enabled, dc_synced = true`,
      [newKeystoneId(), p.name, DOMAIN, p.description, p.enabled],
    );
  }
  const revoked: string[] = [];
  for (const u of s.users) {
    const before = (await q.query<{ id: string; password_hash: string; enabled: boolean }>('SELECT id, password_hash, enabled FROM users WHERE domain_id = $1 AND name = $2 FOR UPDATE', [DOMAIN, u.name])).rows[0];
    const project = u.default_project === null ? null : (await q.query<{ id: string }>('SELECT id FROM projects WHERE domain_id = $1 AND name = $2', [DOMAIN, u.default_project])).rows[0]?.id ?? null;
    if (!before) {
      await q.query(
        'INSERT INTO users (id, name, domain_id, password_hash, enabled, default_project_id, email, password_changed_at, dc_synced) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, true)',
        [newKeystoneId(), u.name, DOMAIN, u.password_hash, u.enabled, project, u.email, at],
      );
      continue;
    }
    await q.query(
      `UPDATE users SET password_hash = $2, enabled = $3, default_project_id = $4, email = $5, dc_synced = true,
         password_changed_at = CASE WHEN password_hash = $2 THEN password_changed_at ELSE $6 END WHERE id = $1`,
      [before.id, u.password_hash, u.enabled, project, u.email, at],
    );
    if (before.password_hash !== u.password_hash || (before.enabled && !u.enabled)) {
      await q.query('UPDATE tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL', [before.id, at]);
      revoked.push(u.name);
    }
  }
  // Each synced user's assignments become exactly the snapshot's.
  const names = s.users.map((u) => u.name);
  await q.query(
    `DELETE FROM role_assignments a USING users u WHERE a.user_id = u.id AND u.domain_id = $1 AND u.name = ANY($2::text[])`,
    [DOMAIN, names],
  );
  if (s.assignments.length > 0) {
    await q.query(
      `INSERT INTO role_assignments (user_id, project_id, role_id)
       SELECT u.id, p.id, r.id FROM unnest($2::text[], $3::text[], $4::text[]) AS x(un, pn, rn)
         JOIN users u ON u.domain_id = $1 AND u.name = x.un JOIN projects p ON p.domain_id = $1 AND p.name = x.pn
         JOIN roles r ON r.name = x.rn
       ON CONFLICT DO NOTHING`,
      [DOMAIN, s.assignments.map((a) => a[0]), s.assignments.map((a) => a[1]), s.assignments.map((a) => a[2])],
    );
  }
  return { revoked, deleted: { users: deletedUsers, projects: deletedProjects } };
}

const Names = Type.Object({ exclude: Type.Optional(Type.String({ maxLength: 4096 })) });
const Snapshot = Type.Object(
  {
    users: Type.Array(
      Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 255 }),
          enabled: Type.Boolean(),
          password_hash: Type.String({ minLength: 1, maxLength: 1024 }),
          email: Type.Union([Type.String({ maxLength: 255 }), Type.Null()]),
          default_project: Type.Union([Type.String({ maxLength: 64 }), Type.Null()]),
        },
        { additionalProperties: false },
      ),
      { maxItems: 100_000 },
    ),
    projects: Type.Array(
      Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }), description: Type.String({ maxLength: 1024 }), enabled: Type.Boolean() }, { additionalProperties: false }),
      { maxItems: 100_000 },
    ),
    roles: Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { maxItems: 1000 }),
    assignments: Type.Array(Type.Tuple([Type.String({ maxLength: 255 }), Type.String({ maxLength: 64 }), Type.String({ maxLength: 255 })]), { maxItems: 1_000_000 }),
  },
  { additionalProperties: false },
);

export interface IdentitySyncPort {
  exportSnapshot(exclude: readonly string[]): Promise<IdentitySnapshot>;
  syncedNames(exclude: readonly string[]): Promise<SyncedNames>;
  importSnapshot(s: IdentitySnapshot, exclude: readonly string[]): Promise<ImportResult>;
}

const excludeList = (v: string | undefined): string[] => (v ?? '').split(',').filter((x) => x !== '');

/** Never synced: the site's agent service user, and the caller (a system controller's login must
 *  keep working on the site it is changing). */
const alwaysKept = (caller: string | undefined): string[] => [AGENT_USER, ...(caller === undefined ? [] : [caller])];

/** `GET /v1.0/identities?exclude=a,b` → `{digest, identity, synced}` (`synced`: the users and
 *  projects an earlier sync brought); `PUT` makes this site's identity equal to the body's (admin
 *  only, like every change), deleting what was synced and is gone from the body. */
export function identitySyncRoutes(app: App, identity: IdentitySyncPort): void {
  app.get('/v1.0/identities', { config: { access: 'admin' }, schema: { querystring: Names } }, async (req) => {
    const exclude = [...excludeList(req.query.exclude), ...alwaysKept(req.auth?.user.name)];
    const [s, synced] = await Promise.all([identity.exportSnapshot(exclude), identity.syncedNames(exclude)]);
    return { digest: snapshotDigest(s), identity: s, synced };
  });
  app.put('/v1.0/identities', { schema: { querystring: Names, body: Type.Object({ identity: Snapshot }, { additionalProperties: false }) } }, async (req) => {
    const exclude = excludeList(req.query.exclude);
    const r = await identity.importSnapshot(req.body.identity, [...exclude, ...alwaysKept(req.auth?.user.name)]);
    const s = await identity.exportSnapshot(exclude);
    return { digest: snapshotDigest(s), revoked_tokens_of: r.revoked, deleted: r.deleted };
  });
}
