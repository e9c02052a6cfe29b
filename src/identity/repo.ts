// Identity tables: domains, projects, users, roles, role assignments, tokens.

import type { Queryable } from '../db/index.ts';

export interface DomainRow {
  id: string;
  name: string;
}
export interface ProjectRow {
  id: string;
  name: string;
  domain_id: string;
  description: string;
  enabled: boolean;
}
export interface UserRow {
  id: string;
  name: string;
  domain_id: string;
  password_hash: string;
  enabled: boolean;
  default_project_id: string | null;
  email: string | null;
  /** Keystone's security_compliance counters and the user's exemption from lockout. */
  failed_auth_count: number;
  failed_auth_at: Date | null;
  ignore_lockout_failure_attempts: boolean;
}
export interface RoleRow {
  id: string;
  name: string;
}
export interface TokenRow {
  digest: string;
  audit_id: string;
  user_id: string;
  user_name: string;
  user_domain_id: string;
  user_domain_name: string;
  user_enabled: boolean;
  project_id: string;
  project_name: string;
  project_domain_id: string;
  project_domain_name: string;
  project_enabled: boolean;
  issued_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  roles: RoleRow[];
}

const USER_COLS =
  'id, name, domain_id, password_hash, enabled, default_project_id, email, failed_auth_count, failed_auth_at, ignore_lockout_failure_attempts';
const PROJECT_COLS = 'id, name, domain_id, description, enabled';

export class IdentityRepo {
  async findDomain(q: Queryable, ref: { id?: string; name?: string }): Promise<DomainRow | undefined> {
    if (ref.id !== undefined) return (await q.query<DomainRow>('SELECT id, name FROM domains WHERE id = $1', [ref.id])).rows[0];
    // Keystone matches domain names case-insensitively in practice ("Default" vs "default").
    return (await q.query<DomainRow>('SELECT id, name FROM domains WHERE lower(name) = lower($1)', [ref.name])).rows[0];
  }

  async insertDomain(q: Queryable, d: DomainRow): Promise<void> {
    await q.query('INSERT INTO domains (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING', [d.id, d.name]);
  }

  async findUserByName(q: Queryable, domainId: string, name: string): Promise<UserRow | undefined> {
    return (
      await q.query<UserRow>(`SELECT ${USER_COLS} FROM users WHERE domain_id = $1 AND name = $2`, [domainId, name])
    ).rows[0];
  }

  async findUser(q: Queryable, id: string): Promise<UserRow | undefined> {
    return (await q.query<UserRow>(`SELECT ${USER_COLS} FROM users WHERE id = $1`, [id])).rows[0];
  }

  async listUsers(q: Queryable, filter: { name?: string; domain_id?: string }): Promise<UserRow[]> {
    return (
      await q.query<UserRow>(
        `SELECT ${USER_COLS} FROM users
          WHERE ($1::text IS NULL OR name = $1) AND ($2::text IS NULL OR domain_id = $2) ORDER BY name`,
        [filter.name ?? null, filter.domain_id ?? null],
      )
    ).rows;
  }

  async insertUser(q: Queryable, u: UserRow): Promise<void> {
    await q.query(
      `INSERT INTO users (id, name, domain_id, password_hash, enabled, default_project_id, email, ignore_lockout_failure_attempts)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [u.id, u.name, u.domain_id, u.password_hash, u.enabled, u.default_project_id, u.email, u.ignore_lockout_failure_attempts],
    );
  }

  /** The user's failure counters, row-locked until the transaction ends (concurrent failures count). */
  async lockFailures(
    q: Queryable,
    id: string,
  ): Promise<Pick<UserRow, 'failed_auth_count' | 'failed_auth_at' | 'ignore_lockout_failure_attempts'> | undefined> {
    return (
      await q.query<Pick<UserRow, 'failed_auth_count' | 'failed_auth_at' | 'ignore_lockout_failure_attempts'>>(
        'SELECT failed_auth_count, failed_auth_at, ignore_lockout_failure_attempts FROM users WHERE id = $1 FOR UPDATE',
        [id],
      )
    ).rows[0];
  }

  async setFailures(q: Queryable, id: string, f: { failed_auth_count: number; failed_auth_at: Date | null }): Promise<void> {
    await q.query('UPDATE users SET failed_auth_count = $2, failed_auth_at = $3 WHERE id = $1', [
      id,
      f.failed_auth_count,
      f.failed_auth_at,
    ]);
  }

  async setLockoutExempt(q: Queryable, id: string): Promise<void> {
    await q.query('UPDATE users SET ignore_lockout_failure_attempts = true WHERE id = $1', [id]);
  }

  async updateUser(
    q: Queryable,
    id: string,
    patch: Partial<Pick<UserRow, 'name' | 'enabled' | 'default_project_id' | 'email' | 'password_hash'>>,
  ): Promise<UserRow | undefined> {
    const sets: string[] = [];
    const params: unknown[] = [id];
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) continue;
      params.push(v);
      sets.push(`${k} = $${params.length}`);
    }
    if (patch.password_hash !== undefined) sets.push('password_changed_at = now()');
    if (sets.length === 0) return this.findUser(q, id);
    return (await q.query<UserRow>(`UPDATE users SET ${sets.join(', ')} WHERE id = $1 RETURNING ${USER_COLS}`, params))
      .rows[0];
  }

  async deleteUser(q: Queryable, id: string): Promise<boolean> {
    return ((await q.query('DELETE FROM users WHERE id = $1', [id])).rowCount ?? 0) > 0;
  }

  async findProjectByName(q: Queryable, domainId: string, name: string): Promise<ProjectRow | undefined> {
    return (
      await q.query<ProjectRow>(`SELECT ${PROJECT_COLS} FROM projects WHERE domain_id = $1 AND name = $2`, [
        domainId,
        name,
      ])
    ).rows[0];
  }

  async findProject(q: Queryable, id: string): Promise<ProjectRow | undefined> {
    return (await q.query<ProjectRow>(`SELECT ${PROJECT_COLS} FROM projects WHERE id = $1`, [id])).rows[0];
  }

  async listProjects(q: Queryable, filter: { name?: string }): Promise<ProjectRow[]> {
    return (
      await q.query<ProjectRow>(`SELECT ${PROJECT_COLS} FROM projects WHERE ($1::text IS NULL OR name = $1) ORDER BY name`, [
        filter.name ?? null,
      ])
    ).rows;
  }

  async insertProject(q: Queryable, p: ProjectRow): Promise<void> {
    await q.query('INSERT INTO projects (id, name, domain_id, description, enabled) VALUES ($1, $2, $3, $4, $5)', [
      p.id,
      p.name,
      p.domain_id,
      p.description,
      p.enabled,
    ]);
  }

  async deleteProject(q: Queryable, id: string): Promise<boolean> {
    return ((await q.query('DELETE FROM projects WHERE id = $1', [id])).rowCount ?? 0) > 0;
  }

  async listRoles(q: Queryable): Promise<RoleRow[]> {
    return (await q.query<RoleRow>('SELECT id, name FROM roles ORDER BY name')).rows;
  }

  async findRole(q: Queryable, idOrName: string): Promise<RoleRow | undefined> {
    return (await q.query<RoleRow>('SELECT id, name FROM roles WHERE id = $1 OR name = $1', [idOrName])).rows[0];
  }

  async insertRole(q: Queryable, r: RoleRow): Promise<void> {
    await q.query('INSERT INTO roles (id, name) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [r.id, r.name]);
  }

  async grant(q: Queryable, userId: string, projectId: string, roleId: string): Promise<void> {
    await q.query(
      'INSERT INTO role_assignments (user_id, project_id, role_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
      [userId, projectId, roleId],
    );
  }

  async revokeGrant(q: Queryable, userId: string, projectId: string, roleId: string): Promise<boolean> {
    return (
      ((
        await q.query('DELETE FROM role_assignments WHERE user_id = $1 AND project_id = $2 AND role_id = $3', [
          userId,
          projectId,
          roleId,
        ])
      ).rowCount ?? 0) > 0
    );
  }

  async listAssignments(
    q: Queryable,
    filter: { user_id?: string; project_id?: string },
  ): Promise<AssignmentRow[]> {
    return (
      await q.query<AssignmentRow>(
        `SELECT a.user_id, a.project_id, a.role_id, r.name AS role_name,
                u.name AS user_name, u.domain_id AS user_domain_id, ud.name AS user_domain_name,
                p.name AS project_name, p.domain_id AS project_domain_id, pd.name AS project_domain_name
           FROM role_assignments a JOIN roles r ON r.id = a.role_id
           JOIN users u ON u.id = a.user_id JOIN domains ud ON ud.id = u.domain_id
           JOIN projects p ON p.id = a.project_id JOIN domains pd ON pd.id = p.domain_id
          WHERE ($1::text IS NULL OR a.user_id = $1) AND ($2::text IS NULL OR a.project_id = $2)
          ORDER BY a.user_id, a.project_id, r.name`,
        [filter.user_id ?? null, filter.project_id ?? null],
      )
    ).rows;
  }

  async listDomains(q: Queryable): Promise<{ id: string; name: string; enabled: boolean }[]> {
    return (await q.query<{ id: string; name: string; enabled: boolean }>('SELECT id, name, enabled FROM domains ORDER BY name')).rows;
  }

  async rolesOn(q: Queryable, userId: string, projectId: string): Promise<RoleRow[]> {
    return (
      await q.query<RoleRow>(
        `SELECT r.id, r.name FROM role_assignments a JOIN roles r ON r.id = a.role_id
          WHERE a.user_id = $1 AND a.project_id = $2 ORDER BY r.name`,
        [userId, projectId],
      )
    ).rows;
  }

  async insertToken(
    q: Queryable,
    t: { digest: string; audit_id: string; user_id: string; project_id: string; issued_at: Date; expires_at: Date },
  ): Promise<void> {
    await q.query(
      `INSERT INTO tokens (digest, audit_id, user_id, project_id, issued_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [t.digest, t.audit_id, t.user_id, t.project_id, t.issued_at, t.expires_at],
    );
  }

  /** The token with its user, project and current roles, in one round trip. */
  async findToken(q: Queryable, digest: string): Promise<TokenRow | undefined> {
    return (
      await q.query<TokenRow>(
        `SELECT t.digest, t.audit_id, t.issued_at, t.expires_at, t.revoked_at,
                u.id AS user_id, u.name AS user_name, u.enabled AS user_enabled,
                ud.id AS user_domain_id, ud.name AS user_domain_name,
                p.id AS project_id, p.name AS project_name, p.enabled AS project_enabled,
                pd.id AS project_domain_id, pd.name AS project_domain_name,
                COALESCE((SELECT json_agg(json_build_object('id', r.id, 'name', r.name) ORDER BY r.name)
                            FROM role_assignments a JOIN roles r ON r.id = a.role_id
                           WHERE a.user_id = u.id AND a.project_id = p.id), '[]') AS roles
           FROM tokens t
           JOIN users u ON u.id = t.user_id JOIN domains ud ON ud.id = u.domain_id
           JOIN projects p ON p.id = t.project_id JOIN domains pd ON pd.id = p.domain_id
          WHERE t.digest = $1`,
        [digest],
      )
    ).rows[0];
  }

  async revokeToken(q: Queryable, digest: string, at: Date): Promise<boolean> {
    return (
      ((await q.query('UPDATE tokens SET revoked_at = $2 WHERE digest = $1 AND revoked_at IS NULL', [digest, at]))
        .rowCount ?? 0) > 0
    );
  }

  async revokeUserTokens(q: Queryable, userId: string, at: Date): Promise<number> {
    return (
      (await q.query('UPDATE tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL', [userId, at]))
        .rowCount ?? 0
    );
  }

  /** Drops tokens expired for more than `graceSeconds` (kept a while so "expired" is told apart from "unknown"). */
  async purgeTokens(q: Queryable, now: Date, graceSeconds: number): Promise<number> {
    return (
      (await q.query(`DELETE FROM tokens WHERE expires_at < $1::timestamptz - make_interval(secs => $2)`, [now, graceSeconds]))
        .rowCount ?? 0
    );
  }
}

/** One role assignment, with the names `openstack role assignment list --names` shows. */
export interface AssignmentRow {
  user_id: string;
  project_id: string;
  role_id: string;
  role_name: string;
  user_name: string;
  user_domain_id: string;
  user_domain_name: string;
  project_name: string;
  project_domain_id: string;
  project_domain_name: string;
}
