// Shapes of the networking room's answers (sysinv's field names), used by fastify's serializer; see
// ../sysinv-schema.ts for why every field is optional and objects stay open.

import { Any, Bool, Links, ListOf, Num, Str, SysinvObject } from '../sysinv-schema.ts';

/** An address pool (addrpool). */
export const AddressPool = SysinvObject({
  id: Num,
  uuid: Str,
  name: Str,
  network: Str,
  prefix: Num,
  order: Str,
  ranges: Any,
  floating_address: Str,
  controller0_address: Any,
  controller1_address: Any,
  gateway_address: Str,
  created_at: Str,
  updated_at: Str,
  links: Links,
});
/** A platform network. */
export const Network = SysinvObject({
  primary_pool_family: Any,
  id: Num,
  uuid: Str,
  name: Str,
  type: Str,
  dynamic: Bool,
  pool_uuid: Str,
  links: Links,
});
/** An address given to a host from a pool. */
export const Address = SysinvObject({
  enable_dad: Bool,
  forihostid: Any,
  uuid: Str,
  ihost_uuid: Str,
  interface_uuid: Str,
  ifname: Str,
  network_uuid: Str,
  networktype: Str,
  pool_uuid: Str,
  address: Str,
  prefix: Num,
  name: Str,
  links: Links,
});
/** A host interface (iinterface). */
export const Interface = SysinvObject({
  max_tx_rate: Any,
  max_rx_rate: Any,
  channels: Any,
  sriov_vf_channels: Any,
  primary_reselect: Any,
  ptp_role: Str,
  schedpolicy: Any,
  ovs_access: Any,
  uuid: Str,
  ifname: Str,
  iftype: Str,
  ifclass: Str,
  imac: Str,
  imtu: Num,
  aemode: Str,
  txhashpolicy: Str,
  vlan_id: Num,
  uses: Any,
  used_by: Any,
  ports: Any,
  sriov_numvfs: Any,
  sriov_vf_driver: Any,
  networks: Any,
  networktype: Str,
  id: Num,
  ihost_uuid: Str,
  created_at: Str,
  updated_at: Str,
  links: Links,
});

export const AddressPoolList = ListOf('addrpools', AddressPool);
export const NetworkList = ListOf('networks', Network);
export const AddressList = ListOf('addresses', Address);
export const InterfaceList = ListOf('iinterfaces', Interface);
