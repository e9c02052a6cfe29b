// Inventory and configuration management (sysinv): the system, and later hosts and their parts.
export { InventoryService } from './system/service.ts';
export { inventoryRoutes, dnsNtpRoutes, platformSyncRoutes } from './system/routes.ts';
export { platformInSync, type PlatformSettings } from './system/domain/dns-ntp.ts';
export { HostService, type Registration, type MaintenancePort, type HeartbeatEndpoint } from './hosts/service.ts';
export { hostRoutes } from './hosts/routes.ts';
export { InterfaceService, type InterfaceRecord } from './networking/service.ts';
export { interfaceRoutes } from './networking/routes.ts';
export { StorageService, type StorageRecord } from './storage/service.ts';
export { storageRoutes } from './storage/routes.ts';
export * from './system/schemas.ts';
export { HOST_ACTIONS, type HostAction } from './hosts/domain/host-state.ts';
export { PARTITION_STATUS, PARTITION_TYPES, gib } from './storage/domain/storage.ts';
export { registerSysinvFields, withSysinvFields } from './sysinv-fields.ts';
export type { Administrative, Availability, Operational } from './hosts/domain/host-state.ts';
export {
  hostStatePort,
  type BmType,
  type HostBmc,
  type HostConfig,
  type HostInterfaceConfig,
  type HostStatePatch,
  type HostStatePort,
  type HostStateRow,
} from './hosts/host-state-port.ts';
import type { ServiceEntry } from '../api/catalog.ts';
export const PLATFORM_SERVICE: ServiceEntry = { type: 'platform', name: 'sysinv', path: '/v1' };
