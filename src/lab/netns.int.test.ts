import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { teardownLab } from './cleanup.ts';
import { linkStates, linkSteps, listNamespaces, routedSubnet, runStep, setupSteps } from './netns.ts';
import { planLab } from './topology.ts';

const isRoot = process.getuid?.() === 0;

describe('lab network commands', () => {
  const t = planLab({
    name: 'stl',
    hosts: ['controller-0', 'worker-0'],
    networks: ['mgmt', 'cluster-host', 'oam'],
    bmc: 'redfish',
    ipmiAvailable: false,
  });
  const steps = setupSteps(t);

  it('adds nothing to the root namespace but the one veth and its address', () => {
    const rootBatch = steps
      .filter((s) => 'batch' in s && s.namespace === undefined)
      .flatMap((s) => ('batch' in s ? s.batch : []));
    const created = rootBatch.filter((l) => l[0] === 'link' && l[1] === 'add');
    // Every veth end is created inside a lab namespace, except the root one.
    const inRoot = created.filter((l) => l[3] !== 'netns');
    expect(inRoot.map((l) => l[2])).toEqual(['stl-oam']);
    for (const l of created) expect(l[l.length - 1]).toBe('stl-sw');
    expect(rootBatch.filter((l) => l[0] === 'addr' || (l[0] === 'link' && l[1] === 'set'))).toEqual([
      ['addr', 'add', `${t.root.address}/24`, 'dev', 'stl-oam'],
      ['link', 'set', 'stl-oam', 'up'],
    ]);
    expect(rootBatch.filter((l) => l[0] === 'netns').map((l) => l[2])).toEqual([
      'stl-sw',
      'stl-bmc',
      'stl-controller-0',
      'stl-worker-0',
    ]);
  });

  it('gives host interfaces their MACs and puts every switch port on its bridge', () => {
    const w0 = t.hosts[1]!;
    const mgmt = w0.interfaces[0]!;
    const all = steps.flatMap((s) =>
      'batch' in s ? s.batch.map((l) => [s.namespace ?? '(root)', ...l].join(' ')) : [],
    );
    expect(all).toContain(
      `(root) link add mgmt0 netns stl-worker-0 address ${mgmt.mac} type veth peer name h1-mgmt netns stl-sw`,
    );
    expect(all).toContain('stl-sw link set h1-mgmt master br-mgmt up');
    expect(all).toContain('stl-sw link set h0-bmc master br-bmc up');
    expect(all).toContain('stl-sw link set root-oam master br-oam up');
    expect(all).toContain(`stl-worker-0 addr add ${mgmt.address}/24 dev mgmt0`);
    expect(all).toContain('stl-bmc addr add ' + `${w0.bmc.address}/24 dev eth0`);
    // keep_addr_on_down in each host namespace (feasibility §3), before its links come up
    const shells = steps
      .filter((s) => 'nsShell' in s)
      .map((s) => ('nsShell' in s ? s.nsShell.namespace : ''));
    expect(shells).toEqual(['stl-controller-0', 'stl-worker-0']);
  });

  it('cuts and restores only the named wires, inside the host', () => {
    expect(linkSteps(t.hosts[1]!, ['mgmt'], false)).toEqual([
      { namespace: 'stl-worker-0', batch: [['link', 'set', 'mgmt0', 'down']] },
    ]);
    expect(linkSteps(t.hosts[1]!, ['oam'], false)).toEqual([]); // workers are not on OAM
  });
});

// Real namespaces: builds a two-host lab network, reads it back, cuts a cable, tears it down.
describe.skipIf(!isRoot)('lab network on this machine (root: creates network namespaces)', () => {
  const name = `ut${process.pid % 100000}`;
  const t = planLab({
    name,
    hosts: ['controller-0', 'worker-0'],
    networks: ['mgmt', 'cluster-host'],
    bmc: 'redfish',
    ipmiAvailable: false,
  });
  afterAll(async () => {
    await teardownLab(name, t);
  });

  it('builds, cuts, restores and removes every trace', async () => {
    expect(await routedSubnet(t.subnets.mgmt)).toBeUndefined();
    for (const s of setupSteps(t)) await runStep(s);
    expect(await routedSubnet(t.subnets.mgmt)).toMatch(new RegExp(`dev ${name}-mgmt`));
    const w0 = t.hosts[1]!;
    const links = await linkStates(w0.namespace);
    expect(links.find((l) => l.ifname === 'mgmt0')).toMatchObject({
      mac: w0.interfaces[0]!.mac,
      adminUp: true,
      operstate: 'UP',
      addresses: [`${w0.interfaces[0]!.address}/24`],
    });
    expect(
      execFileSync('ip', [
        'netns',
        'exec',
        w0.namespace,
        'cat',
        '/proc/sys/net/ipv6/conf/all/keep_addr_on_down',
      ])
        .toString()
        .trim(),
    ).toBe('1');
    // controller-0 reaches worker-0 over mgmt: a TCP connect to a closed port is refused (not timed out)
    const probe = (): string =>
      execFileSync('ip', [
        'netns',
        'exec',
        t.hosts[0]!.namespace,
        process.execPath,
        '-e',
        // Node, not curl: nothing beyond iproute2 and node is needed on the machine.
        `const s = require('net').connect(9, '${w0.interfaces[0]!.address}');
         s.setTimeout(1000, () => { console.log('unreachable'); process.exit(0); });
         s.on('connect', () => { console.log('answered'); process.exit(0); });
         s.on('error', (e) => { console.log(e.code === 'ECONNREFUSED' ? 'refused' : 'unreachable'); process.exit(0); });`,
      ])
        .toString()
        .trim();
    expect(probe()).toBe('refused');
    for (const s of linkSteps(w0, ['mgmt'], false)) await runStep(s);
    expect((await linkStates(w0.namespace)).find((l) => l.ifname === 'mgmt0')).toMatchObject({
      adminUp: false,
      addresses: [`${w0.interfaces[0]!.address}/24`],
    });
    expect(probe()).toBe('unreachable');
    for (const s of linkSteps(w0, ['mgmt'], true)) await runStep(s);
    expect(probe()).toBe('refused');

    const report = await teardownLab(name, t);
    expect(report.namespaces.sort()).toEqual([
      `${name}-bmc`,
      `${name}-controller-0`,
      `${name}-sw`,
      `${name}-worker-0`,
    ]);
    expect((await listNamespaces()).filter((n) => n.startsWith(`${name}-`))).toEqual([]);
    expect((await linkStates(undefined)).map((l) => l.ifname)).not.toContain(`${name}-mgmt`);
  }, 30_000);
});
