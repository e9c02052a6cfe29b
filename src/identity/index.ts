// Identity: Keystone v3-compatible users, projects, roles and tokens.
export { IdentityService, adminBootstrap, DEFAULT_DOMAIN, ADMIN_PROJECT, SERVICES_PROJECT, type AuthContext, type PasswordAuth } from './service.ts';
export { identityRoutes, baseUrl } from './routes.ts';
export { discoveryRoutes } from './discovery-routes.ts';
export { identitySyncRoutes, snapshotDigest } from './sync.ts';
export { canonicalSnapshot, inSync, restrictTo, staleSynced, withoutUsers, type IdentitySnapshot, type SyncedNames } from './domain/sync.ts';
export { allows, defaultAccess, ROLES, type Access, type RoleName } from './domain/policy.ts';
import type { ServiceEntry } from '../api/catalog.ts';
export const IDENTITY_SERVICE: ServiceEntry = { type: 'identity', name: 'keystone', path: '/v3' };
