// Maintenance (StarlingX mtce): host actions, heartbeat failure detection, recovery, BMC drivers.
import { createHmac } from 'node:crypto';
export { MaintenanceEngine, MAINTENANCE_DEFAULTS, type MaintenanceConfig } from './engine.ts';
export { maintenanceRoutes } from './routes.ts';
export type { PowerState } from './bmc/index.ts';

/** The site's heartbeat key, derived from the data folder's secrets key (every controller of a
 *  site shares that key already, to read BMC passwords). */
export function siteHeartbeatKey(secretsKeyBase64: string): Buffer {
  return createHmac('sha256', Buffer.from(secretsKeyBase64, 'base64'))
    .update('starling heartbeat site key')
    .digest();
}
