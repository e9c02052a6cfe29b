// Identity use-cases: bootstrap of the first admin, password login, token validation and
// revocation, users, projects and role assignments. The only writer of the identity tables.

import type { IdentitySnapshot, SyncedNames } from './domain/sync.ts';
import { exportIdentity, importIdentity, syncedNames, type ImportResult } from './sync.ts';
import type { Clock } from '../common/clock.ts';
import { StarlingError } from '../common/errors.ts';
import { newKeystoneId, newSecret, tokenDigest } from '../common/ids.ts';
import type { Db, Listener, Queryable } from '../db/index.ts';
import type { Logger } from '../common/log.ts';
import type { AlarmPort } from '../fault/index.ts';
import {
  DEFAULT_LOCKOUT,
  DEFAULT_SOURCE_POLICY,
  afterSourceFailure,
  afterUserFailure,
  afterUserSuccess,
  lockedUntil,
  sourceRetryAt,
  type LockoutPolicy,
  type SourceFailures,
  type SourcePolicy,
} from './domain/lockout.ts';
import { ROLES } from './domain/policy.ts';
import { expiryFor, tokenState } from './domain/token.ts';
import { dummyHash, hashPassword, verifyPassword } from './password.ts';
import { IdentityRepo, type ProjectRow, type RoleRow, type UserRow } from './repo.ts';

export const DEFAULT_DOMAIN = { id: 'default', name: 'Default' } as const;
export const ADMIN_PROJECT = 'admin';
export const SERVICES_PROJECT = 'services';

export interface Ref {
  id: string;
  name: string;
}

/** What a valid token stands for: the caller of every authenticated request. */
export interface AuthContext {
  user: Ref & { domain: Ref };
  project: Ref & { domain: Ref };
  roles: Ref[];
  issued_at: Date;
  expires_at: Date;
  audit_id: string;
}

export interface IdentityOptions {
  lockout?: LockoutPolicy;
  sourcePolicy?: SourcePolicy;
  /** Where lockouts and throttled sources are logged (the fault capability's event log). */
  events?: Pick<AlarmPort, 'log'>;
  log?: Logger;
}

/** Sources remembered at most (the oldest are forgotten first). */
const MAX_SOURCES = 10_000;

export interface PasswordAuth {
  user: { id?: string; name?: string; domain?: { id?: string; name?: string }; password: string };
  scope?: { project: { id?: string; name?: string; domain?: { id?: string; name?: string } } };
}

export interface AdminBootstrap {
  password: string;
  /** true: the password was generated here and must be shown to the operator once. */
  generated: boolean;
  /** Its hash when already being computed (start-up hashes while the database starts). */
  hash?: Promise<string>;
}

/** The first admin's password: the configured one, or a new random one. */
export function adminBootstrap(configured: string | undefined, precompute: boolean): AdminBootstrap {
  const password = configured ?? newSecret(12);
  return {
    password,
    generated: configured === undefined,
    ...(precompute ? { hash: hashPassword(password) } : {}),
  };
}

export interface PublicUser {
  id: string;
  name: string;
  domain_id: string;
  enabled: boolean;
  default_project_id: string | null;
  email: string | null;
  password_expires_at: null;
}

export const toPublicUser = (u: UserRow): PublicUser => ({
  id: u.id,
  name: u.name,
  domain_id: u.domain_id,
  enabled: u.enabled,
  default_project_id: u.default_project_id,
  email: u.email,
  password_expires_at: null,
});

export const MIN_PASSWORD_LENGTH = 8;

const NOT_FAILED = afterUserSuccess();

/** A name or address as an entity_instance_id value: no '=' (the separator), bounded length. */
const entityValue = (v: string): string =>
  [...v.slice(0, 200)].map((ch) => (ch === '=' || ch.charCodeAt(0) < 0x20 ? '_' : ch)).join('') || '_';

function checkPassword(password: string, field: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new StarlingError('VALIDATION_FAILED', `${field} must have at least ${MIN_PASSWORD_LENGTH} characters`, {
      field,
    });
  }
}

/** How long a validated token is trusted without asking the database again. A change made by any
 *  controller process (revocation, roles, users, passwords) empties the cache of every process
 *  once it has committed: at once in the process that made it, and in the others when the
 *  notification on IDENTITY_CHANNEL arrives (milliseconds). */
export const TOKEN_CACHE_MS = 2000;
const TOKEN_CACHE_MAX = 10_000;

/** The PostgreSQL NOTIFY channel on which identity changes are announced (after commit). */
export const IDENTITY_CHANNEL = 'starling_identity';

export class IdentityService {
  private readonly repo = new IdentityRepo();
  private readonly validated = new Map<string, { ctx: AuthContext; until: number }>();
  /** Bumped by every invalidation: a lookup that read the database before a change committed
   *  must not put what it read into the cache after the change emptied it. */
  private generation = 0;
  /** false while the notification connection is down: another process's change could be missed,
   *  so nothing is cached then. */
  private notificationsLive = true;

  /** Forgets every validated token. Called after a change committed, never before: a lookup
   *  running while the change is in flight would otherwise re-cache the old state. */
  invalidate(): void {
    this.generation++;
    this.validated.clear();
  }

  /** Listens for the changes other controller processes make. */
  async watch(listener: Listener): Promise<void> {
    await listener.on(IDENTITY_CHANNEL, () => this.invalidate());
    listener.onConnectionChange((up) => {
      this.notificationsLive = up;
      this.invalidate();
    });
  }

  /** Runs a change of users, roles, projects or tokens in one transaction that also announces it;
   *  the cache is emptied once it has committed (or failed). */
  private async change<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    try {
      return await this.db.tx(async (q) => {
        const result = await fn(q);
        await q.query('SELECT pg_notify($1, $2)', [IDENTITY_CHANNEL, '']);
        return result;
      });
    } finally {
      this.invalidate();
    }
  }

  private readonly lockout: LockoutPolicy;
  private readonly sourcePolicy: SourcePolicy;
  /** Recent failed logins per source address (this process's view: sources reach one controller). */
  private readonly sources = new Map<string, SourceFailures>();
  private readonly inFlight = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly tokenTtlSeconds: number,
    private readonly opts: IdentityOptions = {},
  ) {
    this.lockout = opts.lockout ?? DEFAULT_LOCKOUT;
    this.sourcePolicy = opts.sourcePolicy ?? DEFAULT_SOURCE_POLICY;
  }

  /**
   * First start: the default domain, the roles, projects `admin` and `services`, and user `admin`
   * with role admin on project admin. Returns the admin password when it had to generate one.
   */
  async bootstrap(admin: AdminBootstrap): Promise<{ generatedAdminPassword?: string }> {
    return this.db.tx(async (q) => {
      await q.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['starling.identity.bootstrap']);
      await this.repo.insertDomain(q, DEFAULT_DOMAIN);
      for (const name of ROLES) await this.repo.insertRole(q, { id: newKeystoneId(), name });
      const adminProject = await this.ensureProject(q, ADMIN_PROJECT, 'Administrators of this Starling system');
      await this.ensureProject(q, SERVICES_PROJECT, "Starling's own service users");
      if (await this.repo.findUserByName(q, DEFAULT_DOMAIN.id, 'admin')) return {};
      const user: UserRow = {
        id: newKeystoneId(),
        name: 'admin',
        domain_id: DEFAULT_DOMAIN.id,
        password_hash: await (admin.hash ?? hashPassword(admin.password)),
        enabled: true,
        default_project_id: adminProject.id,
        email: null,
        // StarlingX sets ignore_lockout_failure_attempts on admin: it cannot be locked out (a
        // flood against it is slowed per source instead).
        ...NOT_FAILED,
        ignore_lockout_failure_attempts: true,
      };
      await this.repo.insertUser(q, user);
      await this.grantByName(q, user.id, adminProject.id, 'admin');
      return admin.generated ? { generatedAdminPassword: admin.password } : {};
    });
  }

  /** A service user (e.g. the agents' `starling-agent`) with role admin on project services, whose
   *  password is set to `password` if it differs (the secret lives in the controller's data folder). */
  async ensureServiceUser(name: string, password: string): Promise<void> {
    await this.change(async (q) => {
      await q.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`starling.identity.user.${name}`]);
      const services = await this.ensureProject(q, SERVICES_PROJECT, "Starling's own service users");
      const existing = await this.repo.findUserByName(q, DEFAULT_DOMAIN.id, name);
      if (existing) {
        if (!(await verifyPassword(password, existing.password_hash))) {
          await this.repo.updateUser(q, existing.id, { password_hash: await hashPassword(password) });
        }
        if (!existing.ignore_lockout_failure_attempts) await this.repo.setLockoutExempt(q, existing.id);
        await this.grantByName(q, existing.id, services.id, 'admin');
        return;
      }
      const id = newKeystoneId();
      await this.repo.insertUser(q, {
        id,
        name,
        domain_id: DEFAULT_DOMAIN.id,
        password_hash: await hashPassword(password),
        enabled: true,
        default_project_id: services.id,
        email: null,
        // A service user locked out would stop its service (every agent) for the lockout duration.
        ...NOT_FAILED,
        ignore_lockout_failure_attempts: true,
      });
      await this.grantByName(q, id, services.id, 'admin');
    });
  }

  private async ensureProject(q: Queryable, name: string, description: string): Promise<ProjectRow> {
    const found = await this.repo.findProjectByName(q, DEFAULT_DOMAIN.id, name);
    if (found) return found;
    const p: ProjectRow = { id: newKeystoneId(), name, domain_id: DEFAULT_DOMAIN.id, description, enabled: true };
    await this.repo.insertProject(q, p);
    return p;
  }

  private async grantByName(q: Queryable, userId: string, projectId: string, role: string): Promise<void> {
    const r = await this.repo.findRole(q, role);
    if (!r) throw new Error(`role ${role} missing`);
    await this.repo.grant(q, userId, projectId, r.id);
  }

  /** Keystone's password method with project scope. Any mismatch is the same 401, on purpose.
   *  `source` is the client's address: failed logins slow it down (LOGIN_THROTTLED), and a user
   *  with too many consecutive failures is locked (ACCOUNT_LOCKED) — both refused before the
   *  password hash is computed, so a flood costs little. */
  async issueToken(auth: PasswordAuth, source = 'unknown'): Promise<{ token: string; context: AuthContext }> {
    const q = this.db;
    const fail = (): never => {
      throw new StarlingError('AUTH_FAILED');
    };
    const now = this.clock.now();
    const retryAt = sourceRetryAt(this.sources.get(source), this.sourcePolicy, now.getTime(), this.inFlight.get(source) ?? 0);
    if (retryAt !== undefined) {
      const seconds = Math.max(1, Math.ceil((retryAt - now.getTime()) / 1000));
      throw new StarlingError('LOGIN_THROTTLED', `too many failed logins from ${source}; try again in ${seconds} s`, {
        details: { retry_after_seconds: seconds },
      });
    }
    let user: UserRow | undefined;
    if (auth.user.id !== undefined) {
      user = await this.repo.findUser(q, auth.user.id);
    } else {
      if (auth.user.name === undefined) {
        throw new StarlingError('VALIDATION_FAILED', 'the user needs an id or a name', {
          field: '/auth/identity/password/user',
        });
      }
      if (auth.user.domain === undefined) {
        throw new StarlingError('VALIDATION_FAILED', 'a user given by name needs its domain (id or name)', {
          field: '/auth/identity/password/user/domain',
        });
      }
      const domain = await this.repo.findDomain(q, auth.user.domain);
      user = domain ? await this.repo.findUserByName(q, domain.id, auth.user.name) : undefined;
    }
    if (user) {
      const until = lockedUntil(user, this.lockout, user.ignore_lockout_failure_attempts, now);
      if (until !== undefined) {
        this.sourceFailed(source);
        const seconds = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
        // Keystone answers a locked account with 401 ("The account is locked for user").
        throw new StarlingError('ACCOUNT_LOCKED', `user ${user.name} is locked after too many failed logins; try again in ${seconds} s`, {
          details: { retry_after_seconds: seconds },
        });
      }
    }
    // Compare against a dummy hash when there is no such user: same timing as a wrong password.
    this.inFlight.set(source, (this.inFlight.get(source) ?? 0) + 1);
    let ok: boolean;
    try {
      ok = await verifyPassword(auth.user.password, user?.password_hash ?? (await dummyHash()));
    } finally {
      const left = (this.inFlight.get(source) ?? 1) - 1;
      if (left > 0) this.inFlight.set(source, left);
      else this.inFlight.delete(source);
    }
    if (!ok) {
      this.sourceFailed(source);
      if (user) await this.userFailed(user);
      return fail();
    }
    this.sources.delete(source);
    if (user && user.failed_auth_count > 0) await this.repo.setFailures(q, user.id, afterUserSuccess());
    if (!user || !user.enabled) return fail();

    let project: ProjectRow | undefined;
    const scope = auth.scope?.project;
    if (scope === undefined) {
      project = user.default_project_id === null ? undefined : await this.repo.findProject(q, user.default_project_id);
      if (!project) {
        throw new StarlingError('AUTH_FAILED', 'a project scope is required: this user has no default project', {
          field: '/auth/scope/project',
        });
      }
    } else if (scope.id !== undefined) {
      project = await this.repo.findProject(q, scope.id);
    } else {
      if (scope.name === undefined || scope.domain === undefined) {
        throw new StarlingError('VALIDATION_FAILED', 'a project given by name needs its domain (id or name)', {
          field: '/auth/scope/project/domain',
        });
      }
      const domain = await this.repo.findDomain(q, scope.domain);
      project = domain ? await this.repo.findProjectByName(q, domain.id, scope.name) : undefined;
    }
    if (!project || !project.enabled) return fail();
    const roles = await this.repo.rolesOn(q, user.id, project.id);
    if (roles.length === 0) {
      throw new StarlingError('AUTH_FAILED', `user ${user.name} has no role on project ${project.name}`);
    }

    const token = newSecret(32);
    const issued = this.clock.now();
    const expires = expiryFor(issued, this.tokenTtlSeconds);
    const auditId = newSecret(16);
    await this.repo.insertToken(q, {
      digest: tokenDigest(token),
      audit_id: auditId,
      user_id: user.id,
      project_id: project.id,
      issued_at: issued,
      expires_at: expires,
    });
    const domainName = async (id: string): Promise<string> => (await this.repo.findDomain(q, { id }))?.name ?? id;
    return {
      token,
      context: {
        user: { id: user.id, name: user.name, domain: { id: user.domain_id, name: await domainName(user.domain_id) } },
        project: {
          id: project.id,
          name: project.name,
          domain: { id: project.domain_id, name: await domainName(project.domain_id) },
        },
        roles: roles.map((r) => ({ id: r.id, name: r.name })),
        issued_at: issued,
        expires_at: expires,
        audit_id: auditId,
      },
    };
  }

  /** Counts a failed login from `source`; logs 255.002 when it starts being throttled. */
  private sourceFailed(source: string): void {
    const nowMs = this.clock.now().getTime();
    const { next, throttled } = afterSourceFailure(this.sources.get(source), this.sourcePolicy, nowMs);
    this.sources.delete(source); // re-inserted last: the map's order is oldest failure first
    this.sources.set(source, next);
    while (this.sources.size > MAX_SOURCES) this.sources.delete(this.sources.keys().next().value!);
    if (throttled) {
      this.event({
        event_log_id: '255.002',
        entity_instance_id: `source=${entityValue(source)}`,
        severity: 'minor',
        reason_text: `${next.failures} failed logins from ${source}: further logins from it are delayed`,
      });
    }
  }

  /** Counts a failed password of `user` (row-locked, so concurrent failures all count); logs
   *  255.001 when this failure locks it. */
  private async userFailed(user: UserRow): Promise<void> {
    const locked = await this.db.tx(async (q) => {
      const cur = await this.repo.lockFailures(q, user.id);
      if (!cur) return undefined;
      const r = afterUserFailure(cur, this.lockout, cur.ignore_lockout_failure_attempts, this.clock.now());
      await this.repo.setFailures(q, user.id, r.next);
      return r.locked;
    });
    if (locked !== undefined) {
      this.event({
        event_log_id: '255.001',
        entity_instance_id: `user=${entityValue(user.name)}`,
        severity: 'major',
        reason_text: `user ${user.name} locked until ${locked.toISOString()} after ${this.lockout.failureAttempts} failed logins`,
      });
    }
  }

  private event(input: { event_log_id: string; entity_instance_id: string; severity: string; reason_text: string }): void {
    this.opts.events?.log(input).catch((e: unknown) => this.opts.log?.warn({ err: e, event: input.event_log_id }, 'could not log the login event'));
  }

  /** The context of a usable token, or undefined when it is unknown, expired, revoked or its user
   *  or project has been disabled. Roles are read live: a removed role takes effect at once. */
  async validate(token: string): Promise<AuthContext | undefined> {
    const now = this.clock.now();
    const digest = tokenDigest(token);
    const hit = this.validated.get(digest);
    if (hit && hit.until > now.getTime() && now.getTime() < hit.ctx.expires_at.getTime()) return hit.ctx;
    const generation = this.generation;
    const row = await this.repo.findToken(this.db, digest);
    // A user without any role on the token's project is no longer a member of it (Keystone
    // refuses such a token too): 401, not a 403 per call.
    if (!row || tokenState(row, now) !== 'valid' || !row.user_enabled || !row.project_enabled || row.roles.length === 0) {
      this.validated.delete(digest);
      return undefined;
    }
    if (this.validated.size >= TOKEN_CACHE_MAX) this.validated.clear();
    const ctx: AuthContext = {
      user: { id: row.user_id, name: row.user_name, domain: { id: row.user_domain_id, name: row.user_domain_name } },
      project: {
        id: row.project_id,
        name: row.project_name,
        domain: { id: row.project_domain_id, name: row.project_domain_name },
      },
      roles: row.roles,
      issued_at: row.issued_at,
      expires_at: row.expires_at,
      audit_id: row.audit_id,
    };
    // Cached only if no change committed while the row was read (it may be the old state).
    if (generation === this.generation && this.notificationsLive) {
      this.validated.set(digest, { ctx, until: now.getTime() + TOKEN_CACHE_MS });
    }
    return ctx;
  }

  async revokeToken(token: string): Promise<boolean> {
    return this.change((q) => this.repo.revokeToken(q, tokenDigest(token), this.clock.now()));
  }

  /** Expired tokens are kept a day so clients are told "expired", then dropped. */
  async purgeExpiredTokens(): Promise<number> {
    return this.repo.purgeTokens(this.db, this.clock.now(), 86_400);
  }

  // --- users -------------------------------------------------------------------------------------

  async listUsers(filter: { name?: string; domain_id?: string }): Promise<PublicUser[]> {
    return (await this.repo.listUsers(this.db, filter)).map(toPublicUser);
  }

  async getUser(id: string): Promise<PublicUser> {
    const u = await this.repo.findUser(this.db, id);
    if (!u) throw new StarlingError('NOT_FOUND', `no user with id ${id}`, { field: 'user_id' });
    return toPublicUser(u);
  }

  async createUser(input: {
    name: string;
    password: string;
    domain_id?: string;
    default_project_id?: string;
    enabled?: boolean;
    email?: string;
  }): Promise<PublicUser> {
    checkPassword(input.password, '/user/password');
    const hash = await hashPassword(input.password);
    return this.db.tx(async (q) => {
      const domainId = input.domain_id ?? DEFAULT_DOMAIN.id;
      if (!(await this.repo.findDomain(q, { id: domainId }))) {
        throw new StarlingError('VALIDATION_FAILED', `no domain with id ${domainId}`, { field: '/user/domain_id' });
      }
      if (input.default_project_id !== undefined && !(await this.repo.findProject(q, input.default_project_id))) {
        throw new StarlingError('VALIDATION_FAILED', `no project with id ${input.default_project_id}`, {
          field: '/user/default_project_id',
        });
      }
      if (await this.repo.findUserByName(q, domainId, input.name)) {
        throw new StarlingError('CONFLICT', `a user named ${input.name} already exists`, { field: '/user/name' });
      }
      const u: UserRow = {
        id: newKeystoneId(),
        name: input.name,
        domain_id: domainId,
        password_hash: hash,
        enabled: input.enabled ?? true,
        default_project_id: input.default_project_id ?? null,
        email: input.email ?? null,
        ...NOT_FAILED,
        ignore_lockout_failure_attempts: false,
      };
      await this.repo.insertUser(q, u);
      return toPublicUser(u);
    });
  }

  /** Changing the password or disabling the user revokes all of the user's tokens (Keystone does). */
  async updateUser(
    id: string,
    patch: { name?: string; password?: string; enabled?: boolean; default_project_id?: string | null; email?: string },
  ): Promise<PublicUser> {
    if (patch.password !== undefined) checkPassword(patch.password, '/user/password');
    const hash = patch.password === undefined ? undefined : await hashPassword(patch.password);
    return this.change(async (q) => {
      if (typeof patch.default_project_id === 'string' && !(await this.repo.findProject(q, patch.default_project_id))) {
        throw new StarlingError('VALIDATION_FAILED', `no project with id ${patch.default_project_id}`, {
          field: '/user/default_project_id',
        });
      }
      const u = await this.repo.updateUser(q, id, {
        name: patch.name,
        enabled: patch.enabled,
        default_project_id: patch.default_project_id,
        email: patch.email,
        password_hash: hash,
      });
      if (!u) throw new StarlingError('NOT_FOUND', `no user with id ${id}`, { field: 'user_id' });
      if (hash !== undefined || patch.enabled === false) await this.repo.revokeUserTokens(q, id, this.clock.now());
      return toPublicUser(u);
    });
  }

  /** Identity sync (a subcloud's end): the Default domain's identity, the named users left out. */
  async exportSnapshot(exclude: readonly string[]): Promise<IdentitySnapshot> {
    return exportIdentity(this.db, exclude);
  }

  /** Identity sync: the users and projects an earlier sync brought here. */
  async syncedNames(exclude: readonly string[]): Promise<SyncedNames> {
    return syncedNames(this.db, exclude);
  }

  /** Identity sync: this site's identity made equal to a system controller's, in one transaction. */
  async importSnapshot(s: IdentitySnapshot, exclude: readonly string[]): Promise<ImportResult> {
    return this.change((q) => importIdentity(q, s, exclude, this.clock.now()));
  }

  /** Self-service password change: needs the current password. */
  async changeOwnPassword(userId: string, originalPassword: string, password: string): Promise<void> {
    const u = await this.repo.findUser(this.db, userId);
    if (!u || !(await verifyPassword(originalPassword, u.password_hash))) {
      throw new StarlingError('AUTH_FAILED', 'the original password is wrong', { field: '/user/original_password' });
    }
    await this.updateUser(userId, { password });
  }

  async deleteUser(id: string, caller: AuthContext): Promise<void> {
    if (id === caller.user.id) {
      throw new StarlingError('CONFLICT', 'you cannot delete your own user', { field: 'user_id' });
    }
    await this.change(async (q) => {
      const u = await this.repo.findUser(q, id);
      if (!u) throw new StarlingError('NOT_FOUND', `no user with id ${id}`, { field: 'user_id' });
      if (u.name === 'admin' && u.domain_id === DEFAULT_DOMAIN.id) {
        throw new StarlingError('CONFLICT', 'the bootstrap admin user cannot be deleted', { field: 'user_id' });
      }
      await this.repo.deleteUser(q, id);
    });
  }

  // --- projects, roles, assignments ----------------------------------------------------------------

  async listProjects(filter: { name?: string }): Promise<ProjectRow[]> {
    return this.repo.listProjects(this.db, filter);
  }

  async getProject(id: string): Promise<ProjectRow> {
    const p = await this.repo.findProject(this.db, id);
    if (!p) throw new StarlingError('NOT_FOUND', `no project with id ${id}`, { field: 'project_id' });
    return p;
  }

  async createProject(input: { name: string; description?: string; domain_id?: string; enabled?: boolean }): Promise<ProjectRow> {
    return this.db.tx(async (q) => {
      const domainId = input.domain_id ?? DEFAULT_DOMAIN.id;
      if (!(await this.repo.findDomain(q, { id: domainId }))) {
        throw new StarlingError('VALIDATION_FAILED', `no domain with id ${domainId}`, { field: '/project/domain_id' });
      }
      if (await this.repo.findProjectByName(q, domainId, input.name)) {
        throw new StarlingError('CONFLICT', `a project named ${input.name} already exists`, { field: '/project/name' });
      }
      const p: ProjectRow = {
        id: newKeystoneId(),
        name: input.name,
        domain_id: domainId,
        description: input.description ?? '',
        enabled: input.enabled ?? true,
      };
      await this.repo.insertProject(q, p);
      return p;
    });
  }

  async deleteProject(id: string): Promise<void> {
    await this.change(async (q) => {
      const p = await this.repo.findProject(q, id);
      if (!p) throw new StarlingError('NOT_FOUND', `no project with id ${id}`, { field: 'project_id' });
      if (p.name === ADMIN_PROJECT || p.name === SERVICES_PROJECT) {
        throw new StarlingError('CONFLICT', `project ${p.name} is the platform's own and cannot be deleted`, {
          field: 'project_id',
        });
      }
      await this.repo.deleteProject(q, id);
    });
  }

  async listRoles(): Promise<RoleRow[]> {
    return this.repo.listRoles(this.db);
  }

  async grantRole(projectId: string, userId: string, roleId: string): Promise<void> {
    await this.change(async (q) => {
      await this.requireAssignmentParts(q, projectId, userId, roleId);
      await this.repo.grant(q, userId, projectId, roleId);
    });
  }

  async revokeRole(projectId: string, userId: string, roleId: string): Promise<void> {
    await this.change(async (q) => {
      await this.requireAssignmentParts(q, projectId, userId, roleId);
      if (!(await this.repo.revokeGrant(q, userId, projectId, roleId))) {
        throw new StarlingError('NOT_FOUND', 'the user has no such role on this project');
      }
    });
  }

  private async requireAssignmentParts(q: Queryable, projectId: string, userId: string, roleId: string): Promise<void> {
    if (!(await this.repo.findProject(q, projectId))) {
      throw new StarlingError('NOT_FOUND', `no project with id ${projectId}`, { field: 'project_id' });
    }
    if (!(await this.repo.findUser(q, userId))) throw new StarlingError('NOT_FOUND', `no user with id ${userId}`, { field: 'user_id' });
    const role = await this.repo.findRole(q, roleId);
    if (!role || role.id !== roleId) throw new StarlingError('NOT_FOUND', `no role with id ${roleId}`, { field: 'role_id' });
  }

  async listAssignments(filter: { user_id?: string; project_id?: string }) {
    return this.repo.listAssignments(this.db, filter);
  }

  async listDomains() {
    return this.repo.listDomains(this.db);
  }
}
