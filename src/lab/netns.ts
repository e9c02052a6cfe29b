// Network namespaces for the lab: the `ip` command lines that build and tear down a topology (pure
// builders, tested as data) and a small runner for them and for reading link states back.

import { execFile } from 'node:child_process';
import { StarlingError } from '../common/errors.ts';
import type { LabHost, LabTopology, LabWire } from './topology.ts';

/**
 * One step: `ip` command lines run as one `ip -batch` (inside `namespace` when given), or a shell
 * line run inside a namespace (for /proc/sys). Batches matter: one `ip` process per command cost
 * ~40 ms each here (1.8 s for a 3-host lab); a batch per namespace brings that to a few processes.
 */
export type NetStep =
  { batch: string[][]; namespace?: string } | { nsShell: { namespace: string; script: string } };

/**
 * IPv6 addresses vanish when a link goes down unless keep_addr_on_down is set (feasibility §3).
 * The lab uses IPv4 only, but agents may add IPv6 later, and a cut must not change what a host has
 * once restored. Written through /proc/sys because /proc/sys/net is per namespace and Debian's base
 * image has no `sysctl` binary; IPv6 may be disabled on a CI kernel, hence the test.
 */
const KEEP_ADDR = [
  'if [ -d /proc/sys/net/ipv6/conf ]; then',
  'echo 1 > /proc/sys/net/ipv6/conf/all/keep_addr_on_down;',
  'echo 1 > /proc/sys/net/ipv6/conf/default/keep_addr_on_down; fi',
].join(' ');

/**
 * Every command that builds the lab, in order: namespaces and veths from the root namespace (a veth
 * end is created directly in its namespace, so host-side names like mgmt0 never meet the root's),
 * then each namespace's own settings. Nothing but `root.ifname` lands in the root namespace.
 */
export function setupSteps(t: LabTopology): NetStep[] {
  const sw = t.switchNamespace;
  const bi = t.bmcInterface;
  const root: string[][] = [
    ['netns', 'add', sw],
    ['netns', 'add', t.bmcNamespace],
    ...t.hosts.map((h) => ['netns', 'add', h.namespace]),
  ];
  root.push([
    'link',
    'add',
    bi.ifname,
    'netns',
    t.bmcNamespace,
    'type',
    'veth',
    'peer',
    'name',
    bi.switchPort,
    'netns',
    sw,
  ]);
  for (const h of t.hosts) {
    for (const i of h.interfaces) {
      root.push([
        'link',
        'add',
        i.ifname,
        'netns',
        h.namespace,
        'address',
        i.mac,
        'type',
        'veth',
        'peer',
        'name',
        i.switchPort,
        'netns',
        sw,
      ]);
    }
  }
  const r = t.root;
  root.push(
    ['link', 'add', r.ifname, 'type', 'veth', 'peer', 'name', r.switchPort, 'netns', sw],
    ['addr', 'add', `${r.address}/${r.prefixLength}`, 'dev', r.ifname],
    ['link', 'set', r.ifname, 'up'],
  );

  const switchLines: string[][] = [];
  for (const br of Object.values(t.bridges))
    switchLines.push(['link', 'add', br, 'type', 'bridge'], ['link', 'set', br, 'up']);
  const port = (swPort: string, wire: LabWire): string[] => [
    'link',
    'set',
    swPort,
    'master',
    t.bridges[wire]!,
    'up',
  ];
  switchLines.push(port(bi.switchPort, 'bmc'), port(r.switchPort, r.wire));
  for (const h of t.hosts) for (const i of h.interfaces) switchLines.push(port(i.switchPort, i.wire));

  const steps: NetStep[] = [{ batch: root }, { batch: switchLines, namespace: sw }];
  steps.push({
    namespace: t.bmcNamespace,
    batch: [
      ['link', 'set', 'lo', 'up'],
      ...bi.addresses.map((a) => ['addr', 'add', `${a}/24`, 'dev', bi.ifname]),
      ['link', 'set', bi.ifname, 'up'],
    ],
  });
  for (const h of t.hosts) {
    steps.push({ nsShell: { namespace: h.namespace, script: KEEP_ADDR } });
    steps.push({
      namespace: h.namespace,
      batch: [
        ['link', 'set', 'lo', 'up'],
        ...h.interfaces.flatMap((i) => [
          ['addr', 'add', `${i.address}/${i.prefixLength}`, 'dev', i.ifname],
          ['link', 'set', i.ifname, 'up'],
        ]),
      ],
    });
  }
  return steps;
}

/** Sets interfaces of a host up or down, inside its namespace. */
export function linkSteps(h: LabHost, wires: LabWire[], up: boolean): NetStep[] {
  const lines = h.interfaces
    .filter((i) => wires.includes(i.wire))
    .map((i) => ['link', 'set', i.ifname, up ? 'up' : 'down']);
  return lines.length === 0 ? [] : [{ namespace: h.namespace, batch: lines }];
}

export interface IpResult {
  stdout: string;
}

/** Runs `ip` with these arguments (and `input` on stdin, for -batch); a failure names the command and carries ip's own message. */
export function runIp(args: string[], input?: string): Promise<IpResult> {
  return new Promise((resolve, reject) => {
    const child = execFile('ip', args, { timeout: 20_000 }, (err, stdout, stderr) => {
      if (err) {
        const what =
          input === undefined
            ? `ip ${args.join(' ')}`
            : `ip ${args.join(' ')} <<< ${JSON.stringify(input.trim().split('\n').slice(0, 3).join('; '))}…`;
        reject(new StarlingError('INTERNAL', `${what}: ${stderr.trim() || err.message}`, { cause: err }));
      } else resolve({ stdout });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

export async function runStep(s: NetStep): Promise<void> {
  if ('nsShell' in s) {
    await runIp(['netns', 'exec', s.nsShell.namespace, 'sh', '-c', s.nsShell.script]);
    return;
  }
  await runIp(
    [...(s.namespace === undefined ? [] : ['-n', s.namespace]), '-batch', '-'],
    `${s.batch.map((l) => l.join(' ')).join('\n')}\n`,
  );
}

/** Names of the network namespaces on this machine (`ip netns list`). */
export async function listNamespaces(): Promise<string[]> {
  const { stdout } = await runIp(['netns', 'list']);
  // Lines look like "stl-sw (id: 3)" or just "stl-sw".
  return stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n !== '');
}

/** Pids of the processes in a namespace (`ip netns pids`); none if the namespace is gone. */
export async function namespacePids(namespace: string): Promise<number[]> {
  try {
    const { stdout } = await runIp(['netns', 'pids', namespace]);
    return stdout
      .split('\n')
      .map((l) => Number(l.trim()))
      .filter((n) => Number.isInteger(n) && n > 0);
  } catch {
    return [];
  }
}

export interface LinkState {
  ifname: string;
  mac: string;
  /** Administratively up (`ip link set … up`). */
  adminUp: boolean;
  /** The kernel's operstate: UP, DOWN, LOWERLAYERDOWN… (a veth whose peer is down has no carrier). */
  operstate: string;
  addresses: string[];
}

/** Interfaces of a namespace with their state and IPv4 addresses (`ip -j addr show`). */
export async function linkStates(namespace: string | undefined): Promise<LinkState[]> {
  const { stdout } = await runIp([
    ...(namespace === undefined ? [] : ['-n', namespace]),
    '-j',
    'addr',
    'show',
  ]);
  const links = JSON.parse(stdout) as {
    ifname: string;
    address?: string;
    flags?: string[];
    operstate?: string;
    addr_info?: { family: string; local: string; prefixlen: number }[];
  }[];
  return links.map((l) => ({
    ifname: l.ifname,
    mac: l.address ?? '',
    adminUp: (l.flags ?? []).includes('UP'),
    operstate: l.operstate ?? 'UNKNOWN',
    addresses: (l.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`),
  }));
}

/** The kind of a root-namespace link (veth, bridge…; undefined for a physical one or none). */
export async function linkKind(ifname: string): Promise<string | undefined> {
  try {
    const { stdout } = await runIp(['-j', '-d', 'link', 'show', 'dev', ifname]);
    return (JSON.parse(stdout) as { linkinfo?: { info_kind?: string } }[])[0]?.linkinfo?.info_kind;
  } catch {
    return undefined;
  }
}

/** Does a root-namespace route already cover this /24 (another lab, or a real network)? */
export async function routedSubnet(subnet24: string): Promise<string | undefined> {
  const { stdout } = await runIp(['-4', '-j', 'route', 'show', 'table', 'all']);
  const routes = JSON.parse(stdout) as { dst?: string; dev?: string }[];
  const [a, b, c] = subnet24.split('.').map(Number) as [number, number, number];
  const ours = ((a << 24) | (b << 16) | (c << 8)) >>> 0;
  for (const r of routes) {
    if (r.dst === undefined || r.dst === 'default') continue;
    const [addr, len = '32'] = r.dst.split('/');
    const parts = (addr ?? '').split('.').map(Number);
    if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p))) continue;
    const n = Number(len);
    const net = ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
    // Only routes as specific as our /24 or more: a /16 zeroconf route is shadowed harmlessly.
    if (n >= 24 && ((net >>> 8) << 8) >>> 0 === ours) return `${r.dst}${r.dev ? ` dev ${r.dev}` : ''}`;
  }
  return undefined;
}
