// The host's monitors, started and stopped together (a reboot stops them): processes (pmon),
// resources (CPU, memory, file systems) and the links of the interfaces that carry the agent's
// networks. Their alarms go to the sink; their health answers goenabled and the heartbeat's flags.

import os from 'node:os';
import type { AgentConfig } from '../common/config.ts';
import type { Logger } from '../common/log.ts';
import type { AlarmSink } from './monitor/alarm-sink.ts';
import { startInterfaceMonitor, type InterfaceMonitor } from './monitor/interfaces.ts';
import { startResourceMonitor, type ResourceMonitor } from './monitor/resources.ts';
import { startPmon, type Pmon } from './pmon/pmon.ts';

export interface HostHealth {
  pmonRunning: boolean;
  healthy: boolean;
  /** What makes the host unhealthy (`process x failed`). */
  problems: string[];
}

export interface HostMonitors {
  start(hostname: string): Promise<void>;
  stop(): Promise<void>;
  health(): HostHealth;
}

/** The interfaces that carry the agent's heartbeat networks (found by their addresses): their
 *  link state is monitored, as StarlingX's lmond watches the management and cluster-host ports. */
export function networkInterfaces(
  networks: AgentConfig['networks'],
  interfaces: ReturnType<typeof os.networkInterfaces> = os.networkInterfaces(),
): { ifname: string; network: string }[] {
  const out: { ifname: string; network: string }[] = [];
  for (const [ifname, addrs] of Object.entries(interfaces)) {
    if (ifname === 'lo') continue;
    for (const n of networks) if ((addrs ?? []).some((a) => a.address === n.address)) out.push({ ifname, network: n.network });
  }
  return out;
}

export function createHostMonitors(opts: {
  config: Pick<AgentConfig, 'root' | 'pmonDir' | 'networks'>;
  sink: AlarmSink;
  log: Logger;
  /** A critical process could not be restored: the controller fails the host. */
  onCriticalFailure: (process: string, reason: string) => void;
}): HostMonitors {
  const { config, sink, log } = opts;
  let pmon: Pmon | undefined;
  let resources: ResourceMonitor | undefined;
  let links: InterfaceMonitor | undefined;
  return {
    start: async (hostname) => {
      pmon = await startPmon({ dir: config.pmonDir, hostname, sink, log, onCriticalFailure: opts.onCriticalFailure });
      for (const p of pmon.problems()) log.warn({ problem: p }, 'pmon configuration');
      resources = startResourceMonitor({ root: config.root, hostname, sink, log });
      const ifaces = networkInterfaces(config.networks);
      if (ifaces.length > 0) links = startInterfaceMonitor({ root: config.root, hostname, sink, log, interfaces: ifaces });
    },
    stop: async () => {
      await Promise.all([pmon?.stop(), resources?.stop(), links?.stop()]);
      pmon = undefined;
      resources = undefined;
      links = undefined;
    },
    health: () => ({
      pmonRunning: pmon !== undefined,
      healthy: pmon?.healthy() ?? true,
      problems: (pmon?.status() ?? []).filter((p) => p.state === 'failed').map((p) => `process ${p.name} failed`),
    }),
  };
}
