// Distributed cloud (StarlingX's dcmanager): subclouds, subcloud groups, the availability audit
// and the alarm summary, served on a system controller.
export { DcManagerService, parseBootstrapValues, type SubcloudListener } from './service.ts';
export { dcmanagerRoutes } from './routes.ts';
export { SubcloudAuditor, OFFLINE_ALARM, type AuditOptions, type AuditDeps } from './reconciler.ts';
export { shardedAudit, type ShardedAudit } from './sharded-audit.ts';
export { SubcloudClient, type SubcloudProbe, type SubcloudEndpoint } from './subcloud-client.ts';
export type { Subcloud, SubcloudGroup, AlarmSummaryRow, EndpointSyncStatus } from './schemas.ts';
import type { ServiceEntry } from '../api/catalog.ts';
export const DCMANAGER_SERVICE: ServiceEntry = { type: 'dcmanager', name: 'dcmanager', path: '/v1.0' };
