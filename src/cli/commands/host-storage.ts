// `starling system host-disk-show`, `host-disk-partition-*`, `host-lvg-*`, `host-pv-*`, `host-stor-*`:
// a host's storage with cgtsclient's argument shapes, sizes shown in GiB as cgtsclient shows them.

import type { Command } from 'commander';
import { StarlingError } from '../../common/errors.ts';
import type { CliContext } from '../context.ts';
import { platformApi, type Host } from './platform.ts';
import type { Rec } from '../output.ts';
import { PARTITION_STATUS, PARTITION_TYPES, gib } from '../../inventory/index.ts';

type Item = Rec & { uuid: string };

const DISK_FIELDS = [
  'device_node',
  'device_type',
  'device_path',
  'device_wwn',
  'size_gib',
  'available_gib',
  'rpm',
  'serial_id',
  'capabilities',
  'uuid',
  'ihost_uuid',
  'istor_uuid',
  'ipv_uuid',
];
const PARTITION_FIELDS = [
  'device_path',
  'device_node',
  'type_guid',
  'type_name',
  'start_mib',
  'end_mib',
  'size_mib',
  'uuid',
  'ihost_uuid',
  'idisk_uuid',
  'ipv_uuid',
  'status',
  'created_at',
  'updated_at',
];
const LVG_FIELDS = [
  'lvm_vg_name',
  'vg_state',
  'uuid',
  'ihost_uuid',
  'lvm_vg_access',
  'lvm_max_lv',
  'lvm_cur_lv',
  'lvm_max_pv',
  'lvm_cur_pv',
  'lvm_vg_size_gib',
  'lvm_vg_avail_size_gib',
  'lvm_vg_total_pe',
  'lvm_vg_free_pe',
  'created_at',
  'updated_at',
  'parameters',
];
const PV_FIELDS = [
  'uuid',
  'pv_state',
  'pv_type',
  'disk_or_part_uuid',
  'disk_or_part_device_node',
  'disk_or_part_device_path',
  'lvm_pv_name',
  'lvm_vg_name',
  'lvm_pv_uuid',
  'lvm_pv_size_gib',
  'lvm_pe_total',
  'lvm_pe_alloced',
  'ihost_uuid',
  'created_at',
  'updated_at',
];
const STOR_FIELDS = [
  'osdid',
  'function',
  'state',
  'journal_location',
  'journal_size_gib',
  'journal_path',
  'journal_node',
  'uuid',
  'ihost_uuid',
  'idisk_uuid',
  'tier_uuid',
  'tier_name',
  'created_at',
  'updated_at',
];

const GIB_BYTES = 1024 ** 3;
const gibOfBytes = (b: unknown): number | null =>
  typeof b === 'number' ? Math.floor((b / GIB_BYTES) * 1000) / 1000 : null;
const gibOfMib = (m: unknown): number | null => (typeof m === 'number' ? Number(gib(m)) : null);
/** cgtsclient adds "(on unlock)" to states the host applies when it is next unlocked. */
const onUnlock = (state: unknown): unknown =>
  state === 'adding' || state === 'removing' ? `${state} (on unlock)` : state;

const diskRec = (d: Rec): Rec => ({
  ...d,
  size_gib: gibOfMib(d.size_mib),
  available_gib: gibOfMib(d.available_mib),
});
const partitionRec = (p: Rec): Rec => ({
  ...p,
  status: typeof p.status === 'number' ? (PARTITION_STATUS[p.status] ?? p.status) : p.status,
  size_gib: gibOfMib(p.size_mib),
});
const lvgRec = (g: Rec): Rec => ({
  ...g,
  lvm_vg_size_gib: gibOfBytes(g.lvm_vg_size),
  lvm_vg_avail_size_gib: gibOfBytes(g.lvm_vg_avail_size),
  parameters: g.capabilities,
});
const pvRec = (p: Rec): Rec => ({ ...p, lvm_pv_size_gib: gibOfBytes(p.lvm_pv_size) });
const storRec = (s: Rec): Rec => ({
  ...s,
  journal_size_gib: typeof s.journal_size_mib === 'number' ? Math.floor(s.journal_size_mib / 1024) : null,
});

export function registerHostStorage(system: Command, ctx: CliContext): void {
  const { api, host } = platformApi(ctx);
  const name = (h: Host): string => h.hostname ?? h.uuid;
  const list = async (h: Host, kind: string): Promise<Item[]> =>
    (await api<Record<string, Item[]>>('GET', `/ihosts/${h.uuid}/${kind}`))[kind] ?? [];
  /** By uuid, device node or by-path name, as cgtsclient finds disks and partitions. */
  const byDevice = (items: Item[], r: string): Item | undefined =>
    items.find((i) => i.uuid === r || i.device_node === r || i.device_path === r);
  const findDisk = async (h: Host, r: string): Promise<Item> =>
    byDevice(await list(h, 'idisks'), r) ??
    (() => {
      throw new StarlingError('NOT_FOUND', `disk not found: host ${name(h)} disk ${r}`, { field: 'disk' });
    })();
  const findPartition = async (h: Host, r: string): Promise<Item> =>
    byDevice(await list(h, 'partitions'), r) ??
    (() => {
      throw new StarlingError(
        'NOT_FOUND',
        `partition not found on host ${name(h)} by device path or uuid: ${r}`,
        {
          field: 'partition',
        },
      );
    })();
  const findLvg = async (h: Host, r: string): Promise<Item> =>
    (await list(h, 'ilvgs')).find((g) => g.uuid === r || g.lvm_vg_name === r) ??
    (() => {
      throw new StarlingError('NOT_FOUND', `local volume group not found: host ${name(h)} lvg ${r}`, {
        field: 'lvg',
      });
    })();
  const findPv = async (h: Host, r: string): Promise<Item> =>
    (await list(h, 'ipvs')).find((p) => p.uuid === r) ??
    (() => {
      throw new StarlingError('NOT_FOUND', `PV not found: host ${name(h)} PV ${r}`, { field: 'pv' });
    })();
  const gibArg = (flag: string, v: string): number => {
    // cgtsclient takes whole GiB and sends MiB.
    if (!/^\d+$/.test(v) || Number(v) <= 0)
      throw new StarlingError('USAGE', `partition size must be an integer greater than 0: ${v}`, {
        field: flag,
      });
    return Number(v) * 1024;
  };

  // --- disks --------------------------------------------------------------------------------------
  system
    .command('host-disk-show <host> <disk>')
    .description(
      'show a disk (device node, by-path name or uuid): its free space and whether it holds the OS (rootfs)',
    )
    .action(async (ref: string, diskRef: string) => {
      const h = await host(ref);
      ctx.show(diskRec(await findDisk(h, diskRef)), DISK_FIELDS);
    });

  // --- partitions ---------------------------------------------------------------------------------
  system
    .command('host-disk-partition-list <host>')
    .description('list the partitions made on a host’s disks')
    .option('--disk <disk>', 'only this disk’s (device node, by-path name or uuid)')
    .action(async (ref: string, o: { disk?: string }) => {
      const h = await host(ref);
      const path =
        o.disk === undefined
          ? `/ihosts/${h.uuid}/partitions`
          : `/idisks/${(await findDisk(h, o.disk)).uuid}/partitions`;
      const { partitions } = await api<{ partitions: Rec[] }>('GET', path);
      ctx.list(partitions.map(partitionRec), [
        ['uuid', 'uuid'],
        ['device_path', 'device_path'],
        ['device_node', 'device_node'],
        ['type_guid', 'type_guid'],
        ['type_name', 'type_name'],
        ['size_gib', 'size_gib'],
        ['status', 'status'],
      ]);
    });

  system
    .command('host-disk-partition-show <host> <partition>')
    .description('show a partition (device node, by-path name or uuid)')
    .action(async (ref: string, partRef: string) => {
      const h = await host(ref);
      ctx.show(partitionRec(await findPartition(h, partRef)), PARTITION_FIELDS);
    });

  system
    .command('host-disk-partition-add <host> <disk> <size_gib>')
    .description(
      'add a partition after the last one of a disk (the host must be locked): host-disk-partition-add worker-0 /dev/sda 10',
    )
    .option('-t, --partition_type <type>', 'partition type: lvm_phys_vol', 'lvm_phys_vol')
    .action(async (ref: string, diskRef: string, sizeGib: string, o: { partition_type: string }) => {
      const typeGuid = PARTITION_TYPES[o.partition_type];
      if (typeGuid === undefined)
        throw new StarlingError('USAGE', `--partition_type must be lvm_phys_vol, got '${o.partition_type}'`, {
          field: '--partition_type',
        });
      const sizeMib = gibArg('size_gib', sizeGib);
      const h = await host(ref);
      const disk = await findDisk(h, diskRef);
      ctx.target = `${name(h)}:${String(disk.device_node)}`;
      const p = await api<Rec>('POST', '/partitions', {
        ihost_uuid: h.uuid,
        idisk_uuid: disk.uuid,
        size_mib: sizeMib,
        type_guid: typeGuid,
      });
      ctx.show(partitionRec(p), PARTITION_FIELDS);
    });

  system
    .command('host-disk-partition-modify <host> <partition>')
    .description(
      'grow the last partition of a disk while no physical volume uses it (the host must be locked): host-disk-partition-modify worker-0 /dev/sda2 -s 30',
    )
    .requiredOption('-s, --size_gib <size>', 'the partition’s new size in GiB (larger than now)')
    .action(async (ref: string, partRef: string, o: { size_gib: string }) => {
      const sizeMib = gibArg('--size_gib', o.size_gib);
      const h = await host(ref);
      const p = await findPartition(h, partRef);
      ctx.target = `${name(h)}:${String(p.device_node)}`;
      const updated = await api<Rec>('PATCH', `/partitions/${p.uuid}`, [
        { op: 'replace', path: '/size_mib', value: sizeMib },
      ]);
      ctx.show(partitionRec(updated), PARTITION_FIELDS);
    });

  system
    .command('host-disk-partition-delete <host> <partition>')
    .description(
      'delete the last partition of a disk, if no physical volume uses it (the host must be locked)',
    )
    .action(async (ref: string, partRef: string) => {
      const h = await host(ref);
      const p = await findPartition(h, partRef);
      ctx.target = `${name(h)}:${String(p.device_node)}`;
      await api('DELETE', `/partitions/${p.uuid}`);
      ctx.io.out(`Deleted partition ${String(p.device_node)} of host ${name(h)}`);
    });

  // --- volume groups ------------------------------------------------------------------------------
  system
    .command('host-lvg-list <host>')
    .description('list a host’s local volume groups')
    .action(async (ref: string) => {
      const h = await host(ref);
      ctx.list(
        (await list(h, 'ilvgs')).map((g) => ({ ...lvgRec(g), vg_state: onUnlock(g.vg_state) })),
        [
          ['uuid', 'UUID'],
          ['lvm_vg_name', 'LVG Name'],
          ['vg_state', 'State'],
          ['lvm_vg_access', 'Access'],
          ['lvm_vg_size_gib', 'Total Size (GiB)'],
          ['lvm_vg_avail_size_gib', 'Avail Size (GiB)'],
          ['lvm_cur_pv', 'Current PVs'],
          ['lvm_cur_lv', 'Current LVs'],
        ],
      );
    });

  system
    .command('host-lvg-show <host> <lvg>')
    .description('show a local volume group (name or uuid)')
    .action(async (ref: string, lvgRef: string) => {
      const h = await host(ref);
      ctx.show(lvgRec(await findLvg(h, lvgRef)), LVG_FIELDS);
    });

  system
    .command('host-lvg-add <host> <lvg_name>')
    .description(
      'add a local volume group (the host must be locked): cgts-vg (platform) or nova-local (local storage of a host with the worker subfunction)',
    )
    .action(async (ref: string, lvgName: string) => {
      const h = await host(ref);
      ctx.target = `${name(h)}:${lvgName}`;
      const g = await api<Rec>('POST', '/ilvgs', {
        ihost_uuid: h.uuid,
        lvm_vg_name: lvgName.replaceAll(' ', ''),
      });
      ctx.show(lvgRec(g), LVG_FIELDS);
    });

  system
    .command('host-lvg-delete <host> <lvg>')
    .description(
      'delete a local volume group and its physical volumes (the host must be locked; cgts-vg stays once it has physical volumes)',
    )
    .action(async (ref: string, lvgRef: string) => {
      const h = await host(ref);
      const g = await findLvg(h, lvgRef);
      ctx.target = `${name(h)}:${String(g.lvm_vg_name)}`;
      await api('DELETE', `/ilvgs/${g.uuid}`);
      ctx.io.out(`Deleted local volume group ${String(g.lvm_vg_name)} of host ${name(h)}`);
    });

  // --- physical volumes ---------------------------------------------------------------------------
  system
    .command('host-pv-list <host>')
    .description('list a host’s physical volumes')
    .action(async (ref: string) => {
      const h = await host(ref);
      ctx.list(
        (await list(h, 'ipvs')).map((p) => ({ ...p, pv_state: onUnlock(p.pv_state) })),
        [
          ['uuid', 'uuid'],
          ['lvm_pv_name', 'lvm_pv_name'],
          ['disk_or_part_uuid', 'disk_or_part_uuid'],
          ['disk_or_part_device_node', 'disk_or_part_device_node'],
          ['disk_or_part_device_path', 'disk_or_part_device_path'],
          ['pv_state', 'pv_state'],
          ['pv_type', 'pv_type'],
          ['lvm_vg_name', 'lvm_vg_name'],
          ['ihost_uuid', 'ihost_uuid'],
        ],
      );
    });

  system
    .command('host-pv-show <host> <pv>')
    .description('show a physical volume (uuid)')
    .action(async (ref: string, pvRef: string) => {
      const h = await host(ref);
      ctx.show(pvRec(await findPv(h, pvRef)), PV_FIELDS);
    });

  system
    .command('host-pv-add <host> <lvg> <disk_or_partition>')
    .description(
      'make a whole disk or an LVM partition (device node, by-path name or uuid) a physical volume of a volume group (the host must be locked): host-pv-add worker-0 cgts-vg /dev/sda5',
    )
    .action(async (ref: string, lvgRef: string, deviceRef: string) => {
      const h = await host(ref);
      const g = await findLvg(h, lvgRef);
      const disk = byDevice(await list(h, 'idisks'), deviceRef);
      const part = disk ? undefined : byDevice(await list(h, 'partitions'), deviceRef);
      const device = disk ?? part;
      if (!device)
        throw new StarlingError(
          'NOT_FOUND',
          `no disk or partition found on host '${name(h)}' by device path or uuid ${deviceRef}`,
          {
            field: 'disk_or_partition',
          },
        );
      ctx.target = `${name(h)}:${String(g.lvm_vg_name)}:${String(device.device_node)}`;
      const pv = await api<Rec>('POST', '/ipvs', {
        ihost_uuid: h.uuid,
        ilvg_uuid: g.uuid,
        disk_or_part_uuid: device.uuid,
        pv_type: disk ? 'disk' : 'partition',
      });
      ctx.show(pvRec(pv), PV_FIELDS);
    });

  system
    .command('host-pv-delete <pv>')
    .description('delete a physical volume by uuid (the host must be locked; not one of cgts-vg)')
    .action(async (pvUuid: string) => {
      ctx.target = pvUuid;
      await api('DELETE', `/ipvs/${encodeURIComponent(pvUuid)}`);
      ctx.io.out(`Deleted physical volume ${pvUuid}`);
    });

  // --- storage functions --------------------------------------------------------------------------
  system
    .command('host-stor-list <host>')
    .description('list a host’s storage functions (OSDs)')
    .action(async (ref: string) => {
      const h = await host(ref);
      ctx.list((await list(h, 'istors')).map(storRec), [
        ['uuid', 'uuid'],
        ['function', 'function'],
        ['osdid', 'osdid'],
        ['state', 'state'],
        ['idisk_uuid', 'idisk_uuid'],
        ['journal_path', 'journal_path'],
        ['journal_node', 'journal_node'],
        ['journal_size_gib', 'journal_size_gib'],
        ['tier_name', 'tier_name'],
      ]);
    });

  system
    .command('host-stor-show <host_or_stor> [stor]')
    .description('show a storage function by uuid: host-stor-show [<host>] <stor uuid>')
    .action(async (first: string, second: string | undefined) => {
      if (second !== undefined) await host(first);
      const uuid = second ?? first;
      ctx.show(storRec(await api<Rec>('GET', `/istors/${encodeURIComponent(uuid)}`)), STOR_FIELDS);
    });

  system
    .command('host-stor-add <host> <function_or_disk> [disk]')
    .description(
      'give a whole disk to Ceph as an OSD, on a storage host or an all-in-one controller (the host must be locked): host-stor-add storage-0 [osd] /dev/sdb',
    )
    .action(async (ref: string, first: string, second: string | undefined) => {
      const fn = second === undefined ? 'osd' : first;
      const diskRef = second ?? first;
      const h = await host(ref);
      const disk = await findDisk(h, diskRef);
      ctx.target = `${name(h)}:${String(disk.device_node)}`;
      const stor = await api<Rec>('POST', '/istors', {
        ihost_uuid: h.uuid,
        function: fn,
        idisk_uuid: disk.uuid,
      });
      ctx.show(storRec(stor), STOR_FIELDS);
    });

  system
    .command('host-stor-delete <stor>')
    .description('delete a storage function by uuid (the host must be locked)')
    .action(async (storUuid: string) => {
      ctx.target = storUuid;
      await api('DELETE', `/istors/${encodeURIComponent(storUuid)}`);
      ctx.io.out(`Deleted stor ${storUuid}`);
    });
}
