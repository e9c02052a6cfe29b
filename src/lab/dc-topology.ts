// A distributed-cloud lab: a system controller and N subclouds, each a site in a network namespace
// of its own on a /24 of its own, joined by a router namespace (so the system controller reaches
// each subcloud over routed addresses, as over a WAN), and one veth from the root namespace to the
// router so tests and operators on this machine reach every site. Cutting a site's WAN link = the
// router refusing its traffic. The plan is pure; the steps are `ip` lines (netns.ts).

import { StarlingError } from '../common/errors.ts';
import type { NetStep } from './netns.ts';

export interface DcLabSite {
  /** `systemcontroller`, or `subcloud1`… */
  name: string;
  role: 'systemcontroller' | 'subcloud';
  namespace: string;
  /** The router's port to this site (its WAN link). */
  routerPort: string;
  /** The site's address (its API listens there) and its gateway, the router. */
  address: string;
  gateway: string;
  subnet: string;
}

export interface DcLabTopology {
  name: string;
  routerNamespace: string;
  sites: DcLabSite[];
  /** The root namespace's veth to the router, and the routes it gets to every site's /24. */
  root: { ifname: string; routerPort: string; address: string; gateway: string; routes: string[] };
}

const LAB_NAME = /^[a-z][a-z0-9]{0,10}$/;

/**
 * @param base the first of the n + 2 consecutive /24s used inside 169.254.0.0/16 (IPv4 link-local:
 *   never routed beyond this machine): site i on 169.254.(base + i).0/24, the root link after them.
 */
export function planDcLab(name: string, subclouds: number, base: number): DcLabTopology {
  if (!LAB_NAME.test(name)) throw new StarlingError('VALIDATION_FAILED', `lab name '${name}': a lowercase letter, then up to 10 letters or digits`, { field: 'name' });
  if (!Number.isInteger(subclouds) || subclouds < 1 || subclouds > 20) throw new StarlingError('VALIDATION_FAILED', 'subclouds: 1 to 20', { field: 'subclouds' });
  const last = base + subclouds + 1;
  if (!Number.isInteger(base) || base < 1 || last > 254 || (base <= 169 && 169 <= last)) {
    throw new StarlingError('VALIDATION_FAILED', `base ${base}: the lab's /24s must fit in 169.254.1-254 and avoid 169.254.169.0/24`, { field: 'base' });
  }
  const net = (i: number): string => `169.254.${base + i}`;
  const sites: DcLabSite[] = Array.from({ length: subclouds + 1 }, (_, i) => {
    const siteName = i === 0 ? 'systemcontroller' : `subcloud${i}`;
    return {
      name: siteName,
      role: i === 0 ? 'systemcontroller' : 'subcloud',
      namespace: `${name}-${i === 0 ? 'sc' : `sub${i}`}`,
      routerPort: i === 0 ? 'sc0' : `sub${i}`,
      address: `${net(i)}.2`,
      gateway: `${net(i)}.1`,
      subnet: `${net(i)}.0/24`,
    };
  });
  const r = net(subclouds + 1);
  return {
    name,
    routerNamespace: `${name}-rt`,
    sites,
    root: { ifname: `${name}-dc`, routerPort: 'root0', address: `${r}.2`, gateway: `${r}.1`, routes: sites.map((s) => s.subnet) },
  };
}

/** Every command that builds the lab: namespaces and veths, the router's ports and forwarding,
 *  each site's address and default route, the root link and its routes. */
export function dcLabSetupSteps(t: DcLabTopology): NetStep[] {
  const rt = t.routerNamespace;
  const root: string[][] = [['netns', 'add', rt], ...t.sites.map((s) => ['netns', 'add', s.namespace])];
  for (const s of t.sites) root.push(['link', 'add', 'wan0', 'netns', s.namespace, 'type', 'veth', 'peer', 'name', s.routerPort, 'netns', rt]);
  root.push(['link', 'add', t.root.ifname, 'type', 'veth', 'peer', 'name', t.root.routerPort, 'netns', rt]);
  const router: string[][] = [['link', 'set', 'lo', 'up']];
  for (const s of t.sites) router.push(['addr', 'add', `${s.gateway}/24`, 'dev', s.routerPort], ['link', 'set', s.routerPort, 'up']);
  router.push(['addr', 'add', `${t.root.gateway}/24`, 'dev', t.root.routerPort], ['link', 'set', t.root.routerPort, 'up']);
  const steps: NetStep[] = [
    { batch: root },
    { nsShell: { namespace: rt, script: 'echo 1 > /proc/sys/net/ipv4/ip_forward' } },
    { batch: router, namespace: rt },
  ];
  for (const s of t.sites) {
    steps.push({
      namespace: s.namespace,
      batch: [
        ['link', 'set', 'lo', 'up'],
        ['addr', 'add', `${s.address}/24`, 'dev', 'wan0'],
        ['link', 'set', 'wan0', 'up'],
        ['route', 'add', 'default', 'via', s.gateway],
      ],
    });
  }
  steps.push({
    batch: [
      ['addr', 'add', `${t.root.address}/24`, 'dev', t.root.ifname],
      ['link', 'set', t.root.ifname, 'up'],
      ...t.root.routes.map((r) => ['route', 'add', r, 'via', t.root.gateway]),
    ],
  });
  return steps;
}

/**
 * A site's WAN link cut or restored, in the router: policy rules that refuse everything to and from
 * the site's /24 (senders get "prohibited" at once, as from a WAN router that lost the route). The
 * site's own interface keeps its carrier, as a site's internal networks do when its WAN link goes:
 * its hosts, heartbeats and API run on undisturbed.
 */
export function dcLinkSteps(t: DcLabTopology, site: string, up: boolean): NetStep[] {
  const s = t.sites.find((x) => x.name === site);
  if (!s) throw new StarlingError('NOT_FOUND', `no site ${site} in lab ${t.name}`, { field: 'site' });
  const op = up ? 'del' : 'add';
  return [{ namespace: t.routerNamespace, batch: [['rule', op, 'to', s.subnet, 'prohibit'], ['rule', op, 'from', s.subnet, 'prohibit']] }];
}
