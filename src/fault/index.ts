// Fault management (StarlingX's FM): the alarm port, alarms, the event log, suppression, the
// alarm catalog and change notifications.
export {
  FaultService,
  NOTIFY_CHANNEL,
  type AlarmPort,
  type FaultNotification,
  type RetentionOptions,
} from './service.ts';
export { FaultNotifier, type FaultSubscriber } from './notifier.ts';
export { faultRoutes } from './routes.ts';
export { SnmpTrapSender } from './snmp.ts';
export { trapDestRoutes, TRAPDEST_CHANNEL, type TrapDest } from './trapdest.ts';
export { loadCatalog, CATALOG_FILE } from './catalog-file.ts';
export { parseCliQuery } from './domain/query.ts';
export type { Catalog, CatalogEntry } from './domain/catalog.ts';
export type { Alarm, EventLogEntry, Severity } from './domain/model.ts';
import type { ServiceEntry } from '../api/catalog.ts';
export const FAULT_SERVICE: ServiceEntry = { type: 'faultmanagement', name: 'fm', path: '' };
