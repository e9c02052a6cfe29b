// A host's storage as an operator sets it through sysinv's API and the CLI: a locked worker with
// two disks grows cgts-vg with a partition of its OS disk and gives its second disk to nova-local;
// an all-in-one controller gives a disk to Ceph. StarlingX's refusals named, nothing half-written.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startSite, type TestSite } from '../../../test/support/site.ts';
import { runCli } from '../../cli/index.ts';

const GiB = 1024;
const WORKER_MAC = '08:00:27:20:00:01';
const C1_MAC = '08:00:27:20:01:01';
const byPath = (n: number) => `/dev/disk/by-path/pci-0000:00:0d.0-ata-${n}.0`;
/** An OS disk (SSD, 240 GiB) and a second disk (HDD, 500 GiB), as the agent reports them. */
const disks = (serial: string) => [
  {
    device_node: '/dev/sda',
    device_type: 'SSD',
    device_path: byPath(1),
    size_mib: 240 * GiB,
    serial_id: `${serial}-A`,
    model: 'SSD 860',
  },
  {
    device_node: '/dev/sdb',
    device_type: 'HDD',
    device_path: byPath(2),
    size_mib: 500 * GiB,
    serial_id: `${serial}-B`,
    model: 'HDD 7K',
  },
];
const inventory = (serial: string, mac: string) => ({
  icpus: [0, 1, 2, 3].map((cpu) => ({ cpu, core: cpu, thread: 0, numa_node: 0 })),
  ethernet_ports: [{ name: 'enp0s3', mac, mtu: 1500, pciaddr: '0000:00:03.0', driver: 'e1000' }],
  idisks: disks(serial),
});

describe('host storage (sysinv idisks, partitions, ilvgs, ipvs, istors)', () => {
  let site: TestSite;
  let token: string;
  let env: Record<string, string>;
  const call = (method: string, path: string, body?: unknown) =>
    site.call(method, path, { token, ...(body === undefined ? {} : { body }) });
  const list = async (host: string, kind: string) =>
    (await call('GET', `/v1/ihosts/${host}/${kind}`)).body[kind] as any[];
  const disk = async (node: string, host = 'worker-0') =>
    (await list(host, 'idisks')).find((d) => d.device_node === node);
  let worker: string;
  async function cli(args: string[]): Promise<{ code: number; out: string }> {
    const out: string[] = [];
    const code = await runCli(args, { out: (t) => out.push(t), err: (t) => out.push(t) }, env);
    return { code, out: out.join('\n') };
  }
  const addPartition = (node: string, sizeGib: number, host = 'worker-0') =>
    disk(node, host).then((d) =>
      call('POST', '/v1/partitions', {
        ihost_uuid: host,
        idisk_uuid: d.uuid,
        size_mib: sizeGib * GiB,
        type_guid: 'ba5eba11-0000-1111-2222-000000000001',
      }),
    );

  beforeAll(async () => {
    site = await startSite();
    token = await site.token();
    env = { OS_AUTH_URL: `${site.url}/v3`, OS_USERNAME: 'admin', OS_PASSWORD: ADMIN_PASSWORD };
    // controller-0 as `starling up` registers it (unlocked), a duplex all-in-one system, then a
    // worker and a second all-in-one controller discovered and provisioned (locked).
    const c0 = await call('POST', '/v1/agents/register', {
      mgmt_mac: '08:00:27:20:00:10',
      bootstrap_controller: true,
      inventory: inventory('C0', '08:00:27:20:00:10'),
    });
    expect(c0.status).toBe(200);
    const sys = (await call('GET', '/v1/isystems')).body.isystems[0];
    await call('PATCH', `/v1/isystems/${sys.uuid}`, [
      { op: 'replace', path: '/system_mode', value: 'duplex' },
    ]);
    for (const [mac, hostname, personality] of [
      [WORKER_MAC, 'worker-0', 'worker'],
      [C1_MAC, 'controller-1', 'controller'],
    ] as const) {
      const r = await call('POST', '/v1/agents/register', {
        mgmt_mac: mac,
        inventory: inventory(hostname, mac),
      });
      expect(r.status).toBe(200);
      const prov = await call('PATCH', `/v1/ihosts/${r.body.uuid}`, [
        { op: 'replace', path: '/hostname', value: hostname },
        { op: 'replace', path: '/personality', value: personality },
      ]);
      expect(prov.body).toMatchObject({ hostname, administrative: 'locked' });
    }
    worker = (await call('GET', '/v1/ihosts/worker-0')).body.uuid;
  });
  afterAll(async () => site?.stop());

  it('disks show their free space and which one holds the OS (rootfs_device)', async () => {
    const ds = await list('worker-0', 'idisks');
    expect(
      ds.map((d) => [d.device_node, d.device_type, d.size_mib, d.available_mib, d.capabilities]),
    ).toEqual([
      ['/dev/sda', 'SSD', 240 * GiB, 240 * GiB - 2, { model_num: 'SSD 860', stor_function: 'rootfs' }],
      ['/dev/sdb', 'HDD', 500 * GiB, 500 * GiB - 2, { model_num: 'HDD 7K' }],
    ]);
    expect(ds[0]).toMatchObject({
      ihost_uuid: worker,
      ipv_uuid: null,
      istor_uuid: null,
      serial_id: 'worker-0-A',
      device_path: byPath(1),
    });
    const one = await call('GET', `/v1/idisks/${ds[1].uuid}`);
    expect(one.body).toMatchObject({ device_node: '/dev/sdb', available_mib: 500 * GiB - 2 });
    expect((await call('GET', '/v1/idisks/2f1a0c57-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('a partition is refused on an unlocked host, naming it; nothing is written', async () => {
    const r = await addPartition('/dev/sdb', 10, 'controller-0');
    expect(r.status).toBe(409);
    expect(r.body.error).toMatchObject({
      error_code: 'HOST_NOT_LOCKED',
      field: 'ihost_uuid',
      message: 'controller-0 must be locked before its storage changes',
    });
    expect(await list('controller-0', 'partitions')).toEqual([]);
    const lvg = await call('POST', '/v1/ilvgs', { ihost_uuid: 'controller-0', lvm_vg_name: 'nova-local' });
    expect(lvg.body.error.error_code).toBe('HOST_NOT_LOCKED');
  });

  it('partitions on the OS disk: numbered after each other, only the last grows or goes', async () => {
    const tooBig = await addPartition('/dev/sda', 241);
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.error).toMatchObject({
      field: 'size_mib',
      message: 'requested size 241 GiB is larger than the 245758 MiB (239.998 GiB) available on /dev/sda',
    });
    const zero = await call('POST', '/v1/partitions', {
      ihost_uuid: 'worker-0',
      idisk_uuid: (await disk('/dev/sda')).uuid,
      size_mib: 0,
    });
    expect(zero.body.error.field).toBe('size_mib');

    const p1 = await addPartition('/dev/sda', 10);
    expect(p1.status).toBe(201);
    expect(p1.body).toMatchObject({
      device_node: '/dev/sda1',
      device_path: `${byPath(1)}-part1`,
      start_mib: 1,
      end_mib: 1 + 10 * GiB,
      size_mib: 10 * GiB,
      type_guid: 'ba5eba11-0000-1111-2222-000000000001',
      type_name: 'LVM Physical Volume',
      status: 0,
      ipv_uuid: null,
      ihost_uuid: worker,
    });
    const p2 = await addPartition('/dev/sda', 20);
    expect(p2.body).toMatchObject({
      device_node: '/dev/sda2',
      start_mib: 1 + 10 * GiB,
      end_mib: 1 + 30 * GiB,
    });
    expect((await disk('/dev/sda')).available_mib).toBe(210 * GiB - 2);

    const notLast = await call('DELETE', `/v1/partitions/${p1.body.uuid}`);
    expect(notLast.status).toBe(400);
    expect(notLast.body.error).toMatchObject({
      field: 'partition_uuid',
      message: 'cannot delete /dev/sda1: only the last partition of a disk can be (/dev/sda2 is)',
    });
    const growFirst = await call('PATCH', `/v1/partitions/${p1.body.uuid}`, [
      { op: 'replace', path: '/size_mib', value: 15 * GiB },
    ]);
    expect(growFirst.body.error.message).toContain('only the last partition of a disk');
    const shrink = await call('PATCH', `/v1/partitions/${p2.body.uuid}`, [
      { op: 'replace', path: '/size_mib', value: 5 * GiB },
    ]);
    expect(shrink.body.error).toMatchObject({
      field: 'size_mib',
      message: "a partition can only grow: requested 5 GiB is not more than /dev/sda2's 20 GiB",
    });
    const other = await call('PATCH', `/v1/partitions/${p2.body.uuid}`, [
      { op: 'replace', path: '/device_node', value: '/dev/sda9' },
    ]);
    expect(other.body.error.field).toBe('device_node');
    const grow = await call('PATCH', `/v1/partitions/${p2.body.uuid}`, [
      { op: 'replace', path: '/size_mib', value: 30 * GiB },
    ]);
    expect(grow.status).toBe(200);
    expect(grow.body).toMatchObject({
      size_mib: 30 * GiB,
      end_mib: 1 + 40 * GiB,
      updated_at: expect.any(String),
    });
    expect((await call('DELETE', `/v1/partitions/${p2.body.uuid}`)).status).toBe(204);
    expect((await list('worker-0', 'partitions')).map((p) => p.device_node)).toEqual(['/dev/sda1']);
    expect((await disk('/dev/sda')).available_mib).toBe(230 * GiB - 2);
  });

  it('two operators partitioning one disk at once: each is checked against what the other left', async () => {
    const results = await Promise.all([addPartition('/dev/sdb', 300), addPartition('/dev/sdb', 300)]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 400]);
    const onSdb = (await call('GET', `/v1/partitions?idisk_uuid=${(await disk('/dev/sdb')).uuid}`)).body
      .partitions as any[];
    expect(onSdb.map((p) => [p.device_node, p.size_mib])).toEqual([['/dev/sdb1', 300 * GiB]]);
    expect((await call('DELETE', `/v1/partitions/${onSdb[0].uuid}`)).status).toBe(204);
  });

  it('cgts-vg grows with the OS disk’s partition, which is then In-Use and stays', async () => {
    const g = await call('POST', '/v1/ilvgs', { ihost_uuid: worker, lvm_vg_name: 'cgts-vg' });
    expect(g.status).toBe(201);
    expect(g.body).toMatchObject({
      lvm_vg_name: 'cgts-vg',
      vg_state: 'adding',
      lvm_cur_pv: 0,
      lvm_vg_size: 0,
      ihost_uuid: worker,
    });
    const again = await call('POST', '/v1/ilvgs', { ihost_uuid: worker, lvm_vg_name: 'cgts-vg' });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({
      field: 'lvm_vg_name',
      message: 'volume group cgts-vg already exists on worker-0',
    });
    const badName = await call('POST', '/v1/ilvgs', { ihost_uuid: worker, lvm_vg_name: 'cinder-volumes' });
    expect(badName.body.error).toMatchObject({
      field: 'lvm_vg_name',
      message: 'volume group name (cinder-volumes) must be "nova-local" or "cgts-vg"',
    });

    const [sda1] = await list('worker-0', 'partitions');
    const pv = await call('POST', '/v1/ipvs', {
      ihost_uuid: worker,
      ilvg_uuid: g.body.uuid,
      disk_or_part_uuid: sda1.uuid,
      pv_type: 'partition',
    });
    expect(pv.status).toBe(201);
    expect(pv.body).toMatchObject({
      pv_state: 'adding',
      pv_type: 'partition',
      disk_or_part_uuid: sda1.uuid,
      disk_or_part_device_node: '/dev/sda1',
      disk_or_part_device_path: `${byPath(1)}-part1`,
      lvm_pv_name: '/dev/sda1',
      lvm_vg_name: 'cgts-vg',
      lvm_pv_size: 10 * GiB * 1024 * 1024,
      ilvg_uuid: g.body.uuid,
    });
    expect((await call('GET', `/v1/ilvgs/${g.body.uuid}`)).body).toMatchObject({
      lvm_cur_pv: 1,
      lvm_vg_size: 10 * 1024 ** 3,
    });
    expect((await call('GET', `/v1/partitions/${sda1.uuid}`)).body).toMatchObject({
      status: 1,
      ipv_uuid: pv.body.uuid,
    });

    const del = await call('DELETE', `/v1/partitions/${sda1.uuid}`);
    expect(del.status).toBe(409);
    expect(del.body.error).toMatchObject({
      field: 'partition_uuid',
      message: 'cannot delete /dev/sda1: it is a physical volume of cgts-vg',
    });
    const grow = await call('PATCH', `/v1/partitions/${sda1.uuid}`, [
      { op: 'replace', path: '/size_mib', value: 20 * GiB },
    ]);
    expect(grow.status).toBe(409);
    const twice = await call('POST', '/v1/ipvs', {
      ihost_uuid: worker,
      ilvg_uuid: 'cgts-vg',
      disk_or_part_uuid: sda1.uuid,
    });
    expect(twice.status).toBe(409);
    const out = await call('DELETE', `/v1/ipvs/${pv.body.uuid}`);
    expect(out.body.error).toMatchObject({
      field: 'ipv_uuid',
      message: 'physical volumes cannot be removed from the cgts-vg volume group',
    });
    const vgOut = await call('DELETE', `/v1/ilvgs/${g.body.uuid}`);
    expect(vgOut.status).toBe(400);
    expect((await list('worker-0', 'ipvs')).map((p) => p.uuid)).toEqual([pv.body.uuid]);
  });

  it('nova-local on the whole second disk; the OS disk is never a whole physical volume', async () => {
    const g = await call('POST', '/v1/ilvgs', { ihost_uuid: 'worker-0', lvm_vg_name: 'nova-local' });
    expect(g.status).toBe(201);
    const root = await call('POST', '/v1/ipvs', {
      ihost_uuid: 'worker-0',
      ilvg_uuid: g.body.uuid,
      disk_or_part_uuid: (await disk('/dev/sda')).uuid,
    });
    expect(root.status).toBe(400);
    expect(root.body.error).toMatchObject({
      field: 'disk_or_part_uuid',
      message: '/dev/sda holds the OS (rootfs): it cannot be a physical volume; use a partition of it',
    });
    const sdb = await disk('/dev/sdb');
    const pv = await call('POST', '/v1/ipvs', {
      ihost_uuid: 'worker-0',
      ilvg_uuid: g.body.uuid,
      disk_or_part_uuid: sdb.uuid,
    });
    expect(pv.status).toBe(201);
    expect(pv.body).toMatchObject({
      pv_type: 'disk',
      lvm_pv_name: '/dev/sdb',
      lvm_vg_name: 'nova-local',
      lvm_pv_size: 500 * 1024 ** 3,
    });
    expect(await disk('/dev/sdb')).toMatchObject({ available_mib: 0, ipv_uuid: pv.body.uuid });
    const vgs = await list('worker-0', 'ilvgs');
    expect(vgs.map((v) => [v.lvm_vg_name, v.lvm_cur_pv, v.lvm_vg_size])).toEqual([
      ['cgts-vg', 1, 10 * 1024 ** 3],
      ['nova-local', 1, 500 * 1024 ** 3],
    ]);
    const part = await addPartition('/dev/sdb', 1);
    expect(part.status).toBe(409);
    expect(part.body.error.message).toBe(
      '/dev/sdb is a physical volume as a whole: it cannot be partitioned',
    );
    const osd = await call('POST', '/v1/istors', { ihost_uuid: 'worker-0', idisk_uuid: sdb.uuid });
    expect(osd.body.error).toMatchObject({
      field: 'ihost_uuid',
      message: 'OSDs go on storage hosts or all-in-one controllers; worker-0 is a worker',
    });

    // Deleting nova-local gives its disk back, in the same transaction.
    expect((await call('DELETE', `/v1/ilvgs/${g.body.uuid}`)).status).toBe(204);
    expect((await list('worker-0', 'ipvs')).map((p) => p.lvm_vg_name)).toEqual(['cgts-vg']);
    expect(await disk('/dev/sdb')).toMatchObject({ available_mib: 500 * GiB - 2, ipv_uuid: null });
    expect((await call('GET', `/v1/ipvs/${pv.body.uuid}`)).status).toBe(404);
  });

  it('an all-in-one controller gives a whole disk to Ceph as an OSD, never its OS disk', async () => {
    const c1 = (await call('GET', '/v1/ihosts/controller-1')).body;
    expect(c1.subfunctions).toBe('controller,worker');
    const root = await call('POST', '/v1/istors', {
      ihost_uuid: c1.uuid,
      idisk_uuid: (await disk('/dev/sda', 'controller-1')).uuid,
    });
    expect(root.status).toBe(400);
    expect(root.body.error).toMatchObject({
      field: 'idisk_uuid',
      message: '/dev/sda holds the OS (rootfs): it cannot be an OSD',
    });
    const sdb = await disk('/dev/sdb', 'controller-1');
    const osd = await call('POST', '/v1/istors', {
      ihost_uuid: c1.uuid,
      idisk_uuid: sdb.uuid,
      function: 'osd',
    });
    expect(osd.status).toBe(201);
    expect(osd.body).toMatchObject({
      function: 'osd',
      osdid: 0,
      state: 'configuring-on-unlock',
      idisk_uuid: sdb.uuid,
      journal_location: osd.body.uuid,
      ihost_uuid: c1.uuid,
    });
    expect(await disk('/dev/sdb', 'controller-1')).toMatchObject({
      istor_uuid: osd.body.uuid,
      available_mib: 0,
    });
    expect((await addPartition('/dev/sdb', 1, 'controller-1')).body.error.message).toBe(
      '/dev/sdb is an OSD (storage function): it cannot be partitioned',
    );
    const nova = await call('POST', '/v1/ilvgs', { ihost_uuid: c1.uuid, lvm_vg_name: 'nova-local' });
    expect(nova.status).toBe(201);
    const pv = await call('POST', '/v1/ipvs', {
      ihost_uuid: c1.uuid,
      ilvg_uuid: nova.body.uuid,
      disk_or_part_uuid: sdb.uuid,
    });
    expect(pv.body.error).toMatchObject({
      error_code: 'CONFLICT',
      message: '/dev/sdb is an OSD (storage function)',
    });
    const twice = await call('POST', '/v1/istors', { ihost_uuid: c1.uuid, idisk_uuid: sdb.uuid });
    expect(twice.body.error.message).toBe('/dev/sdb is already an OSD (osd.0)');
    expect((await call('GET', '/v1/istors')).body.istors.map((s: any) => s.osdid)).toEqual([0]);
    expect((await call('DELETE', `/v1/istors/${osd.body.uuid}`)).status).toBe(204);
    expect(await list('controller-1', 'istors')).toEqual([]);
  });

  it('the agent reporting again keeps the storage made on its disks', async () => {
    const before = await list('worker-0', 'partitions');
    const r = await call('POST', '/v1/agents/register', {
      mgmt_mac: WORKER_MAC,
      inventory: inventory('worker-0', WORKER_MAC),
    });
    expect(r.status).toBe(200);
    expect(await list('worker-0', 'partitions')).toEqual(before);
    expect((await list('worker-0', 'ipvs')).map((p) => p.disk_or_part_uuid)).toEqual([before[0].uuid]);
  });

  it('disks whose device nodes swapped at a reboot keep their storage: recognised by serial, partitions renamed', async () => {
    const report = (swap: boolean) =>
      call('POST', '/v1/agents/register', {
        mgmt_mac: WORKER_MAC,
        inventory: {
          ...inventory('worker-0', WORKER_MAC),
          idisks: disks('worker-0').map((d) => ({
            ...d,
            device_node: swap ? (d.device_node === '/dev/sda' ? '/dev/sdb' : '/dev/sda') : d.device_node,
          })),
        },
      });
    const bySerial = async () =>
      Object.fromEntries((await list('worker-0', 'idisks')).map((d) => [d.serial_id, d]));
    const before = await bySerial();
    const partsBefore = await list('worker-0', 'partitions');
    const pvsBefore = await list('worker-0', 'ipvs');
    expect(partsBefore.length).toBeGreaterThan(0);
    expect(partsBefore.every((p) => p.idisk_uuid === before['worker-0-A'].uuid)).toBe(true);

    expect((await report(true)).status).toBe(200);
    const after = await bySerial();
    expect(after['worker-0-A']).toMatchObject({ uuid: before['worker-0-A'].uuid, device_node: '/dev/sdb' });
    expect(after['worker-0-B']).toMatchObject({ uuid: before['worker-0-B'].uuid, device_node: '/dev/sda' });
    const parts = await list('worker-0', 'partitions');
    expect(parts.map((p) => [p.uuid, p.idisk_uuid, p.device_node, p.device_path])).toEqual(
      // The node follows the disk; the by-path name (its slot) did not change.
      partsBefore.map((p) => [
        p.uuid,
        p.idisk_uuid,
        p.device_node.replace('/dev/sda', '/dev/sdb'),
        p.device_path,
      ]),
    );
    expect((await list('worker-0', 'ipvs')).map((p) => [p.uuid, p.disk_or_part_uuid])).toEqual(
      pvsBefore.map((p) => [p.uuid, p.disk_or_part_uuid]),
    );

    // Back as they were (the next tests name the disks by node).
    expect((await report(false)).status).toBe(200);
    expect(await list('worker-0', 'partitions')).toEqual(partsBefore);
  });

  it('CLI: host-disk-*, host-disk-partition-*, host-lvg-*, host-pv-*, host-stor-* round trips', async () => {
    const show = await cli(['system', 'host-disk-show', 'worker-0', '/dev/sda']);
    expect(show.code, show.out).toBe(0);
    expect(show.out).toMatch(/\| size_gib +\| 240 +\|/);
    expect(show.out).toMatch(/\| available_gib +\| 229\.998 +\|/);
    expect(show.out).toMatch(/\| capabilities +\| \{"model_num":"SSD 860","stor_function":"rootfs"\} +\|/);

    const add = await cli([
      'system',
      'host-disk-partition-add',
      'worker-0',
      '/dev/sda',
      '20',
      '-t',
      'lvm_phys_vol',
    ]);
    expect(add.code, add.out).toBe(0);
    expect(add.out).toMatch(/\| device_node +\| \/dev\/sda2 +\|/);
    expect(add.out).toMatch(/\| status +\| Ready +\|/);
    const tooBig = await cli(['system', 'host-disk-partition-add', 'worker-0', '/dev/sda', '500']);
    expect(tooBig.code).toBe(1);
    expect(tooBig.out).toContain(
      'requested size 500 GiB is larger than the 215038 MiB (209.998 GiB) available on /dev/sda',
    );
    expect((await cli(['system', 'host-disk-partition-add', 'worker-0', '/dev/sda', '1.5'])).code).toBe(2);
    const grow = await cli(['system', 'host-disk-partition-modify', 'worker-0', '/dev/sda2', '-s', '25']);
    expect(grow.code, grow.out).toBe(0);
    expect(grow.out).toMatch(/\| size_mib +\| 25600 +\|/);
    const parts = await cli(['system', 'host-disk-partition-list', 'worker-0', '--disk', '/dev/sda']);
    expect(parts.out).toMatch(
      /\| \/dev\/sda1 +\| ba5eba11-0000-1111-2222-000000000001 +\| LVM Physical Volume +\| 10 +\| In-Use +\|/,
    );
    expect(parts.out).toMatch(
      /\| \/dev\/sda2 +\| ba5eba11-0000-1111-2222-000000000001 +\| LVM Physical Volume +\| 25 +\| Ready +\|/,
    );
    expect((await cli(['system', 'host-disk-partition-show', 'worker-0', '/dev/sda2'])).out).toMatch(
      /\| start_mib +\| 10241 +\|/,
    );

    const lvg = await cli(['system', 'host-lvg-add', 'worker-0', 'nova-local']);
    expect(lvg.code, lvg.out).toBe(0);
    expect(lvg.out).toMatch(/\| vg_state +\| adding +\|/);
    const pv = await cli(['system', 'host-pv-add', 'worker-0', 'nova-local', '/dev/sda2']);
    expect(pv.code, pv.out).toBe(0);
    expect(pv.out).toMatch(/\| lvm_pv_size_gib +\| 25 +\|/);
    const pvUuid = /\| uuid +\| ([0-9a-f-]{36}) +\|/.exec(pv.out)![1]!;
    const lvgs = await cli(['system', 'host-lvg-list', 'worker-0']);
    expect(lvgs.out).toMatch(
      /\| cgts-vg +\| adding \(on unlock\) +\| None +\| 10 +\| None +\| 1 +\| None +\|/,
    );
    expect(lvgs.out).toMatch(
      /\| nova-local +\| adding \(on unlock\) +\| None +\| 25 +\| None +\| 1 +\| None +\|/,
    );
    expect((await cli(['system', 'host-pv-list', 'worker-0'])).out).toMatch(
      /\| \/dev\/sda2 +\| [0-9a-f-]{36} +\| \/dev\/sda2 +\|.*\| adding \(on unlock\) +\| partition +\| nova-local +\|/,
    );
    expect((await cli(['system', 'host-lvg-show', 'worker-0', 'nova-local'])).out).toMatch(
      /\| lvm_vg_size_gib +\| 25 +\|/,
    );
    expect((await cli(['system', 'host-pv-show', 'worker-0', pvUuid])).out).toMatch(
      /\| disk_or_part_device_node +\| \/dev\/sda2 +\|/,
    );
    const inUse = await cli(['system', 'host-disk-partition-delete', 'worker-0', '/dev/sda2']);
    expect(inUse.code).toBe(1);
    expect(inUse.out).toContain('cannot delete /dev/sda2: it is a physical volume of nova-local');
    expect((await cli(['system', 'host-pv-delete', pvUuid])).out).toBe(`Deleted physical volume ${pvUuid}`);
    expect((await cli(['system', 'host-disk-partition-delete', 'worker-0', '/dev/sda2'])).out).toBe(
      'Deleted partition /dev/sda2 of host worker-0',
    );
    expect((await cli(['system', 'host-lvg-delete', 'worker-0', 'nova-local'])).out).toBe(
      'Deleted local volume group nova-local of host worker-0',
    );
    expect((await cli(['system', 'host-lvg-show', 'worker-0', 'nova-local'])).out).toContain(
      'local volume group not found: host worker-0 lvg nova-local',
    );

    const osdOnWorker = await cli(['system', 'host-stor-add', 'worker-0', '/dev/sdb']);
    expect(osdOnWorker.code).toBe(1);
    expect(osdOnWorker.out).toContain('OSDs go on storage hosts or all-in-one controllers');
    const osd = await cli(['system', 'host-stor-add', 'controller-1', 'osd', '/dev/sdb']);
    expect(osd.code, osd.out).toBe(0);
    expect(osd.out).toMatch(/\| osdid +\| 0 +\|/);
    const storUuid = /\| uuid +\| ([0-9a-f-]{36}) +\|/.exec(osd.out)![1]!;
    expect((await cli(['system', 'host-stor-list', 'controller-1'])).out).toMatch(
      /\| osd +\| 0 +\| configuring-on-unlock +\|/,
    );
    expect((await cli(['system', 'host-stor-show', 'controller-1', storUuid])).out).toMatch(
      /\| function +\| osd +\|/,
    );
    expect((await cli(['system', 'host-stor-show', storUuid])).code).toBe(0);
    expect((await cli(['system', 'host-stor-add', 'controller-1', 'journal', '/dev/sdb'])).out).toContain(
      'function "journal" is not supported',
    );
    expect((await cli(['system', 'host-stor-delete', storUuid])).out).toBe(`Deleted stor ${storUuid}`);
    const help = await cli(['system', 'host-disk-partition-add', '--help']);
    expect(help.out).toContain('<size_gib>');
    expect(help.out).toContain('--partition_type <type>');
  });

  it('a disk’s partitions and use on the host, as the agent finds them, are counted', async () => {
    const mac = '08:00:27:20:00:31';
    const found = (over: Record<string, unknown>[]) => ({
      mgmt_mac: mac,
      inventory: {
        ...inventory('worker-1', mac),
        idisks: disks('worker-1').map((d, i) => ({ ...d, ...over[i] })),
      },
    });
    // The OS disk holds 3 partitions up to 100 GiB; the second disk carries a mounted filesystem.
    const r = await call(
      'POST',
      '/v1/agents/register',
      found([
        { available_mib: 140 * GiB - 1, last_partition: 3 },
        { available_mib: 0, last_partition: 0 },
      ]),
    );
    expect(r.status).toBe(200);
    await call('PATCH', `/v1/ihosts/${r.body.uuid}`, [
      { op: 'replace', path: '/hostname', value: 'worker-1' },
      { op: 'replace', path: '/personality', value: 'worker' },
    ]);
    expect((await list('worker-1', 'idisks')).map((d) => [d.device_node, d.available_mib])).toEqual([
      ['/dev/sda', 140 * GiB - 1],
      ['/dev/sdb', 0],
    ]);
    const p = await addPartition('/dev/sda', 20, 'worker-1');
    expect(p.status).toBe(201);
    expect(p.body).toMatchObject({ device_node: '/dev/sda4', start_mib: 100 * GiB, size_mib: 20 * GiB });
    expect((await disk('/dev/sda', 'worker-1')).available_mib).toBe(120 * GiB - 1);
    const onFs = await addPartition('/dev/sdb', 1, 'worker-1');
    expect([onFs.status, onFs.body.error.field]).toEqual([400, 'size_mib']);
    // A report that does not add up is refused, naming the row and field; nothing changes.
    const bad = await call('POST', '/v1/agents/register', found([{ available_mib: 300 * GiB }, {}]));
    expect([bad.status, bad.body.error.field]).toEqual([400, '/inventory/idisks/0/available_mib']);
    expect((await disk('/dev/sda', 'worker-1')).available_mib).toBe(120 * GiB - 1);
    expect((await call('DELETE', '/v1/ihosts/worker-1')).status).toBe(204);
  });

  it('deleting the locked worker removes its storage with it', async () => {
    const parts = await list('worker-0', 'partitions');
    const pvs = await list('worker-0', 'ipvs');
    expect((await call('DELETE', '/v1/ihosts/worker-0')).status).toBe(204);
    expect((await call('GET', `/v1/partitions/${parts[0].uuid}`)).status).toBe(404);
    expect((await call('GET', `/v1/ipvs/${pvs[0].uuid}`)).status).toBe(404);
    expect((await call('GET', '/v1/ilvgs')).body.ilvgs.map((g: any) => g.ihost_uuid)).not.toContain(worker);
  });
});
