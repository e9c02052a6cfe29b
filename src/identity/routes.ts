// Keystone v3 routes: tokens (issue, validate, revoke), users, projects, roles, role assignments.

import type { FastifyRequest } from 'fastify';
import type { App } from '../api/server.ts';
import { renderCatalog, type ServiceEntry } from '../api/catalog.ts';
import { StarlingError } from '../common/errors.ts';
import {
  AssignmentFilter,
  AuthRequest,
  GrantParams,
  IdParam,
  NameFilter,
  PasswordChange,
  TokenQuery,
  ProjectCreate,
  UserCreate,
  UserUpdate,
} from './schemas.ts';
import type { AuthContext, IdentityService } from './service.ts';

export interface IdentityRouteOptions {
  catalog: () => readonly ServiceEntry[];
  region: string;
}

export const baseUrl = (req: FastifyRequest): string => `${req.protocol}://${req.host}`;

function tokenBody(ctx: AuthContext, catalog: ReturnType<typeof renderCatalog> | undefined) {
  return {
    token: {
      methods: ['password'],
      user: { id: ctx.user.id, name: ctx.user.name, domain: ctx.user.domain, password_expires_at: null },
      project: { id: ctx.project.id, name: ctx.project.name, domain: ctx.project.domain },
      is_domain: false,
      roles: ctx.roles,
      audit_ids: [ctx.audit_id],
      issued_at: ctx.issued_at.toISOString(),
      expires_at: ctx.expires_at.toISOString(),
      ...(catalog === undefined ? {} : { catalog }),
    },
  };
}

const links = (req: FastifyRequest, path: string) => ({ self: `${baseUrl(req)}${path}` });

export function identityRoutes(app: App, identity: IdentityService, opts: IdentityRouteOptions): void {
  app.get('/v3', { config: { access: 'public' } }, async (req) => ({
    version: {
      id: 'v3.14',
      status: 'stable',
      updated: '2020-04-07T00:00:00Z',
      links: [{ rel: 'self', href: `${baseUrl(req)}/v3/` }],
      media_types: [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
    },
  }));

  app.post(
    '/v3/auth/tokens',
    { config: { access: 'public' }, schema: { body: AuthRequest, querystring: TokenQuery } },
    async (req, reply) => {
      const { auth } = req.body;
      const { token, context } = await identity.issueToken({
        user: auth.identity.password.user,
        ...(auth.scope === undefined ? {} : { scope: auth.scope }),
      }, req.ip);
      req.auth = context;
      const catalog = req.query.nocatalog === undefined ? renderCatalog(opts.catalog(), baseUrl(req), opts.region) : undefined;
      return reply.status(201).header('x-subject-token', token).send(tokenBody(context, catalog));
    },
  );

  // Validate: the caller's own token, or any token when the caller is admin (Keystone's rule).
  const subject = async (req: FastifyRequest): Promise<{ token: string; ctx: AuthContext }> => {
    const header = req.headers['x-subject-token'];
    if (typeof header !== 'string' || header === '') {
      throw new StarlingError('VALIDATION_FAILED', 'the X-Subject-Token header is required', {
        field: 'X-Subject-Token',
      });
    }
    const caller = req.auth!;
    const own = header === req.headers['x-auth-token'];
    if (!own && !caller.roles.some((r) => r.name === 'admin')) {
      throw new StarlingError('FORBIDDEN', 'only admins may inspect or revoke another user’s token');
    }
    const ctx = own ? caller : await identity.validate(header);
    if (!ctx) throw new StarlingError('TOKEN_NOT_FOUND');
    return { token: header, ctx };
  };

  app.get('/v3/auth/tokens', { config: { access: 'authenticated' }, schema: { querystring: TokenQuery } }, async (req, reply) => {
    const { ctx } = await subject(req);
    const nocatalog = req.query.nocatalog !== undefined;
    return reply
      .header('x-subject-token', req.headers['x-subject-token'])
      .send(tokenBody(ctx, nocatalog ? undefined : renderCatalog(opts.catalog(), baseUrl(req), opts.region)));
  });

  app.head('/v3/auth/tokens', { config: { access: 'authenticated' } }, async (req, reply) => {
    await subject(req);
    return reply.status(200).send();
  });

  app.delete('/v3/auth/tokens', { config: { access: 'authenticated' } }, async (req, reply) => {
    const { token } = await subject(req);
    await identity.revokeToken(token);
    return reply.status(204).send();
  });

  app.get('/v3/auth/catalog', { config: { access: 'authenticated' } }, async (req) => ({
    catalog: renderCatalog(opts.catalog(), baseUrl(req), opts.region),
    links: links(req, '/v3/auth/catalog'),
  }));

  // --- users ----------------------------------------------------------------------------------------
  app.get('/v3/users', { config: { access: 'admin' }, schema: { querystring: NameFilter } }, async (req) => ({
    users: (await identity.listUsers(req.query)).map((u) => ({ ...u, links: links(req, `/v3/users/${u.id}`) })),
    links: links(req, '/v3/users'),
  }));

  app.get('/v3/users/:user_id', { config: { access: 'authenticated' }, schema: { params: IdParam('user_id') } }, async (req) => {
    const id = (req.params as { user_id: string }).user_id;
    if (id !== req.auth!.user.id && !req.auth!.roles.some((r) => r.name === 'admin')) {
      throw new StarlingError('FORBIDDEN', 'only admins may read other users');
    }
    const u = await identity.getUser(id);
    return { user: { ...u, links: links(req, `/v3/users/${u.id}`) } };
  });

  app.post('/v3/users', { schema: { body: UserCreate } }, async (req, reply) => {
    const { description: _ignored, ...input } = req.body.user;
    const u = await identity.createUser(input);
    return reply.status(201).send({ user: { ...u, links: links(req, `/v3/users/${u.id}`) } });
  });

  app.patch('/v3/users/:user_id', { schema: { params: IdParam('user_id'), body: UserUpdate } }, async (req) => {
    const u = await identity.updateUser((req.params as { user_id: string }).user_id, req.body.user);
    return { user: { ...u, links: links(req, `/v3/users/${u.id}`) } };
  });

  app.post(
    '/v3/users/:user_id/password',
    { config: { access: 'authenticated' }, schema: { params: IdParam('user_id'), body: PasswordChange } },
    async (req, reply) => {
      const id = (req.params as { user_id: string }).user_id;
      if (id !== req.auth!.user.id) throw new StarlingError('FORBIDDEN', 'you can change only your own password here');
      await identity.changeOwnPassword(id, req.body.user.original_password, req.body.user.password);
      return reply.status(204).send();
    },
  );

  app.delete('/v3/users/:user_id', { schema: { params: IdParam('user_id') } }, async (req, reply) => {
    await identity.deleteUser((req.params as { user_id: string }).user_id, req.auth!);
    return reply.status(204).send();
  });

  // --- projects -------------------------------------------------------------------------------------
  app.get('/v3/projects', { config: { access: 'admin' }, schema: { querystring: NameFilter } }, async (req) => ({
    projects: (await identity.listProjects(req.query)).map((p) => ({
      ...p,
      is_domain: false,
      parent_id: p.domain_id,
      links: links(req, `/v3/projects/${p.id}`),
    })),
    links: links(req, '/v3/projects'),
  }));

  app.get('/v3/projects/:project_id', { config: { access: 'admin' }, schema: { params: IdParam('project_id') } }, async (req) => {
    const p = await identity.getProject((req.params as { project_id: string }).project_id);
    return { project: { ...p, is_domain: false, parent_id: p.domain_id, links: links(req, `/v3/projects/${p.id}`) } };
  });

  app.post('/v3/projects', { schema: { body: ProjectCreate } }, async (req, reply) => {
    const p = await identity.createProject(req.body.project);
    return reply.status(201).send({ project: { ...p, is_domain: false, parent_id: p.domain_id, links: links(req, `/v3/projects/${p.id}`) } });
  });

  app.delete('/v3/projects/:project_id', { schema: { params: IdParam('project_id') } }, async (req, reply) => {
    await identity.deleteProject((req.params as { project_id: string }).project_id);
    return reply.status(204).send();
  });

  // --- roles ----------------------------------------------------------------------------------------
  app.get('/v3/roles', { config: { access: 'admin' } }, async (req) => ({
    roles: (await identity.listRoles()).map((r) => ({ ...r, links: links(req, `/v3/roles/${r.id}`) })),
    links: links(req, '/v3/roles'),
  }));

  app.put('/v3/projects/:project_id/users/:user_id/roles/:role_id', { schema: { params: GrantParams } }, async (req, reply) => {
    const p = req.params;
    await identity.grantRole(p.project_id, p.user_id, p.role_id);
    return reply.status(204).send();
  });

  app.delete('/v3/projects/:project_id/users/:user_id/roles/:role_id', { schema: { params: GrantParams } }, async (req, reply) => {
    const p = req.params;
    await identity.revokeRole(p.project_id, p.user_id, p.role_id);
    return reply.status(204).send();
  });

  app.get('/v3/role_assignments', { config: { access: 'admin' }, schema: { querystring: AssignmentFilter } }, async (req) => {
    const rows = await identity.listAssignments({
      ...(req.query['user.id'] === undefined ? {} : { user_id: req.query['user.id'] }),
      ...(req.query['scope.project.id'] === undefined ? {} : { project_id: req.query['scope.project.id'] }),
    });
    return {
      role_assignments: rows.map((r) =>
        req.query.include_names === true
          ? {
              role: { id: r.role_id, name: r.role_name },
              user: { id: r.user_id, name: r.user_name, domain: { id: r.user_domain_id, name: r.user_domain_name } },
              scope: {
                project: {
                  id: r.project_id,
                  name: r.project_name,
                  domain: { id: r.project_domain_id, name: r.project_domain_name },
                },
              },
            }
          : {
              role: { id: r.role_id, name: r.role_name },
              user: { id: r.user_id },
              scope: { project: { id: r.project_id } },
            },
      ),
      links: links(req, '/v3/role_assignments'),
    };
  });
}
