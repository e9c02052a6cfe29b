import { describe, expect, it } from 'vitest';
import { dcLabSetupSteps, dcLinkSteps, planDcLab } from './dc-topology.ts';

describe('distributed-cloud lab plan', () => {
  const t = planDcLab('dc1', 3, 200);

  it('puts each site on its own /24 behind one router, reachable from the root namespace', () => {
    expect(t.sites.map((s) => [s.name, s.namespace, s.address, s.gateway])).toEqual([
      ['systemcontroller', 'dc1-sc', '169.254.200.2', '169.254.200.1'],
      ['subcloud1', 'dc1-sub1', '169.254.201.2', '169.254.201.1'],
      ['subcloud2', 'dc1-sub2', '169.254.202.2', '169.254.202.1'],
      ['subcloud3', 'dc1-sub3', '169.254.203.2', '169.254.203.1'],
    ]);
    expect(t.root).toMatchObject({ ifname: 'dc1-dc', address: '169.254.204.2', gateway: '169.254.204.1' });
    expect(t.root.routes).toEqual(['169.254.200.0/24', '169.254.201.0/24', '169.254.202.0/24', '169.254.203.0/24']);
  });

  it('builds namespaces first, turns forwarding on in the router, and gives each site a default route', () => {
    const steps = dcLabSetupSteps(t);
    expect(steps[0]).toMatchObject({ batch: expect.arrayContaining([['netns', 'add', 'dc1-rt'], ['netns', 'add', 'dc1-sub3']]) });
    expect(steps[1]).toEqual({ nsShell: { namespace: 'dc1-rt', script: 'echo 1 > /proc/sys/net/ipv4/ip_forward' } });
    expect(steps.find((s) => 'namespace' in s && s.namespace === 'dc1-sub2')).toMatchObject({
      batch: expect.arrayContaining([['route', 'add', 'default', 'via', '169.254.202.1']]),
    });
    // Only the root veth lands in the root namespace.
    const rootLinks = steps.flatMap((s) => ('batch' in s && s.namespace === undefined ? s.batch : [])).filter((l) => l[0] === 'link' && l[1] === 'add');
    expect(rootLinks.every((l) => l.includes('netns'))).toBe(true);
  });

  it('cuts and restores a site at the router', () => {
    expect(dcLinkSteps(t, 'subcloud3', false)).toEqual([
      { namespace: 'dc1-rt', batch: [['rule', 'add', 'to', '169.254.203.0/24', 'prohibit'], ['rule', 'add', 'from', '169.254.203.0/24', 'prohibit']] },
    ]);
    expect(dcLinkSteps(t, 'subcloud3', true)[0]).toMatchObject({ batch: [['rule', 'del', 'to', '169.254.203.0/24', 'prohibit'], ['rule', 'del', 'from', '169.254.203.0/24', 'prohibit']] });
    expect(() => dcLinkSteps(t, 'subcloud9', true)).toThrow(/no site subcloud9/);
  });

  it('refuses a plan that would cross 169.254.169.0/24 or a bad name', () => {
    expect(() => planDcLab('dc1', 3, 166)).toThrow(/169\.254\.169/);
    expect(() => planDcLab('Bad-name', 3, 200)).toThrow(/lab name/);
  });
});
