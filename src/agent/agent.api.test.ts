// Auto-discovery end to end: agents running on the captured trees of five real machines register
// with a controller, and each new host's inventory — read back through the API like
// `system host-cpu-list`/`host-memory-list`/`host-port-list`/`host-device-list` — agrees with
// hwloc's own reading of that machine.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../common/log.ts';
import { loadAgentConfig } from '../common/config.ts';
import { machines, unpack, type Machine } from '../../test/support/hwloc.ts';
import { startSite, type TestSite } from '../../test/support/site.ts';
import { startAgent, type Agent } from './agent.ts';

const MACHINES = machines();
const macOf = (i: number): string => `02:00:00:00:00:${(i + 16).toString(16)}`;

describe('agents on captured real machines register their inventory', () => {
  let site: TestSite;
  let token: string;
  let scratch: string;
  const agents: Agent[] = [];
  const uuids = new Map<string, string>();

  beforeAll(async () => {
    site = await startSite();
    token = await site.token();
    const sys = (await site.call('GET', '/v1/isystems', { token })).body.isystems[0];
    await site.call('PATCH', `/v1/isystems/${sys.uuid}`, { token, body: [{ op: 'replace', path: '/system_mode', value: 'duplex' }] });
    scratch = mkdtempSync(path.join(tmpdir(), 'starling-agents-'));
    await Promise.all(
      MACHINES.map(async (m, i) => {
        const root = await unpack(m, scratch);
        const config = loadAgentConfig({ controller: site.url, hostname: m.name, root, mgmtMac: macOf(i), network: ['mgmt=127.0.0.1:0'], stateDir: path.join(scratch, `${m.name}-state`) }, { STARLING_AGENT_PASSWORD: site.controller.agentPassword, STARLING_LOG_LEVEL: 'silent' });
        agents.push(startAgent(config, silentLogger));
      }),
    );
    // The agents' service user appears a few seconds after an existing database's start; the
    // agents retry their login until then.
    for (let i = 0; i < 200 && uuids.size < MACHINES.length; i++) {
      const hosts = (await site.call('GET', '/v1/ihosts', { token })).body.ihosts as { uuid: string; mgmt_mac: string; inv_state: string | null }[];
      MACHINES.forEach((m, j) => {
        const h = hosts.find((x) => x.mgmt_mac === macOf(j) && x.inv_state === 'inventoried');
        if (h) uuids.set(m.name, h.uuid);
      });
      if (uuids.size < MACHINES.length) await new Promise((r) => setTimeout(r, 100));
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await site?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('every machine became a new, unprovisioned host', async () => {
    expect([...uuids.keys()].sort()).toEqual(MACHINES.map((m) => m.name).sort());
    for (const uuid of uuids.values()) {
      const h = (await site.call('GET', `/v1/ihosts/${uuid}`, { token })).body;
      expect(h).toMatchObject({ hostname: null, personality: null, invprovision: 'unprovisioned', availability: 'online' });
    }
  });

  const list = async (uuid: string, what: string) => (await site.call('GET', `/v1/ihosts/${uuid}/${what}`, { token })).body[what] as Record<string, unknown>[];

  it.each(MACHINES.map((m) => [m.name, m] as [string, Machine]))('%s: CPUs, NUMA memory, ports and PCI devices agree with hwloc', async (name, m) => {
    const uuid = uuids.get(name)!;
    const cpus = await list(uuid, 'icpus');
    // logical CPUs: hwloc's PUs
    expect(cpus.map((c) => c.cpu).sort((a, b) => Number(a) - Number(b))).toEqual([...m.key.pus].sort((a, b) => a - b));
    // physical cores: distinct (socket, core id) pairs
    const cores = new Set(cpus.map((c) => `${String(c.socket)}/${String(c.core)}`));
    expect(cores.size).toBe(m.key.cores);
    // memory: one row per NUMA node with memory hwloc counts (GPU memory nodes excluded on both sides)
    const memory = await list(uuid, 'imemorys');
    const hostNodes = m.key.numaNodes.filter((n) => n.bytes > 0 && n.os_index < 250);
    expect(memory).toHaveLength(Math.max(1, hostNodes.length));
    for (const n of hostNodes) {
      const row = memory.find((r) => r.numa_node === n.os_index);
      expect(row, `node ${n.os_index}`).toBeDefined();
      expect(Math.abs(Number(row!.memtotal_mib) - n.bytes / 2 ** 20)).toBeLessThanOrEqual(n.tolerance / 2 ** 20 + 1);
    }
    // ports: hwloc's network devices that are real hardware ports
    const ports = (await list(uuid, 'ethernet_ports')).map((p) => p.name);
    for (const net of m.key.nets) expect(ports).toContain(net);
    // PCI devices: every device hwloc lists is in host-device-list
    const pci = new Set((await list(uuid, 'pci_devices')).map((d) => d.pciaddr));
    for (const d of m.key.pci) expect(pci.has(d.busid), d.busid).toBe(true);
  });
});
