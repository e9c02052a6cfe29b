// The agent's inventory reports: the host is discovered (src/agent/discovery/) and registered with
// the controller's inventory when what it would report changed since the last report accepted.
// The inventory's answer names the host: until then the agent goes by its configured name (the
// local agent of `starling up` runs on a machine named anything; its host is controller-0).

import type { AgentConfig } from '../common/config.ts';
import type { Logger } from '../common/log.ts';
import type { RegisterAnswer, RegisterBody } from '../agentlink/protocol.ts';
import type { ResponderEndpoint } from '../agentlink/heartbeat/index.ts';
import { discoverInventory } from './discovery/index.ts';
import { managementMac, registrationBody } from './report.ts';

export interface Reporter {
  /** The host's name: the configured one until the inventory answers with its own. */
  readonly hostname: string;
  /** The name the inventory knows the host by, once it said (alarms name the host so). */
  readonly inventoryName: string | undefined;
  /** The management MAC of the last report accepted. */
  readonly mgmtMac: string | undefined;
  /** Whether a report was accepted since the start or the last forget(). */
  readonly reported: boolean;
  /** Reports when the registration would differ from the last one accepted. */
  report(): Promise<void>;
  /** The next report is sent even if nothing changed (a reboot, a controller that forgot the host). */
  forget(): void;
}

export function createReporter(opts: {
  configuredName: string;
  /** What the host would register now. */
  collect: () => Promise<RegisterBody>;
  register: (body: RegisterBody) => Promise<RegisterAnswer>;
  log: Logger;
}): Reporter {
  const { log } = opts;
  let hostname = opts.configuredName;
  let inventoryName: string | undefined;
  let mgmtMac: string | undefined;
  let reported: string | undefined;
  return {
    get hostname() {
      return hostname;
    },
    get inventoryName() {
      return inventoryName;
    },
    get mgmtMac() {
      return mgmtMac;
    },
    get reported() {
      return reported !== undefined;
    },
    forget: () => {
      reported = undefined;
    },
    report: async () => {
      const body = await opts.collect();
      const text = JSON.stringify(body);
      if (text === reported) return;
      const host = await opts.register(body);
      reported = text;
      mgmtMac = body.mgmt_mac;
      if (host.hostname !== null && host.hostname !== hostname) {
        log.info({ configured: hostname, inventory: host.hostname }, 'using the host name the inventory knows');
        hostname = host.hostname;
      }
      if (host.hostname !== null) inventoryName = host.hostname;
      log.info(
        { host: host.hostname ?? host.uuid, mgmt_mac: body.mgmt_mac, cpus: body.inventory.icpus?.length ?? 0, ports: body.inventory.ethernet_ports?.length ?? 0 },
        'inventory reported',
      );
    },
  };
}

/** The registration of the host as discovered now, with where it answers heartbeat. */
export async function collectRegistration(
  config: Pick<AgentConfig, 'root' | 'mgmtMac' | 'mgmtInterface' | 'bootstrapController'>,
  heartbeat: ResponderEndpoint[],
  log: Logger,
): Promise<RegisterBody> {
  const inv = await discoverInventory(config.root);
  for (const p of inv.problems) log.warn({ problem: p }, 'inventory discovery');
  const mac = config.mgmtMac ?? (await managementMac(config.root, inv, config.mgmtInterface));
  return {
    ...registrationBody(inv, mac, config.bootstrapController ? { bootstrapController: true, hostname: 'controller-0' } : {}),
    heartbeat,
  };
}
