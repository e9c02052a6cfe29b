import { describe, expect, it } from 'vitest';
import { StarlingError } from '../../../common/errors.ts';
import {
  GPT_MIB,
  LVM_PV_GUID,
  availableMib,
  checkLvgDelete,
  checkNewLvg,
  checkPartitionDelete,
  checkPvDelete,
  diskView,
  isRootDisk,
  lvgSizeMib,
  matchDisks,
  partitionNode,
  partitionStatus,
  planNewPartition,
  planNewPv,
  planNewStor,
  planPartitionResize,
  type Disk,
  type DiskIdentity,
  type HostStorage,
  type Partition,
  type StorageHost,
} from './storage.ts';

// Test data: a locked worker with an SSD holding the OS (sda, 240 GiB) and a second disk (sdb,
// 500 GiB), and an NVMe disk; sizes in MiB as the agent reports them.
const GiB = 1024;
const disk = (node: string, sizeMib: number, extra: Partial<Disk> = {}): Disk => ({
  uuid: `disk-${node.slice(5)}`,
  device_node: node,
  device_path: `/dev/disk/by-path/pci-0000:00:0d.0-ata-${node.slice(-1)}.0`,
  device_type: 'SSD',
  size_mib: sizeMib,
  ...extra,
});
const sda = disk('/dev/sda', 240 * GiB);
const sdb = disk('/dev/sdb', 500 * GiB, { device_type: 'HDD' });
const nvme = disk('/dev/nvme0n1', 100 * GiB, { device_type: 'NVMe', device_path: null });

const host = (extra: Partial<StorageHost> = {}): StorageHost => ({
  hostname: 'worker-0',
  personality: 'worker',
  subfunctions: 'worker',
  rootfs_device: '/dev/sda',
  ...extra,
});
const site = (extra: Partial<HostStorage> = {}): HostStorage => ({
  host: host(),
  disks: [sda, sdb, nvme],
  partitions: [],
  lvgs: [],
  pvs: [],
  stors: [],
  ...extra,
});

/** Adds partitions of the given sizes (GiB) to a disk, the way the service stores plans. */
function withPartitions(s: HostStorage, d: Disk, ...sizesGib: number[]): HostStorage {
  let out = s;
  for (const size of sizesGib) {
    const p = planNewPartition(
      { idisk_uuid: d.uuid, size_mib: size * GiB },
      out,
      `part-${out.partitions.length + 1}`,
    );
    out = { ...out, partitions: [...out.partitions, p] };
  }
  return out;
}

/** The refusal a function throws: code, field and message. */
function refusal(fn: () => unknown): { code: string; field: string | undefined; message: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof StarlingError) return { code: e.code, field: e.field, message: e.message };
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('disks', () => {
  it.each([
    ['/dev/sda', sda, true],
    ['sda', sda, true],
    [sda.device_path!, sda, true],
    ['/dev/sda', sdb, false],
    ['/dev/nvme0n1', nvme, true],
  ])('rootfs_device %s names %s: %s', (rootfs, d, expected) => {
    expect(isRootDisk(d, host({ rootfs_device: rootfs }))).toBe(expected);
  });

  it('partition device nodes: sda5, and a "p" after names ending in a digit (NVMe, MMC)', () => {
    expect(partitionNode('/dev/sda', 5)).toBe('/dev/sda5');
    expect(partitionNode('/dev/nvme0n1', 5)).toBe('/dev/nvme0n1p5');
    expect(partitionNode('/dev/mmcblk0', 1)).toBe('/dev/mmcblk0p1');
  });

  describe('recognising disks across reboots (matchDisks)', () => {
    const sdb: DiskIdentity = {
      device_node: '/dev/sdb',
      device_path: '/dev/disk/by-path/pci-0:2',
      serial_id: 'S-B',
      device_wwn: '0x5000b',
    };
    const sdc: DiskIdentity = {
      device_node: '/dev/sdc',
      device_path: '/dev/disk/by-path/pci-0:3',
      serial_id: 'S-C',
      device_wwn: '0x5000c',
    };
    const renamed = (d: DiskIdentity, node: string) => ({ ...d, device_node: node });

    it('two disks whose nodes swapped at a reboot are the same two disks (WWN first)', () => {
      expect(matchDisks([sdb, sdc], [renamed(sdb, '/dev/sdc'), renamed(sdc, '/dev/sdb')])).toEqual({
        match: [0, 1],
        gone: [],
      });
    });

    it('without a WWN the serial tells them apart, then the by-path name, then the node', () => {
      const noWwn = (d: DiskIdentity) => ({ ...d, device_wwn: null });
      expect(matchDisks([noWwn(sdb), noWwn(sdc)], [renamed(noWwn(sdc), '/dev/sdb')])).toEqual({
        match: [1],
        gone: [0],
      });
      const pathOnly = (d: DiskIdentity) => ({ device_node: d.device_node, device_path: d.device_path });
      expect(matchDisks([pathOnly(sdb), pathOnly(sdc)], [renamed(pathOnly(sdb), '/dev/sdc')])).toEqual({
        match: [0],
        gone: [1],
      });
      expect(
        matchDisks([{ device_node: '/dev/vda' }], [{ device_node: '/dev/vda' }, { device_node: '/dev/vdb' }]),
      ).toEqual({
        match: [0, undefined],
        gone: [],
      });
    });

    it('two paths to one multipath LUN (one WWN and serial) are told apart by their path', () => {
      const path1 = { ...sdb, device_path: '/dev/disk/by-path/pci-0:2-sas-1' };
      const path2 = { ...sdb, device_node: '/dev/sdc', device_path: '/dev/disk/by-path/pci-0:2-sas-2' };
      expect(matchDisks([path1, path2], [path1, path2])).toEqual({ match: [0, 1], gone: [] });
      expect(matchDisks([path1, path2], [path2, path1])).toEqual({ match: [1, 0], gone: [] });
    });

    it('a disk swapped for another in the same slot is a new disk: the old one is gone', () => {
      const replacement = { ...sdb, serial_id: 'S-NEW', device_wwn: '0x5000f' };
      // Same node and by-path name, another WWN and serial: another disk; what was on sdb is gone.
      expect(matchDisks([sdb], [replacement])).toEqual({ match: [undefined], gone: [0] });
      // A disk with a WWN never takes the place of another disk's WWN.
      expect(matchDisks([sdb, sdc], [renamed(sdc, '/dev/sdb')])).toEqual({ match: [1], gone: [0] });
    });
  });

  it('available space: the disk less the partition table and its partitions; none once the whole disk is used', () => {
    expect(availableMib(sdb, site())).toBe(500 * GiB - GPT_MIB);
    expect(availableMib(sda, withPartitions(site(), sda, 10, 20))).toBe(240 * GiB - GPT_MIB - 30 * GiB);
    const asPv = site({
      lvgs: [{ uuid: 'lvg-nova', lvm_vg_name: 'nova-local' }],
      pvs: [{ uuid: 'pv-1', ilvg_uuid: 'lvg-nova', idisk_uuid: sdb.uuid, partition_uuid: null }],
    });
    expect(availableMib(sdb, asPv)).toBe(0);
    expect(
      availableMib(sdb, site({ stors: [{ uuid: 'st', idisk_uuid: sdb.uuid, function: 'osd', osdid: 0 }] })),
    ).toBe(0);
  });

  it('the OS disk is marked as StarlingX marks it (capabilities.stor_function = rootfs)', () => {
    expect(diskView({ ...sda, model: 'Samsung SSD 860' }, site())).toMatchObject({
      capabilities: { model_num: 'Samsung SSD 860', stor_function: 'rootfs' },
      available_mib: 240 * GiB - GPT_MIB,
      ipv_uuid: null,
      istor_uuid: null,
    });
    expect(diskView(sdb, site()).capabilities).toEqual({});
  });
});

describe('host-disk-partition-add', () => {
  it('partitions follow each other from the first MiB, numbered on their disk, on the OS disk too', () => {
    const s = withPartitions(site(), sda, 10, 20);
    expect(
      s.partitions.map((p) => [p.device_node, p.device_path, p.start_mib, p.end_mib, p.size_mib]),
    ).toEqual([
      ['/dev/sda1', `${sda.device_path}-part1`, 1, 1 + 10 * GiB, 10 * GiB],
      ['/dev/sda2', `${sda.device_path}-part2`, 1 + 10 * GiB, 1 + 30 * GiB, 20 * GiB],
    ]);
    expect(s.partitions[0]).toMatchObject({
      type_guid: LVM_PV_GUID,
      type_name: 'LVM Physical Volume',
      number: 1,
    });
    const n = withPartitions(site(), nvme, 5);
    expect(n.partitions[0]).toMatchObject({ device_node: '/dev/nvme0n1p1', device_path: null });
  });

  it('a partition may take exactly what is left, not a MiB more', () => {
    const left = availableMib(sdb, site());
    expect(planNewPartition({ idisk_uuid: sdb.uuid, size_mib: left }, site(), 'p').end_mib).toBe(
      sdb.size_mib - 1,
    );
    expect(
      refusal(() => planNewPartition({ idisk_uuid: sdb.uuid, size_mib: left + 1 }, site(), 'p')),
    ).toEqual({
      code: 'VALIDATION_FAILED',
      field: 'size_mib',
      message:
        'requested size 511999 MiB (499.999 GiB) is larger than the 511998 MiB (499.998 GiB) available on /dev/sdb',
    });
  });

  it.each([
    [{ idisk_uuid: 'disk-sdb', size_mib: 0 }, 'size_mib', 'size_mib must be greater than 0, got 0'],
    [{ idisk_uuid: 'disk-sdb', size_mib: -5 }, 'size_mib', 'size_mib must be greater than 0, got -5'],
    [
      { idisk_uuid: 'disk-sdb', size_mib: 1.5 },
      'size_mib',
      'size_mib must be a whole number of MiB, got 1.5',
    ],
    [
      { idisk_uuid: 'disk-sdb', size_mib: 'ten' },
      'size_mib',
      'size_mib must be a whole number of MiB, got "ten"',
    ],
    [{ size_mib: 1024 }, 'idisk_uuid', 'idisk_uuid is required'],
    [{ idisk_uuid: '/dev/sdz', size_mib: 1024 }, 'idisk_uuid', 'worker-0 has no disk /dev/sdz'],
    [
      { idisk_uuid: 'disk-sdb', size_mib: 1024, type_guid: '0fc63daf-8483-4772-8e79-3d69d8477de4' },
      'type_guid',
      `only LVM Physical Volume partitions (type_guid ${LVM_PV_GUID}) can be made`,
    ],
  ])('bad input %j is refused naming %s', (input, field, message) => {
    expect(refusal(() => planNewPartition(input, site(), 'p'))).toEqual({
      code: 'VALIDATION_FAILED',
      field,
      message,
    });
  });

  it('a size as cgtsclient may send it (a string of digits) is read', () => {
    expect(planNewPartition({ idisk_uuid: '/dev/sdb', size_mib: '2048' }, site(), 'p').size_mib).toBe(2048);
  });

  it('not on a disk that is a physical volume or an OSD, nor on storage hosts or hosts without personality', () => {
    const asPv = site({
      lvgs: [{ uuid: 'lvg-nova', lvm_vg_name: 'nova-local' }],
      pvs: [{ uuid: 'pv-1', ilvg_uuid: 'lvg-nova', idisk_uuid: sdb.uuid, partition_uuid: null }],
    });
    expect(
      refusal(() => planNewPartition({ idisk_uuid: sdb.uuid, size_mib: 1024 }, asPv, 'p')),
    ).toMatchObject({
      code: 'CONFLICT',
      field: 'idisk_uuid',
      message: '/dev/sdb is a physical volume as a whole: it cannot be partitioned',
    });
    const asOsd = site({ stors: [{ uuid: 'st', idisk_uuid: sdb.uuid, function: 'osd', osdid: 3 }] });
    expect(refusal(() => planNewPartition({ idisk_uuid: sdb.uuid, size_mib: 1024 }, asOsd, 'p')).code).toBe(
      'CONFLICT',
    );
    const storage = site({
      host: host({ hostname: 'storage-0', personality: 'storage', subfunctions: 'storage' }),
    });
    expect(
      refusal(() => planNewPartition({ idisk_uuid: sdb.uuid, size_mib: 1024 }, storage, 'p')),
    ).toMatchObject({
      field: 'ihost_uuid',
      message: 'partitions can be made on controllers and workers only, not on storage host storage-0',
    });
    const bare = site({ host: host({ hostname: null, personality: null, subfunctions: null }) });
    expect(refusal(() => planNewPartition({ idisk_uuid: sdb.uuid, size_mib: 1024 }, bare, 'p')).field).toBe(
      'ihost_uuid',
    );
  });
});

describe('host-disk-partition-modify and -delete', () => {
  const two = withPartitions(site(), sda, 10, 20);
  const [first, last] = two.partitions as [Partition, Partition];
  const inCgts: HostStorage = {
    ...two,
    lvgs: [{ uuid: 'lvg-cgts', lvm_vg_name: 'cgts-vg' }],
    pvs: [{ uuid: 'pv-1', ilvg_uuid: 'lvg-cgts', idisk_uuid: null, partition_uuid: last.uuid }],
  };

  it('the last partition grows into the free space after it', () => {
    expect(planPartitionResize(last, 30 * GiB, two)).toEqual({
      size_mib: 30 * GiB,
      end_mib: last.start_mib + 30 * GiB,
    });
    const all = last.size_mib + availableMib(sda, two);
    expect(planPartitionResize(last, all, two).end_mib).toBe(sda.size_mib - 1);
    expect(refusal(() => planPartitionResize(last, all + 1, two))).toMatchObject({
      field: 'size_mib',
      message:
        'requested extra size 215039 MiB (209.999 GiB) is larger than the 215038 MiB (209.998 GiB) available on /dev/sda',
    });
  });

  it('partitions only grow', () => {
    for (const size of [20 * GiB, 10 * GiB]) {
      expect(refusal(() => planPartitionResize(last, size, two))).toMatchObject({
        code: 'VALIDATION_FAILED',
        field: 'size_mib',
        message: expect.stringContaining('a partition can only grow'),
      });
    }
  });

  it('only the last partition of a disk grows or goes', () => {
    expect(refusal(() => planPartitionResize(first, 15 * GiB, two))).toEqual({
      code: 'VALIDATION_FAILED',
      field: 'partition_uuid',
      message: 'cannot resize /dev/sda1: only the last partition of a disk can be (/dev/sda2 is)',
    });
    expect(refusal(() => checkPartitionDelete(first, two)).message).toBe(
      'cannot delete /dev/sda1: only the last partition of a disk can be (/dev/sda2 is)',
    );
    expect(() => checkPartitionDelete(last, two)).not.toThrow();
  });

  it('a partition a physical volume uses neither grows nor goes, and shows In-Use', () => {
    expect(refusal(() => checkPartitionDelete(last, inCgts))).toEqual({
      code: 'CONFLICT',
      field: 'partition_uuid',
      message: 'cannot delete /dev/sda2: it is a physical volume of cgts-vg',
    });
    expect(refusal(() => planPartitionResize(last, 30 * GiB, inCgts)).code).toBe('CONFLICT');
    expect([partitionStatus(first, inCgts), partitionStatus(last, inCgts)]).toEqual([0, 1]);
  });
});

describe('host-lvg-add and -delete', () => {
  it.each([
    ['nova-local', host(), undefined],
    ['cgts-vg', host(), undefined],
    [
      'nova-local',
      host({ hostname: 'controller-0', personality: 'controller', subfunctions: 'controller,worker' }),
      undefined,
    ],
    [
      'cgts-vg',
      host({ hostname: 'controller-0', personality: 'controller', subfunctions: 'controller' }),
      undefined,
    ],
    [
      'nova-local',
      host({ hostname: 'controller-0', personality: 'controller', subfunctions: 'controller' }),
      'lvm_vg_name',
    ],
    [
      'cgts-vg',
      host({ hostname: 'storage-0', personality: 'storage', subfunctions: 'storage' }),
      'ihost_uuid',
    ],
    ['cinder-volumes', host(), 'lvm_vg_name'],
    ['', host(), 'lvm_vg_name'],
  ])('%s on %j: refused naming %s', (name, h, field) => {
    const run = () => checkNewLvg({ lvm_vg_name: name }, site({ host: h }));
    if (field === undefined) expect(run()).toBe(name);
    else expect(refusal(run)).toMatchObject({ code: 'VALIDATION_FAILED', field });
  });

  it('one of each name per host', () => {
    expect(
      refusal(() =>
        checkNewLvg(
          { lvm_vg_name: 'nova-local' },
          site({ lvgs: [{ uuid: 'g', lvm_vg_name: 'nova-local' }] }),
        ),
      ),
    ).toEqual({
      code: 'CONFLICT',
      field: 'lvm_vg_name',
      message: 'volume group nova-local already exists on worker-0',
    });
  });

  it('cgts-vg stays once it has a physical volume; nova-local goes with its physical volumes', () => {
    const cgts = { uuid: 'lvg-cgts', lvm_vg_name: 'cgts-vg' as const };
    const nova = { uuid: 'lvg-nova', lvm_vg_name: 'nova-local' as const };
    const s = site({
      lvgs: [cgts, nova],
      pvs: [
        { uuid: 'pv-1', ilvg_uuid: cgts.uuid, idisk_uuid: sdb.uuid, partition_uuid: null },
        { uuid: 'pv-2', ilvg_uuid: nova.uuid, idisk_uuid: nvme.uuid, partition_uuid: null },
      ],
    });
    expect(refusal(() => checkLvgDelete(cgts, s)).field).toBe('lvm_vg_name');
    expect(() => checkLvgDelete(nova, s)).not.toThrow();
    expect(() => checkLvgDelete(cgts, site({ lvgs: [cgts] }))).not.toThrow();
  });
});

describe('what the agent found on a disk (partitions already there, a disk used whole)', () => {
  const cgts = { uuid: 'lvg-cgts', lvm_vg_name: 'cgts-vg' as const };
  const nova = { uuid: 'lvg-nova', lvm_vg_name: 'nova-local' as const };
  // The OS disk as installed: 3 partitions end at 100 GiB; 140 GiB - 1 MiB (backup GPT) free after them.
  const osDisk = disk('/dev/sda', 240 * GiB, { found_available_mib: 140 * GiB - 1, found_last_partition: 3 });
  // A data disk carrying a filesystem on the whole disk (mounted), and an empty one the agent reported.
  const wholeFs = disk('/dev/sdb', 500 * GiB, {
    device_type: 'HDD',
    found_available_mib: 0,
    found_last_partition: 0,
  });
  const empty = disk('/dev/nvme0n1', 100 * GiB, {
    device_type: 'NVMe',
    device_path: null,
    found_available_mib: 100 * GiB - GPT_MIB,
    found_last_partition: 0,
  });
  const found = site({ disks: [osDisk, wholeFs, empty], lvgs: [cgts, nova] });

  it('free space is what the agent found, less the partitions made here', () => {
    expect(availableMib(osDisk, found)).toBe(140 * GiB - 1);
    expect(availableMib(osDisk, withPartitions(found, osDisk, 20))).toBe(120 * GiB - 1);
    expect(availableMib(wholeFs, found)).toBe(0);
    expect(availableMib(empty, found)).toBe(100 * GiB - GPT_MIB);
  });

  it('a new partition goes after the ones already on the disk: next number, first free MiB', () => {
    const s = withPartitions(found, osDisk, 20, 10);
    expect(s.partitions.map((p) => [p.number, p.device_node, p.start_mib, p.end_mib])).toEqual([
      [4, '/dev/sda4', 100 * GiB, 120 * GiB],
      [5, '/dev/sda5', 120 * GiB, 130 * GiB],
    ]);
    expect(withPartitions(found, empty, 1).partitions[0]).toMatchObject({ number: 1, start_mib: 1 });
    expect(refusal(() => withPartitions(found, osDisk, 141))).toMatchObject({ field: 'size_mib' });
    expect(refusal(() => withPartitions(found, wholeFs, 1)).message).toBe(
      'requested size 1 GiB is larger than the 0 GiB available on /dev/sdb',
    );
  });

  it('a whole-disk physical volume or OSD only on a disk the host does not use', () => {
    const notRoot = site({ ...found, host: host({ rootfs_device: '/dev/vda' }) });
    expect(
      refusal(() => planNewPv({ ilvg_uuid: 'nova-local', disk_or_part_uuid: '/dev/sdb' }, found, 'pv')),
    ).toMatchObject({
      field: 'disk_or_part_uuid',
      message:
        '/dev/sdb is in use on the host (a filesystem or device on the whole disk): a physical volume takes a whole, empty disk',
    });
    expect(
      refusal(() => planNewPv({ ilvg_uuid: 'nova-local', disk_or_part_uuid: '/dev/sda' }, notRoot, 'pv'))
        .message,
    ).toBe('/dev/sda has partitions on the host: a physical volume takes a whole, empty disk');
    expect(
      planNewPv({ ilvg_uuid: 'nova-local', disk_or_part_uuid: '/dev/nvme0n1' }, found, 'pv').idisk_uuid,
    ).toBe(empty.uuid);
    const aioFound = site({
      ...found,
      host: host({ hostname: 'controller-0', personality: 'controller', subfunctions: 'controller,worker' }),
    });
    expect(refusal(() => planNewStor({ idisk_uuid: '/dev/sdb' }, aioFound, 'st', [])).message).toBe(
      '/dev/sdb is in use on the host (a filesystem or device on the whole disk): an OSD takes a whole, empty disk',
    );
  });
});

describe('host-pv-add and -delete', () => {
  const cgts = { uuid: 'lvg-cgts', lvm_vg_name: 'cgts-vg' as const };
  const nova = { uuid: 'lvg-nova', lvm_vg_name: 'nova-local' as const };
  const base = withPartitions(site({ lvgs: [cgts, nova] }), sda, 10);
  const sda1 = base.partitions[0]!;

  it('a whole disk, or a partition, by uuid, device node or by-path name; the group by uuid or name', () => {
    expect(planNewPv({ ilvg_uuid: 'nova-local', disk_or_part_uuid: '/dev/sdb' }, base, 'pv')).toEqual({
      uuid: 'pv',
      ilvg_uuid: nova.uuid,
      idisk_uuid: sdb.uuid,
      partition_uuid: null,
    });
    expect(
      planNewPv(
        { ilvg_uuid: cgts.uuid, disk_or_part_uuid: sda1.device_path, pv_type: 'partition' },
        base,
        'pv',
      ),
    ).toEqual({
      uuid: 'pv',
      ilvg_uuid: cgts.uuid,
      idisk_uuid: null,
      partition_uuid: sda1.uuid,
    });
  });

  it('the groups sizes are their physical volumes’', () => {
    const s: HostStorage = {
      ...base,
      pvs: [
        { uuid: 'pv-1', ilvg_uuid: cgts.uuid, idisk_uuid: null, partition_uuid: sda1.uuid },
        { uuid: 'pv-2', ilvg_uuid: nova.uuid, idisk_uuid: sdb.uuid, partition_uuid: null },
        { uuid: 'pv-3', ilvg_uuid: nova.uuid, idisk_uuid: nvme.uuid, partition_uuid: null },
      ],
    };
    expect(lvgSizeMib(cgts, s)).toEqual({ size_mib: 10 * GiB, pvs: 1 });
    expect(lvgSizeMib(nova, s)).toEqual({ size_mib: 600 * GiB, pvs: 2 });
  });

  it.each([
    [
      { ilvg_uuid: 'nova-local', disk_or_part_uuid: '/dev/sda' },
      'VALIDATION_FAILED',
      '/dev/sda holds the OS (rootfs): it cannot be a physical volume; use a partition of it',
    ],
    [
      { ilvg_uuid: 'nova-local', disk_or_part_uuid: '/dev/sdz' },
      'VALIDATION_FAILED',
      'worker-0 has no disk or partition /dev/sdz',
    ],
    [
      { ilvg_uuid: 'cinder-volumes', disk_or_part_uuid: '/dev/sdb' },
      'VALIDATION_FAILED',
      'worker-0 has no volume group cinder-volumes: add it first (host-lvg-add)',
    ],
    [
      { ilvg_uuid: 'nova-local', disk_or_part_uuid: '/dev/sdb', pv_type: 'partition' },
      'VALIDATION_FAILED',
      'pv_type is "partition" but /dev/sdb is a disk',
    ],
    [{ disk_or_part_uuid: '/dev/sdb' }, 'VALIDATION_FAILED', 'ilvg_uuid is required'],
  ])('%j is refused', (input, code, message) => {
    expect(refusal(() => planNewPv(input, base, 'pv'))).toMatchObject({ code, message });
  });

  it('a disk or partition is used once; a partitioned disk or an OSD is no physical volume', () => {
    const used: HostStorage = {
      ...withPartitions(base, nvme, 5),
      pvs: [
        { uuid: 'pv-1', ilvg_uuid: cgts.uuid, idisk_uuid: null, partition_uuid: sda1.uuid },
        { uuid: 'pv-2', ilvg_uuid: nova.uuid, idisk_uuid: sdb.uuid, partition_uuid: null },
      ],
    };
    expect(
      refusal(() => planNewPv({ ilvg_uuid: 'nova-local', disk_or_part_uuid: '/dev/sdb' }, used, 'pv')),
    ).toEqual({
      code: 'CONFLICT',
      field: 'disk_or_part_uuid',
      message: '/dev/sdb is already a physical volume (pv-2)',
    });
    expect(
      refusal(() => planNewPv({ ilvg_uuid: 'nova-local', disk_or_part_uuid: '/dev/sda1' }, used, 'pv'))
        .message,
    ).toBe('/dev/sda1 is already a physical volume (pv-1)');
    expect(
      refusal(() => planNewPv({ ilvg_uuid: 'nova-local', disk_or_part_uuid: '/dev/nvme0n1' }, used, 'pv'))
        .message,
    ).toBe('/dev/nvme0n1 has partitions: use one of them, or delete them to use the whole disk');
    const osd = {
      ...base,
      stors: [{ uuid: 'st', idisk_uuid: sdb.uuid, function: 'osd' as const, osdid: 0 }],
    };
    expect(
      refusal(() => planNewPv({ ilvg_uuid: 'nova-local', disk_or_part_uuid: '/dev/sdb' }, osd, 'pv')).code,
    ).toBe('CONFLICT');
  });

  it('cgts-vg never gives a physical volume back; nova-local does', () => {
    const pv1 = { uuid: 'pv-1', ilvg_uuid: cgts.uuid, idisk_uuid: null, partition_uuid: sda1.uuid };
    const pv2 = { uuid: 'pv-2', ilvg_uuid: nova.uuid, idisk_uuid: sdb.uuid, partition_uuid: null };
    const s = { ...base, pvs: [pv1, pv2] };
    expect(refusal(() => checkPvDelete(pv1, s))).toEqual({
      code: 'VALIDATION_FAILED',
      field: 'ipv_uuid',
      message: 'physical volumes cannot be removed from the cgts-vg volume group',
    });
    expect(() => checkPvDelete(pv2, s)).not.toThrow();
  });
});

describe('host-stor-add', () => {
  const aio = site({
    host: host({ hostname: 'controller-1', personality: 'controller', subfunctions: 'controller,worker' }),
  });
  const storage = site({
    host: host({ hostname: 'storage-0', personality: 'storage', subfunctions: 'storage' }),
  });

  it('an OSD on a whole disk of a storage host or an AIO controller takes the lowest free OSD id', () => {
    expect(planNewStor({ idisk_uuid: '/dev/sdb' }, aio, 'st', [])).toEqual({
      uuid: 'st',
      idisk_uuid: sdb.uuid,
      function: 'osd',
      osdid: 0,
    });
    expect(planNewStor({ idisk_uuid: sdb.uuid, function: 'osd' }, storage, 'st', [0, 1, 3]).osdid).toBe(2);
  });

  it.each([
    [
      'a worker',
      site(),
      { idisk_uuid: '/dev/sdb' },
      'ihost_uuid',
      'OSDs go on storage hosts or all-in-one controllers; worker-0 is a worker',
    ],
    [
      'a standard controller',
      site({
        host: host({ personality: 'controller', subfunctions: 'controller', hostname: 'controller-1' }),
      }),
      { idisk_uuid: '/dev/sdb' },
      'ihost_uuid',
      'OSDs go on storage hosts or all-in-one controllers; controller-1 is a controller',
    ],
    [
      'the OS disk',
      aio,
      { idisk_uuid: '/dev/sda' },
      'idisk_uuid',
      '/dev/sda holds the OS (rootfs): it cannot be an OSD',
    ],
    [
      'a journal',
      aio,
      { idisk_uuid: '/dev/sdb', function: 'journal' },
      'function',
      'function "journal" is not supported: only osd (journal and monitor functions are not available)',
    ],
  ])('not on %s', (_what, s, input, field, message) => {
    expect(refusal(() => planNewStor(input, s, 'st', []))).toEqual({
      code: 'VALIDATION_FAILED',
      field,
      message,
    });
  });

  it('not on a disk with partitions, a physical volume, or an OSD already', () => {
    const parted = withPartitions(aio, sdb, 1);
    expect(refusal(() => planNewStor({ idisk_uuid: '/dev/sdb' }, parted, 'st', []))).toMatchObject({
      code: 'CONFLICT',
      message: '/dev/sdb has partitions: an OSD takes a whole, empty disk',
    });
    const pv = {
      ...aio,
      lvgs: [{ uuid: 'g', lvm_vg_name: 'nova-local' as const }],
      pvs: [{ uuid: 'pv', ilvg_uuid: 'g', idisk_uuid: sdb.uuid, partition_uuid: null }],
    };
    expect(refusal(() => planNewStor({ idisk_uuid: '/dev/sdb' }, pv, 'st', [])).message).toBe(
      '/dev/sdb is a physical volume',
    );
    const osd = {
      ...aio,
      stors: [{ uuid: 'st0', idisk_uuid: sdb.uuid, function: 'osd' as const, osdid: 4 }],
    };
    expect(refusal(() => planNewStor({ idisk_uuid: '/dev/sdb' }, osd, 'st', [4])).message).toBe(
      '/dev/sdb is already an OSD (osd.4)',
    );
  });
});
