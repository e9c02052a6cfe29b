// Inventory and configuration management (sysinv): the system, and later hosts and their parts.
export { InventoryService } from './service.ts';
export { inventoryRoutes } from './routes.ts';
export { HostService, type Registration, type MaintenancePort, type HeartbeatEndpoint } from './host-service.ts';
export { hostRoutes } from './host-routes.ts';
export { InterfaceService, type InterfaceRecord } from './interface-service.ts';
export { interfaceRoutes } from './interface-routes.ts';
export { StorageService, type StorageRecord } from './storage-service.ts';
export { storageRoutes } from './storage-routes.ts';
export * from './schemas.ts';
export { registerSysinvFields, withSysinvFields } from './sysinv-fields.ts';
export type { Administrative, Availability, HostAction, Operational } from './domain/host-state.ts';
export {
  hostStatePort,
  type BmType,
  type HostBmc,
  type HostConfig,
  type HostInterfaceConfig,
  type HostStatePatch,
  type HostStatePort,
  type HostStateRow,
} from './host-state-port.ts';
import type { ServiceEntry } from '../api/catalog.ts';
export const PLATFORM_SERVICE: ServiceEntry = { type: 'platform', name: 'sysinv', path: '/v1' };
