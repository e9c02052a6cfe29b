// `starling openstack …`: the identity commands of the OpenStack client StarlingX operators use
// (token issue/revoke, user, project, role, role assignment).

import type { Command } from 'commander';
import { StarlingError } from '../../common/errors.ts';
import type { ApiClient } from '../../api/client.ts';
import type { CliContext } from '../context.ts';

interface Named {
  id: string;
  name: string;
}

/** Finds a user, project or role by id or name. */
async function resolve(c: ApiClient, kind: 'users' | 'projects' | 'roles', ref: string): Promise<Named> {
  const all = (await c.get<Record<string, Named[]>>('identity', `/${kind}`))[kind] ?? [];
  const found = all.find((x) => x.id === ref) ?? all.filter((x) => x.name === ref);
  if (Array.isArray(found)) {
    const field = kind.slice(0, -1);
    if (found.length === 0) throw new StarlingError('NOT_FOUND', `no ${field} named or with id '${ref}'`, { field });
    if (found.length > 1) throw new StarlingError('CONFLICT', `several ${kind} are named '${ref}': use the id`, { field });
    return found[0]!;
  }
  return found;
}

const USER_COLUMNS: [string, string][] = [
  ['id', 'ID'],
  ['name', 'Name'],
  ['enabled', 'Enabled'],
  ['default_project_id', 'Default Project'],
];

export function registerIdentity(program: Command, ctx: CliContext): void {
  const os = program.command('openstack').description('identity: tokens, users, projects, roles (OpenStack client names)');

  const token = os.command('token').description('Keystone tokens');
  token
    .command('issue')
    .description('log in and print a token (use it as OS_TOKEN or X-Auth-Token)')
    .action(async () => {
      const s = (await ctx.client()).session;
      ctx.show({ id: s.token, expires: s.expiresAt.toISOString(), project_id: s.project.id, user_id: s.user.id }, [
        'expires',
        'id',
        'project_id',
        'user_id',
      ]);
    });
  token
    .command('revoke <token>')
    .description('revoke a token')
    .action(async (t: string) => {
      const c = await ctx.client();
      await c.request('DELETE', 'identity', '/auth/tokens', { headers: { 'x-subject-token': t } });
    });

  const user = os.command('user').description('users');
  user
    .command('list')
    .description('list users')
    .action(async () => {
      const c = await ctx.client();
      ctx.list((await c.get<{ users: Named[] }>('identity', '/users')).users as never, USER_COLUMNS);
    });
  user
    .command('show <user>')
    .description('show a user (name or id)')
    .action(async (ref: string) => {
      const c = await ctx.client();
      const u = await resolve(c, 'users', ref);
      ctx.target = u.id;
      const { user: full } = await c.get<{ user: Record<string, unknown> }>('identity', `/users/${u.id}`);
      ctx.show(full, ['default_project_id', 'domain_id', 'email', 'enabled', 'id', 'name']);
    });
  user
    .command('create <name>')
    .description('create a user, optionally with a role on a project')
    .requiredOption('--password <password>', 'the new user’s password (8 characters or more)')
    .option('--project <project>', 'default project (name or id)')
    .option('--role <role>', 'grant this role on --project (admin, member, reader)')
    .option('--email <email>', 'e-mail address')
    .option('--disable', 'create the user disabled')
    .action(async (name: string, o: { password: string; project?: string; role?: string; email?: string; disable?: boolean }) => {
      if (o.role !== undefined && o.project === undefined) {
        throw new StarlingError('USAGE', '--role needs --project', { field: '--role' });
      }
      const c = await ctx.client();
      const project = o.project === undefined ? undefined : await resolve(c, 'projects', o.project);
      const role = o.role === undefined ? undefined : await resolve(c, 'roles', o.role);
      const created = (
        await c.request<{ user: Named & Record<string, unknown> }>('POST', 'identity', '/users', {
          body: {
            user: {
              name,
              password: o.password,
              ...(project ? { default_project_id: project.id } : {}),
              ...(o.email ? { email: o.email } : {}),
              ...(o.disable ? { enabled: false } : {}),
            },
          },
        })
      ).body.user;
      ctx.target = created.id;
      if (project && role) await c.request('PUT', 'identity', `/projects/${project.id}/users/${created.id}/roles/${role.id}`);
      ctx.show(created, ['default_project_id', 'domain_id', 'email', 'enabled', 'id', 'name']);
    });
  user
    .command('set <user>')
    .description('change a user’s password, name or state')
    .option('--password <password>', 'new password (revokes the user’s tokens)')
    .option('--name <name>', 'new name')
    .option('--enable', 'enable the user')
    .option('--disable', 'disable the user (revokes the user’s tokens)')
    .action(async (ref: string, o: { password?: string; name?: string; enable?: boolean; disable?: boolean }) => {
      if (o.enable && o.disable) throw new StarlingError('USAGE', '--enable and --disable exclude each other');
      const patch = {
        ...(o.password !== undefined ? { password: o.password } : {}),
        ...(o.name !== undefined ? { name: o.name } : {}),
        ...(o.enable ? { enabled: true } : {}),
        ...(o.disable ? { enabled: false } : {}),
      };
      if (Object.keys(patch).length === 0) throw new StarlingError('USAGE', 'nothing to change: give --password, --name, --enable or --disable');
      const c = await ctx.client();
      const u = await resolve(c, 'users', ref);
      ctx.target = u.id;
      await c.request('PATCH', 'identity', `/users/${u.id}`, { body: { user: patch } });
    });
  user
    .command('delete <user>')
    .description('delete a user (name or id)')
    .action(async (ref: string) => {
      const c = await ctx.client();
      const u = await resolve(c, 'users', ref);
      ctx.target = u.id;
      await c.request('DELETE', 'identity', `/users/${u.id}`);
    });

  const project = os.command('project').description('projects');
  project
    .command('list')
    .description('list projects')
    .action(async () => {
      const c = await ctx.client();
      ctx.list((await c.get<{ projects: Named[] }>('identity', '/projects')).projects as never, [
        ['id', 'ID'],
        ['name', 'Name'],
        ['description', 'Description'],
        ['enabled', 'Enabled'],
      ]);
    });
  project
    .command('create <name>')
    .description('create a project')
    .option('--description <text>', 'description')
    .action(async (name: string, o: { description?: string }) => {
      const c = await ctx.client();
      const p = (
        await c.request<{ project: Record<string, unknown> & Named }>('POST', 'identity', '/projects', {
          body: { project: { name, ...(o.description ? { description: o.description } : {}) } },
        })
      ).body.project;
      ctx.target = p.id;
      ctx.show(p, ['description', 'domain_id', 'enabled', 'id', 'name']);
    });
  project
    .command('delete <project>')
    .description('delete a project (name or id)')
    .action(async (ref: string) => {
      const c = await ctx.client();
      const p = await resolve(c, 'projects', ref);
      ctx.target = p.id;
      await c.request('DELETE', 'identity', `/projects/${p.id}`);
    });

  const role = os.command('role').description('roles and role assignments');
  role
    .command('list')
    .description('list roles')
    .action(async () => {
      const c = await ctx.client();
      ctx.list((await c.get<{ roles: Named[] }>('identity', '/roles')).roles as never, [
        ['id', 'ID'],
        ['name', 'Name'],
      ]);
    });
  for (const [verb, method] of [
    ['add', 'PUT'],
    ['remove', 'DELETE'],
  ] as const) {
    role
      .command(`${verb} <role>`)
      .description(`${verb === 'add' ? 'grant' : 'revoke'} a role of a user on a project`)
      .requiredOption('--user <user>', 'user (name or id)')
      .requiredOption('--project <project>', 'project (name or id)')
      .action(async (roleRef: string, o: { user: string; project: string }) => {
        const c = await ctx.client();
        const [r, u, p] = [await resolve(c, 'roles', roleRef), await resolve(c, 'users', o.user), await resolve(c, 'projects', o.project)];
        ctx.target = `${u.id}@${p.id}`;
        await c.request(method, 'identity', `/projects/${p.id}/users/${u.id}/roles/${r.id}`);
      });
  }
  role
    .command('assignment')
    .description('role assignments')
    .command('list')
    .description('list role assignments')
    .option('--user <user>', 'only this user (name or id)')
    .option('--project <project>', 'only this project (name or id)')
    .option('--names', 'show names instead of ids')
    .action(async (o: { user?: string; project?: string; names?: boolean }) => {
      const c = await ctx.client();
      const u = o.user === undefined ? undefined : await resolve(c, 'users', o.user);
      const p = o.project === undefined ? undefined : await resolve(c, 'projects', o.project);
      const { role_assignments } = await c.get<{
        role_assignments: { role: Named; user: { id: string }; scope: { project: { id: string } } }[];
      }>('identity', '/role_assignments', { 'user.id': u?.id, 'scope.project.id': p?.id });
      let users = new Map<string, string>();
      let projects = new Map<string, string>();
      if (o.names) {
        users = new Map((await c.get<{ users: Named[] }>('identity', '/users')).users.map((x) => [x.id, x.name]));
        projects = new Map((await c.get<{ projects: Named[] }>('identity', '/projects')).projects.map((x) => [x.id, x.name]));
      }
      ctx.list(
        role_assignments.map((a) => ({
          role: o.names ? a.role.name : a.role.id,
          user: users.get(a.user.id) ?? a.user.id,
          project: projects.get(a.scope.project.id) ?? a.scope.project.id,
        })),
        [
          ['role', 'Role'],
          ['user', 'User'],
          ['project', 'Project'],
        ],
      );
    });
}
