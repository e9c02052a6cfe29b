// Who may do what. StarlingX's platform policy: `admin` changes the platform; `reader` (and
// Keystone's `member`) may only read. Pure: roles in, decision out.

export const ROLES = ['admin', 'member', 'reader'] as const;
export type RoleName = (typeof ROLES)[number];

/**
 * A route's access level:
 * - `public`: no token (token issue, health, version documents);
 * - `authenticated`: any valid token (validate or revoke one's own token, report a CLI command);
 * - `read`: a role that may read (admin, member, reader);
 * - `admin`: the admin role (every platform change, identity management, the audit log).
 */
export type Access = 'public' | 'authenticated' | 'read' | 'admin';

const READ_ROLES: ReadonlySet<string> = new Set(['admin', 'member', 'reader']);

export function allows(access: Access, roles: readonly string[]): boolean {
  switch (access) {
    case 'public':
    case 'authenticated':
      return true;
    case 'read':
      return roles.some((r) => READ_ROLES.has(r));
    case 'admin':
      return roles.includes('admin');
  }
}

/** The access a route gets unless it says otherwise: reads need `read`, everything else `admin`. */
export function defaultAccess(method: string): Access {
  return method === 'GET' || method === 'HEAD' || method === 'OPTIONS' ? 'read' : 'admin';
}
