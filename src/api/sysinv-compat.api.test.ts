// What StarlingX's own clients (cgtsclient, fmclient) need from any request, whatever the
// resource: sysinv's error shape beside ours, bodiless requests not refused for their content
// type, trailing slashes, and the query booleans their framework accepts.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSite, type TestSite } from '../../test/support/site.ts';

describe('sysinv compatibility of every request', () => {
  let site: TestSite;
  let token: string;
  beforeAll(async () => {
    site = await startSite();
    token = await site.token();
  });
  afterAll(async () => site?.stop());

  const raise = async (id: string) => {
    const r = await site.call('POST', '/v1/alarms', {
      token,
      body: { alarm_id: '100.101', entity_instance_id: `host=${id}`, severity: 'major', reason_text: 'hot' },
    });
    expect([200, 201]).toContain(r.status);
    return r.body.uuid as string;
  };

  it('an error on /v1 carries sysinv error_message (faultstring = our message) after our error body', async () => {
    const r = await site.call('GET', '/v1/ihosts/no-such-host', { token });
    expect(r.status).toBe(404);
    expect(Object.keys(r.body)).toEqual(['error', 'error_message']);
    const inner = JSON.parse(r.body.error_message);
    expect(inner).toEqual({ faultstring: r.body.error.message, debuginfo: null });
    expect(inner.faultstring).toContain('no-such-host');
    const v3 = await site.call('GET', '/v3/users/nobody', { token });
    expect(v3.body.error_message).toBeUndefined();
  });

  it('DELETE with Content-Type application/octet-stream and no body is not refused (cgtsclient, fmclient)', async () => {
    const uuid = await raise('compat-del');
    const r = await site.call('DELETE', `/v1/alarms/${uuid}`, {
      token,
      headers: { 'content-type': 'application/octet-stream', 'content-length': '0' },
    });
    expect(r.status).toBe(204);
    const body = await site.call('POST', '/v1/alarms', {
      token,
      body: 'alarm',
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(body.status).toBe(415);
  });

  it('a trailing slash names the same resource', async () => {
    const r = await site.call('GET', '/v1/ihosts/', { token });
    expect(r.status).toBe(200);
    expect(Array.isArray(r.body.ihosts)).toBe(true);
  });

  it('query booleans True/true/1 and False/false/0 are accepted; others refused naming the parameter', async () => {
    await raise('compat-bool');
    for (const v of ['True', 'true', '1', 'False', 'false', '0']) {
      const r = await site.call('GET', `/v1/alarms?include_suppress=${v}`, { token });
      expect(r.status, v).toBe(200);
    }
    const bad = await site.call('GET', '/v1/alarms?include_suppress=maybe', { token });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('include_suppress');
  });

  it('inventory is served in the shape cgtsclient reads: keys, NUMA nodes, rows by uuid, filler fields', async () => {
    const inventory = {
      icpus: [0, 1].map((cpu) => ({ cpu, core: cpu, thread: 0, numa_node: 0, cpu_family: '6', cpu_model: 'Xeon' })),
      imemorys: [{ numa_node: 0, memtotal_mib: 8000, memavail_mib: 6000, vm_hugepages_nr_2M: 0, vm_hugepages_avail_2M: 0, vm_hugepages_nr_1G: 0, vm_hugepages_avail_1G: 0 }],
      ethernet_ports: [{ name: 'eth0', mac: '08:00:27:ee:00:01', mtu: 1500, pciaddr: '0000:00:03.0' }],
      idisks: [{ device_node: '/dev/vda', device_type: 'HDD', size_mib: 10_240 }],
      pci_devices: [{ pciaddr: '0000:00:03.0', pclass_id: '020000', pvendor_id: '1af4', pdevice_id: '1041', kind: 'nic' }],
    };
    const reg = await site.call('POST', '/v1/agents/register', { token, body: { mgmt_mac: '08:00:27:ee:00:01', inventory } });
    expect(reg.status).toBe(200);
    const host = reg.body.uuid as string;
    expect((await site.call('GET', `/v1/ihosts/${host}`, { token })).body).toMatchObject({ peers: null, install_state: null, install_state_info: null, boot_device: '/dev/vda', rootfs_device: '/dev/vda' });
    const get = async (p: string) => {
      const r = await site.call('GET', p, { token });
      expect(r.status, p).toBe(200);
      return r.body;
    };
    const ports = (await get(`/v1/ihosts/${host}/ports`)).ports;
    expect(ports[0]).toMatchObject({ name: 'eth0', type: 'ethernet', dev_id: 0, dpdksupport: null, namedisplay: 'eth0' });
    expect(await get(`/v1/ports/${ports[0].uuid}`)).toMatchObject({ name: 'eth0', type: 'ethernet' });
    expect((await get(`/v1/ihosts/${host}/ethernet_ports`)).ethernet_ports[0]).toMatchObject({ name: 'eth0' });
    const nodes = (await get(`/v1/ihosts/${host}/inodes`)).inodes;
    expect(nodes).toEqual([expect.objectContaining({ numa_node: 0, ihost_uuid: host })]);
    expect(await get(`/v1/inodes/${nodes[0].uuid}`)).toMatchObject({ numa_node: 0 });
    const mem = (await get(`/v1/ihosts/${host}/imemorys`)).imemorys[0];
    expect(mem).toMatchObject({ inode_uuid: nodes[0].uuid, vswitch_hugepages_nr: null, vm_hugepages_nr_4K: null, vm_pending_as_percentage: null });
    const cpus = (await get(`/v1/ihosts/${host}/icpus`)).icpus;
    expect(cpus[0]).toMatchObject({ inode_uuid: nodes[0].uuid, ihost_uuid: host });
    expect(await get(`/v1/icpus/${cpus[0].uuid}`)).toMatchObject({ cpu: 0 });
    expect((await get(`/v1/ihosts/${host}/idisks`)).idisks[0]).toMatchObject({ device_num: null });
    expect((await get(`/v1/ihosts/${host}/pci_devices`)).pci_devices[0]).toMatchObject({ name: 'pci_0000_00_03_0', pvendor: null, pdevice: null });
    const ifs = (await get(`/v1/ihosts/${host}/iinterfaces`)).iinterfaces;
    expect(ifs[0]).toMatchObject({ max_tx_rate: null, max_rx_rate: null, channels: null, sriov_vf_channels: null, primary_reselect: null });
    const labels = await site.call('POST', `/v1/labels/${host}?overwrite=False`, { token, body: { zone: 'a' } });
    expect(labels.status).toBe(201);
    expect(await get(`/v1/labels/${labels.body.labels[0].uuid}`)).toMatchObject({ label_key: 'zone', label_value: 'a' });
    expect((await site.call('GET', '/v1/inodes/00000000-0000-4000-8000-000000000000', { token })).status).toBe(404);
    const alarms = await get('/v1/alarms');
    expect(Array.isArray(alarms.alarms)).toBe(true);
  });

  it('event_suppression honours q.field=suppression_status (fm event-suppress-list)', async () => {
    const all = (await site.call('GET', '/v1/event_suppression', { token })).body.event_suppression as any[];
    const one = all.find((r) => r.alarm_id === '100.103')!;
    const patch = await site.call('PATCH', `/v1/event_suppression/${one.uuid}`, {
      token,
      body: [{ op: 'replace', path: '/suppression_status', value: 'suppressed' }],
    });
    expect(patch.status).toBe(200);
    const q = '?q.field=suppression_status&q.op=eq&q.value=suppressed';
    const suppressed = (await site.call('GET', `/v1/event_suppression${q}`, { token })).body.event_suppression as any[];
    expect(suppressed.map((r) => r.alarm_id)).toEqual(['100.103']);
    const bad = await site.call('GET', '/v1/event_suppression?q.field=colour&q.value=red', { token });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('q.field');
  });
});
