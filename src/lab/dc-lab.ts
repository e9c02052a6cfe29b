// Building and tearing down a distributed-cloud lab (dc-topology.ts) on this machine: its /24s
// checked free first, every step run, and on teardown every process in its namespaces stopped
// (a site's controller stops its own PostgreSQL) before the namespaces and the root link go.

import type { Logger } from '../common/log.ts';
import { StarlingError } from '../common/errors.ts';
import { killAll } from './cleanup.ts';
import { linkKind, listNamespaces, namespacePids, routedSubnet, runIp, runStep } from './netns.ts';
import { dcLabSetupSteps, dcLinkSteps, type DcLabTopology } from './dc-topology.ts';

/** Builds the lab; a partial build is torn down before the error is thrown. */
export async function buildDcLab(t: DcLabTopology, log?: Logger): Promise<void> {
  for (const subnet of [...t.root.routes, `${t.root.address}/24`]) {
    const taken = await routedSubnet(subnet.split('.').slice(0, 3).join('.'));
    if (taken !== undefined) throw new StarlingError('CONFLICT', `${subnet} is already routed on this machine (${taken}): choose another base`, { field: 'base' });
  }
  try {
    for (const step of dcLabSetupSteps(t)) await runStep(step);
  } catch (e) {
    await teardownDcLab(t, log);
    throw e;
  }
}

/** Cuts (`up` false) or restores a site's WAN link at the router. */
export async function setDcLink(t: DcLabTopology, site: string, up: boolean): Promise<void> {
  for (const step of dcLinkSteps(t, site, up)) await runStep(step);
}

/** Removes everything the lab made, also after a failed or partial build. */
export async function teardownDcLab(t: DcLabTopology, log?: Logger): Promise<{ namespaces: string[]; killed: number[] }> {
  const ours = new Set([t.routerNamespace, ...t.sites.map((s) => s.namespace)]);
  const namespaces = (await listNamespaces()).filter((ns) => ours.has(ns));
  const pids = (await Promise.all(namespaces.map(namespacePids))).flat();
  if (pids.length > 0) {
    // Starling first (each controller stops its PostgreSQL), then whatever is left.
    await killAll(pids, 10_000);
    const left = (await Promise.all(namespaces.map(namespacePids))).flat();
    if (left.length > 0) await killAll(left, 5000);
  }
  if (namespaces.length > 0) {
    await runIp(['-force', '-batch', '-'], namespaces.map((ns) => `netns del ${ns}\n`).join('')).catch((e: unknown) =>
      log?.warn({ namespaces, err: (e as Error).message }, 'could not delete every namespace'),
    );
  }
  // The root veth goes with the router namespace; make sure (only a veth of that name).
  if ((await linkKind(t.root.ifname)) === 'veth') {
    await runIp(['link', 'del', 'dev', t.root.ifname]).catch((e: unknown) => {
      if (!/Cannot find device/.test((e as Error).message)) log?.warn({ link: t.root.ifname, err: (e as Error).message }, 'could not delete the root link');
    });
  }
  return { namespaces, killed: pids };
}
