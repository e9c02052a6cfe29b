// Shapes of the storage room's answers (sysinv's field names), used by fastify's serializer; see
// ../sysinv-schema.ts for why every field is optional and objects stay open.

import { Any, Links, ListOf, Num, Str, SysinvObject } from '../sysinv-schema.ts';

/** A disk as storage sees it (idisk). */
export const Disk = SysinvObject({
  device_num: Any,
  rpm: Any,
  created_at: Any,
  updated_at: Any,
  uuid: Str,
  device_node: Str,
  device_type: Str,
  device_path: Str,
  device_wwn: Any,
  size_mib: Num,
  serial_id: Str,
  model: Str,
  available_mib: Num,
  capabilities: Any,
  ipv_uuid: Str,
  istor_uuid: Str,
  ihost_uuid: Str,
  links: Links,
});
/** A disk partition. */
export const Partition = SysinvObject({
  type_guid: Str,
  type_name: Str,
  created_at: Str,
  updated_at: Str,
  uuid: Str,
  device_node: Str,
  device_path: Str,
  start_mib: Num,
  end_mib: Num,
  size_mib: Num,
  idisk_uuid: Str,
  ipv_uuid: Str,
  status: Num,
  capabilities: Any,
  ihost_uuid: Str,
  links: Links,
});
/** A volume group (ilvg). */
export const Lvg = SysinvObject({
  lvm_vg_access: Any,
  lvm_max_lv: Any,
  lvm_cur_lv: Any,
  lvm_max_pv: Any,
  lvm_cur_pv: Num,
  lvm_vg_size: Num,
  lvm_vg_avail_size: Any,
  lvm_vg_total_pe: Any,
  lvm_vg_free_pe: Any,
  capabilities: Any,
  created_at: Str,
  updated_at: Any,
  uuid: Str,
  lvm_vg_name: Str,
  vg_state: Str,
  lvm_vg_uuid: Any,
  ihost_uuid: Str,
  links: Links,
});
/** A physical volume (ipv). */
export const Pv = SysinvObject({
  lvm_pv_uuid: Any,
  lvm_pv_size: Num,
  lvm_pe_total: Any,
  lvm_pe_alloced: Any,
  capabilities: Any,
  created_at: Str,
  updated_at: Any,
  uuid: Str,
  pv_state: Str,
  pv_type: Str,
  disk_or_part_uuid: Str,
  disk_or_part_device_node: Str,
  disk_or_part_device_path: Str,
  lvm_pv_name: Str,
  lvm_vg_name: Str,
  ilvg_uuid: Str,
  ihost_uuid: Str,
  links: Links,
});
/** A storage function on a disk (istor: an OSD). */
export const Stor = SysinvObject({
  journal_location: Str,
  journal_size_mib: Any,
  journal_path: Any,
  journal_node: Any,
  tier_name: Any,
  tier_uuid: Any,
  capabilities: Any,
  created_at: Str,
  updated_at: Any,
  uuid: Str,
  osdid: Num,
  function: Str,
  state: Str,
  idisk_uuid: Str,
  ihost_uuid: Str,
  links: Links,
});

export const DiskList = ListOf('idisks', Disk);
export const PartitionList = ListOf('partitions', Partition);
export const LvgList = ListOf('ilvgs', Lvg);
export const PvList = ListOf('ipvs', Pv);
export const StorList = ListOf('istors', Stor);
