// Hosts as an operator manages them through sysinv's API: add (alone or in bulk), discover,
// provision, inspect the inventory, label, update and delete; the state rules refusing what
// StarlingX refuses; bad input named and nothing half-written.

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startSite, type TestSite } from '../../../test/support/site.ts';
import { runCli } from '../../cli/index.ts';

const mac = (i: number): string => `08:00:27:${((i >> 16) & 255).toString(16).padStart(2, '0')}:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;

function bulkXml(hosts: { hostname: string; personality?: string; mgmt_mac?: string; extra?: string }[]): string {
  return `<?xml version="1.0" encoding="UTF-8" ?>\n<hosts>\n${hosts
    .map(
      (h) =>
        `  <host>\n    <hostname>${h.hostname}</hostname>\n    <personality>${h.personality ?? 'worker'}</personality>\n${h.mgmt_mac ? `    <mgmt_mac>${h.mgmt_mac}</mgmt_mac>\n` : ''}${h.extra ?? ''}  </host>`,
    )
    .join('\n')}\n</hosts>\n`;
}

describe('hosts (sysinv /v1/ihosts)', () => {
  let site: TestSite;
  let token: string;
  const call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => site.call(method, path, { token, ...(body === undefined ? {} : { body }), ...(headers ? { headers } : {}) });
  const hostList = async () => (await call('GET', '/v1/ihosts')).body.ihosts as any[];

  beforeAll(async () => {
    site = await startSite();
    token = await site.token();
  });
  afterAll(async () => site?.stop());

  it('a simplex system refuses new hosts until it is made duplex (and never goes back)', async () => {
    const r = await call('POST', '/v1/ihosts', { hostname: 'worker-0', personality: 'worker', mgmt_mac: mac(1) });
    expect(r.status).toBe(409);
    expect(r.body.error.message).toContain('system modify --system_mode duplex');
    const sys = (await call('GET', '/v1/isystems')).body.isystems[0];
    expect((await call('PATCH', `/v1/isystems/${sys.uuid}`, [{ op: 'replace', path: '/system_mode', value: 'duplex' }])).body.system_mode).toBe('duplex');
    const back = await call('PATCH', `/v1/isystems/${sys.uuid}`, [{ op: 'replace', path: '/system_mode', value: 'simplex' }]);
    expect(back.status).toBe(400);
    expect(back.body.error.field).toBe('/system_mode');
  });

  it('adds a host, locked and offline, with its BMC password sealed and never shown', async () => {
    const r = await call('POST', '/v1/ihosts', {
      hostname: 'worker-0',
      personality: 'worker',
      mgmt_mac: '08:00:27:AA:BB:01',
      bm_type: 'ipmi',
      bm_ip: '127.0.0.1',
      bm_username: 'root',
      bm_password: 'calvin-secret',
      location: 'rack 4',
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      hostname: 'worker-0',
      personality: 'worker',
      subfunctions: 'worker',
      administrative: 'locked',
      operational: 'disabled',
      availability: 'offline',
      mgmt_mac: '08:00:27:aa:bb:01',
      bm_type: 'ipmi',
      location: { locn: 'rack 4' },
    });
    expect(JSON.stringify(r.body)).not.toContain('calvin-secret');
    expect(r.body).not.toHaveProperty('bm_password');
    const db = new pg.Client({ connectionString: site.database.url });
    await db.connect();
    const stored = (await db.query('SELECT bm_password_enc FROM ihosts WHERE hostname = $1', ['worker-0'])).rows[0].bm_password_enc as string;
    await db.end();
    expect(stored).toMatch(/^v1:/);
    expect(stored).not.toContain('calvin');
    for (const ref of ['worker-0', r.body.uuid, String(r.body.id)]) expect((await call('GET', `/v1/ihosts/${ref}`)).body.hostname).toBe('worker-0');
  });

  it.each([
    ['a bad MAC', { hostname: 'w1', personality: 'worker', mgmt_mac: 'zz:00' }, 'mgmt_mac', 400],
    ['an upper-case hostname', { hostname: 'Worker-1', personality: 'worker', mgmt_mac: mac(2) }, 'hostname', 400],
    ['an unknown personality', { hostname: 'w1', personality: 'edge', mgmt_mac: mac(2) }, 'personality', 400],
    ['a worker without MAC', { hostname: 'w1', personality: 'worker' }, 'mgmt_mac', 400],
    ['a BMC type without address', { hostname: 'w1', personality: 'worker', mgmt_mac: mac(2), bm_type: 'redfish', bm_username: 'u' }, 'bm_ip', 400],
    ['a taken hostname', { hostname: 'worker-0', personality: 'worker', mgmt_mac: mac(3) }, 'hostname', 409],
    ['a taken MAC', { hostname: 'w9', personality: 'worker', mgmt_mac: '08:00:27:aa:bb:01' }, 'mgmt_mac', 409],
  ])('refuses %s, naming the field', async (_, body, field, status) => {
    const before = (await hostList()).length;
    const r = await call('POST', '/v1/ihosts', body);
    expect(r.status).toBe(status);
    expect(r.body.error.field).toBe(field);
    expect((await hostList()).length).toBe(before);
  });

  it('host-update changes what the host’s state allows, and names what it refuses', async () => {
    const ok = await call('PATCH', '/v1/ihosts/worker-0', [
      { op: 'replace', path: '/location', value: 'rack 5' },
      { op: 'replace', path: '/bm_type', value: 'redfish' },
    ]);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ location: { locn: 'rack 5' }, bm_type: 'redfish' });
    const rename = await call('PATCH', '/v1/ihosts/worker-0', [{ op: 'replace', path: '/hostname', value: 'worker-9' }]);
    expect(rename.status).toBe(400);
    expect(rename.body.error.message).toContain('set once');
    const badMac = await call('PATCH', '/v1/ihosts/worker-0', [{ op: 'replace', path: '/mgmt_mac', value: 'nope' }]);
    expect(badMac.body.error.field).toBe('mgmt_mac');
    expect((await call('GET', '/v1/ihosts/worker-0')).body.mgmt_mac).toBe('08:00:27:aa:bb:01');
  });

  it('actions follow StarlingX’s rules; an allowed one starts and keeps the host busy', async () => {
    const lock = await call('PATCH', '/v1/ihosts/worker-0', [{ op: 'replace', path: '/action', value: 'lock' }]);
    expect(lock.status).toBe(409);
    expect(lock.body.error.message).toContain('already locked');
    const unlock = await call('PATCH', '/v1/ihosts/worker-0', [{ op: 'replace', path: '/action', value: 'unlock' }]);
    expect(unlock.status).toBe(409);
    expect(unlock.body.error.message).toContain('offline, not online');
    const swact = await call('PATCH', '/v1/ihosts/worker-0', [{ op: 'replace', path: '/action', value: 'swact' }]);
    expect(swact.status).toBe(409);
    expect(swact.body.error.message).toContain('not a controller');
    const reboot = await call('PATCH', '/v1/ihosts/worker-0', [{ op: 'replace', path: '/action', value: 'reboot' }]);
    expect(reboot.status).toBe(200);
    expect(reboot.body.task).toBe('Rebooting');
    const again = await call('PATCH', '/v1/ihosts/worker-0', [{ op: 'replace', path: '/action', value: 'power-off' }]);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/busy/);
    const events = (await call('GET', '/v1/event_log?q.field=event_log_id&q.op=eq&q.value=200.021')).body.event_log as any[];
    expect(events.some((e) => e.reason_text === 'reboot of worker-0 requested')).toBe(true);
    const bad = await call('PATCH', '/v1/ihosts/worker-0', [{ op: 'replace', path: '/action', value: 'explode' }]);
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('/action');
  });

  it('auto-discovery: an unknown agent becomes an unprovisioned host with its inventory, then the operator provisions it', async () => {
    const inventory = {
      icpus: [0, 1, 2, 3].map((cpu) => ({ cpu, core: cpu >> 1, thread: cpu & 1, numa_node: 0, cpu_family: '6', cpu_model: 'Intel Xeon' })),
      imemorys: [{ numa_node: 0, memtotal_mib: 15_000, memavail_mib: 12_000, vm_hugepages_nr_2M: 0, vm_hugepages_avail_2M: 0, vm_hugepages_nr_1G: 2, vm_hugepages_avail_1G: 2 }],
      ethernet_ports: [{ name: 'enp0s3', mac: '08:00:27:cc:00:01', mtu: 1500, speed: 1000, pciaddr: '0000:00:03.0', driver: 'e1000', numa_node: null }],
      idisks: [{ device_node: '/dev/sda', device_type: 'SSD', size_mib: 102_400, serial_id: 'S1', device_path: '/dev/disk/by-path/pci-0000:00:0d.0-ata-1.0' }],
      pci_devices: [{ pciaddr: '0000:3d:00.0', pclass_id: '0b4000', pvendor_id: '8086', pdevice_id: '37c8', kind: 'crypto', numa_node: 0 }],
    };
    const r = await call('POST', '/v1/agents/register', { mgmt_mac: '08:00:27:CC:00:01', inventory });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ hostname: null, personality: null, invprovision: 'unprovisioned', availability: 'online', inv_state: 'inventoried' });
    const uuid = r.body.uuid as string;
    expect((await call('GET', `/v1/ihosts/${uuid}/icpus`)).body.icpus).toHaveLength(4);
    expect((await call('GET', `/v1/ihosts/${uuid}/imemorys`)).body.imemorys[0]).toMatchObject({ memtotal_mib: 15_000, vm_hugepages_nr_1G: 2 });
    expect((await call('GET', `/v1/ihosts/${uuid}/ethernet_ports`)).body.ethernet_ports[0]).toMatchObject({ name: 'enp0s3', mac: '08:00:27:cc:00:01', speed: 1000 });
    expect((await call('GET', `/v1/ihosts/${uuid}/idisks`)).body.idisks[0]).toMatchObject({ device_node: '/dev/sda', device_type: 'SSD' });
    expect((await call('GET', `/v1/ihosts/${uuid}/pci_devices`)).body.pci_devices[0]).toMatchObject({ kind: 'crypto', enabled: true });

    const prov = await call('PATCH', `/v1/ihosts/${uuid}`, [
      { op: 'replace', path: '/hostname', value: 'worker-1' },
      { op: 'replace', path: '/personality', value: 'worker' },
    ]);
    expect(prov.body).toMatchObject({ hostname: 'worker-1', personality: 'worker', subfunctions: 'worker', invprovision: 'provisioning' });

    // the agent reports again (a CPU went offline): same host, inventory refreshed
    const again = await call('POST', '/v1/agents/register', { mgmt_mac: '08:00:27:cc:00:01', inventory: { icpus: inventory.icpus.slice(0, 3) } });
    expect(again.body.uuid).toBe(uuid);
    expect((await call('GET', '/v1/ihosts/worker-1/icpus')).body.icpus.map((c: any) => c.cpu)).toEqual([0, 1, 2]);
    expect((await hostList()).filter((h) => h.mgmt_mac === '08:00:27:cc:00:01')).toHaveLength(1);
  });

  it('an agent’s bad inventory is refused, naming the row and field, and nothing is stored', async () => {
    const before = (await hostList()).length;
    const r = await call('POST', '/v1/agents/register', {
      mgmt_mac: '08:00:27:dd:00:01',
      inventory: { icpus: [{ cpu: 0, core: 0, thread: 0, numa_node: 0 }], ethernet_ports: [{ name: 'eth0', mac: '08:00:27:dd:00:01' }, { name: 'ib0', mac: '80:00:02:08:fe:80:00:00:00:00:00:00:00:02:c9:03:00:0a:42:01' }] },
    });
    expect(r.status).toBe(400);
    expect(r.body.error.field).toBe('/inventory/ethernet_ports/1/mac');
    const dup = await call('POST', '/v1/agents/register', { mgmt_mac: '08:00:27:dd:00:01', inventory: { icpus: [{ cpu: 0, core: 0, thread: 0, numa_node: 0 }, { cpu: 0, core: 1, thread: 0, numa_node: 0 }] } });
    expect(dup.body.error.field).toBe('/inventory/icpus/1/cpu');
    expect((await hostList()).length).toBe(before);
  });

  it('labels: assign (a key’s value replaced only with overwrite), list, remove', async () => {
    const a = await call('POST', '/v1/labels/worker-0', { sriov: 'enabled', 'openstack-compute-node': 'enabled' });
    expect(a.status).toBe(201);
    const taken = await call('POST', '/v1/labels/worker-0', { zone: 'east', sriov: 'disabled' });
    expect(taken.status).toBe(400);
    expect(taken.body.error.message).toBe('Label sriov exists for host worker-0. Use overwrite option to assign a new value.');
    expect(taken.body.error.field).toBe('/sriov');
    expect((await call('POST', '/v1/labels/worker-0?overwrite=True', { sriov: 'disabled' })).status).toBe(201);
    const labels = (await call('GET', '/v1/ihosts/worker-0/labels')).body.labels as any[];
    expect(labels.map((l) => [l.label_key, l.label_value])).toEqual([
      ['openstack-compute-node', 'enabled'],
      ['sriov', 'disabled'],
    ]);
    expect((await call('DELETE', `/v1/labels/${labels[1].uuid}`)).status).toBe(204);
    expect((await call('GET', '/v1/ihosts/worker-0/labels')).body.labels).toHaveLength(1);
    const bad = await call('POST', '/v1/labels/worker-0', { 'bad key!': 'x' });
    expect(bad.status).toBe(400);
  });

  it('bulk-add needs an unlocked-enabled controller (StarlingX installs the hosts from it)', async () => {
    const r = await call('POST', '/v1/ihosts/bulk_add', bulkXml([{ hostname: 'early-1', mgmt_mac: mac(29_999) }]), { 'content-type': 'application/xml' });
    expect(r.status).toBe(409);
    expect(r.body.error.message).toContain('unlocked-enabled controller');
    expect((await hostList()).some((h) => h.hostname === 'early-1')).toBe(false);
    // controller-0, as `starling up`'s agent registers it: unlocked, enabled, available.
    const c0 = await call('POST', '/v1/agents/register', { mgmt_mac: '02:00:00:ff:ff:ff', bootstrap_controller: true, inventory: {} });
    expect(c0.body).toMatchObject({ hostname: 'controller-0', administrative: 'unlocked', operational: 'enabled' });
  });

  it('bulk-add: 1000 hosts in one transaction; export writes the same format back', async () => {
    const hosts = Array.from({ length: 1000 }, (_, i) => ({ hostname: `compute-${i}`, mgmt_mac: mac(10_000 + i), extra: i === 0 ? '    <bm_type>ipmi</bm_type>\n    <bm_ip>127.0.0.9</bm_ip>\n    <bm_username>admin</bm_username>\n    <bm_password>pw-0</bm_password>\n    <location>row A</location>\n    <power_on/>\n' : '' }));
    const r = await call('POST', '/v1/ihosts/bulk_add', bulkXml(hosts), { 'content-type': 'application/xml' });
    expect(r.status).toBe(201);
    expect(r.body.ihosts).toHaveLength(1000);
    expect(r.body.error).toContain('compute-0: <power_on/> ignored');
    const all = await hostList();
    expect(all.filter((h) => h.hostname?.startsWith('compute-'))).toHaveLength(1000);
    const exported = (await call('GET', '/v1/ihosts/bulk_export')).body.content as string;
    expect(exported).toContain('<hostname>compute-999</hostname>');
    expect(exported).toContain('<location>row A</location>');
    expect(exported).not.toContain('pw-0');
  });

  it('bulk-add of a file with one bad host adds nothing and names the host and field', async () => {
    const before = (await hostList()).length;
    const hosts = Array.from({ length: 50 }, (_, i) => ({ hostname: `edge-${i}`, mgmt_mac: i === 37 ? 'not-a-mac' : mac(20_000 + i) }));
    const r = await call('POST', '/v1/ihosts/bulk_add', bulkXml(hosts), { 'content-type': 'application/xml' });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toContain('host 38 (edge-37)');
    expect(r.body.error.field).toBe('mgmt_mac');
    const dup = await call('POST', '/v1/ihosts/bulk_add', bulkXml([{ hostname: 'new-1', mgmt_mac: mac(30_000) }, { hostname: 'worker-0', mgmt_mac: mac(30_001) }]), { 'content-type': 'application/xml' });
    expect(dup.status).toBe(409);
    expect(dup.body.error.message).toContain('host 2 (worker-0)');
    const unknown = await call('POST', '/v1/ihosts/bulk_add', bulkXml([{ hostname: 'new-2', mgmt_mac: mac(30_002), extra: '    <colour>red</colour>\n' }]), { 'content-type': 'application/xml' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toContain('<colour> is not a host field');
    const broken = await call('POST', '/v1/ihosts/bulk_add', '<hosts><host>', { 'content-type': 'application/xml' });
    expect(broken.status).toBe(400);
    expect(broken.body.error.message).toContain('not well-formed');
    expect((await hostList()).length).toBe(before);
  });

  it('accepts the bulk file as the "file" field of a form, like cgtsclient sends it', async () => {
    const boundary = 'XyZ123';
    const body = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="hosts.xml"\r\nContent-Type: text/xml\r\n\r\n${bulkXml([{ hostname: 'storage-0', personality: 'storage', mgmt_mac: mac(40_000) }])}\r\n--${boundary}--\r\n`;
    const r = await call('POST', '/v1/ihosts/bulk_add', body, { 'content-type': `multipart/form-data; boundary=${boundary}` });
    expect(r.status).toBe(201);
    expect(r.body.success).toBe('storage-0');
  });

  it('host-cpu-modify assigns whole cores by StarlingX’s rules (API and CLI)', async () => {
    const r = await call('PUT', '/v1/ihosts/worker-1/state/host_cpus_modify', [{ function: 'platform', sockets: [{ '0': 1 }] }]);
    expect(r.status).toBe(200);
    expect(r.body.icpus.map((c: any) => [c.cpu, c.allocated_function])).toEqual([
      [0, 'Platform'],
      [1, 'Platform'],
      [2, 'Application'],
    ]);
    const full = await call('PUT', '/v1/ihosts/worker-1/state/host_cpus_modify', [{ function: 'platform', sockets: [{ '0': 2 }] }]);
    expect(full.status).toBe(400);
    expect(full.body.error.field).toBe('application');
    expect((await call('GET', '/v1/ihosts/worker-1/icpus')).body.icpus.map((c: any) => c.allocated_function)).toEqual(['Platform', 'Platform', 'Application']);
    const out: string[] = [];
    const code = await runCli(['system', 'host-cpu-modify', 'worker-1', '-f', 'platform', '-p0', '1'], { out: (t) => out.push(t), err: (t) => out.push(t) }, {
      OS_AUTH_URL: `${site.url}/v3`,
      OS_USERNAME: 'admin',
      OS_PASSWORD: ADMIN_PASSWORD,
    });
    expect(code, out.join('\n')).toBe(0);
    expect(out.join('\n')).toMatch(/\| 0 +\| 0 +\| 0 +\| 0 +\| Intel Xeon +\| Platform +\|/);
    expect(out.join('\n')).toMatch(/\| 2 +\| 0 +\| 1 +\| 0 +\| Intel Xeon +\| Application +\|/);
    const refused: string[] = [];
    const bad = await runCli(['system', 'host-cpu-modify', 'worker-1', '-f', 'application-isolated', '-p0', '1'], { out: (t) => refused.push(t), err: (t) => refused.push(t) }, {
      OS_AUTH_URL: `${site.url}/v3`,
      OS_USERNAME: 'admin',
      OS_PASSWORD: ADMIN_PASSWORD,
    });
    expect(bad).toBe(1);
    expect(refused.join('\n')).toContain('at least 1 core must remain for applications');
  });

  it('deleting a locked host removes it with its inventory and clears its alarms', async () => {
    await site.controller.fault.raise({ alarm_id: '100.108', entity_instance_id: 'host=worker-1.port=enp0s3', severity: 'major' });
    await site.controller.fault.raise({ alarm_id: '100.103', entity_instance_id: 'host=worker-10', severity: 'major' });
    expect((await call('DELETE', '/v1/ihosts/worker-1')).status).toBe(204);
    expect((await call('GET', '/v1/ihosts/worker-1')).status).toBe(404);
    const alarms = (await call('GET', '/v1/alarms')).body.alarms.map((a: any) => a.entity_instance_id) as string[];
    expect(alarms).toContain('host=worker-10'); // a prefix of another host's name is not that host
    expect(alarms.filter((e) => e === 'host=worker-1' || e.startsWith('host=worker-1.'))).toEqual([]);
  });
});
