// The link monitor (StarlingX lmond): polls the platform interfaces' link state in sysfs under a
// root folder and raises the network's port-failed alarm while a link is down.

import { StarlingError } from '../../common/errors.ts';
import type { Logger } from '../../common/log.ts';
import { RootTree } from '../discovery/tree.ts';
import type { AlarmSink } from './alarm-sink.ts';
import { linkAction, linkStateOf, validIfname, type LinkState } from './domain/links.ts';

export interface MonitoredInterface {
  ifname: string;
  /** mgmt, cluster-host and oam have a port alarm; others (data, …) are only watched. */
  network: string;
}

export interface InterfaceMonitor {
  states(): Record<string, LinkState>;
  /** Reads every interface now (besides the periodic polls) and reports changes. */
  poll(): Promise<Record<string, LinkState>>;
  stop(): Promise<void>;
}

/** The link as sysfs shows it; missing = the interface does not exist under this root. */
export async function readLinkState(root: string, ifname: string): Promise<LinkState | 'missing'> {
  const tree = new RootTree(root); // fresh: RootTree caches lookups, and interfaces come and go
  const dir = `sys/class/net/${ifname}`;
  const operstate = await tree.read(`${dir}/operstate`);
  if (operstate === undefined) return (await tree.resolve(dir)) === undefined ? 'missing' : 'down';
  return linkStateOf(operstate, await tree.read(`${dir}/carrier`));
}

export function startInterfaceMonitor(opts: {
  root: string;
  hostname: string;
  sink: AlarmSink;
  log: Logger;
  interfaces: MonitoredInterface[];
  /** Default 1000. */
  periodMs?: number;
}): InterfaceMonitor {
  const { root, hostname, sink, log } = opts;
  for (const i of opts.interfaces) {
    if (!validIfname(i.ifname))
      throw new StarlingError('CONFIG_INVALID', `link monitor: '${i.ifname}' is not an interface name`, {
        field: 'interfaces',
      });
  }
  const states = new Map<string, LinkState>();
  const missing = new Set<string>();
  let chain: Promise<unknown> = Promise.resolve();
  let stopped = false;

  const check = async (i: MonitoredInterface): Promise<void> => {
    const read = await readLinkState(root, i.ifname);
    if (read === 'missing' && !missing.has(i.ifname))
      log.warn(
        { ifname: i.ifname, network: i.network },
        'link monitor: interface not found; counted as down',
      );
    if (read === 'missing') missing.add(i.ifname);
    else missing.delete(i.ifname);
    const now: LinkState = read === 'missing' ? 'down' : read;
    const previous = states.get(i.ifname);
    states.set(i.ifname, now);
    if (previous !== undefined && previous !== now)
      log[now === 'down' ? 'warn' : 'info']({ ifname: i.ifname, network: i.network }, `link ${now}`);
    const action = linkAction(previous, now, hostname, i.ifname, i.network);
    if (action?.kind === 'raise') await sink.raise(action.alarm);
    if (action?.kind === 'clear') await sink.clear(action.alarm_id, action.entity_instance_id);
  };

  const poll = (): Promise<Record<string, LinkState>> => {
    const next = chain.then(async () => {
      for (const i of opts.interfaces) {
        try {
          await check(i);
        } catch (e) {
          log.error({ ifname: i.ifname, err: (e as Error).message }, 'link monitor: check failed');
        }
      }
      return Object.fromEntries(states);
    });
    chain = next.catch(() => undefined);
    return next;
  };

  let timer: NodeJS.Timeout | undefined;
  const tick = (): void => {
    void poll().finally(() => {
      if (!stopped) timer = setTimeout(tick, opts.periodMs ?? 1_000);
    });
  };
  tick();

  return {
    states: () => Object.fromEntries(states),
    poll,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await chain;
    },
  };
}
