// The fields StarlingX's own client (cgtsclient) reads from each sysinv resource that Starling
// has no value for: every answer carries them (null, or sysinv's neutral value), so `system
// host-show`, `host-port-list`, `host-if-list`… print instead of failing on a missing attribute.
// The lists follow the client's `*_shell.py` column lists and `_print_*` helpers; a new resource
// adds its list here. Values Starling has always win over the fillers.

import type { App } from '../api/server.ts';

type Row = Record<string, unknown>;

const TIMES = { created_at: null, updated_at: null };

/** Per collection key (the path's last literal segment): fillers, then values derived from the row. */
const RESOURCES: Record<string, { fill: Row; derive?: (r: Row) => Row }> = {
  ihosts: {
    fill: {
      peers: null,
      install_state: null,
      install_state_info: null,
      serialid: null,
      config_applied: null,
      config_target: null,
      reserved: false,
      hw_settle: '0',
      tboot: null,
      vim_progress_status: null,
      clock_synchronization: 'ntp',
      device_image_update: null,
      reboot_needed: false,
      max_cpu_mhz_configured: null,
      min_cpu_mhz_allowed: null,
      max_cpu_mhz_allowed: null,
      cstates_available: null,
      apparmor: 'disabled',
      iscsi_initiator_name: null,
      nvme_host_id: null,
      nvme_host_nqn: null,
      ttys_dcd: null,
      kernel_running: null,
      kernel_provisioned: null,
    },
    derive: (h) => ({ subfunction_oper: h.operational ?? null, subfunction_avail: h.availability ?? null }),
  },
  icpus: {
    fill: { capabilities: {}, inode_uuid: null, ...TIMES },
    derive: (c) => ({ ihost_uuid: c.host_uuid ?? null }),
  },
  imemorys: {
    fill: {
      vswitch_hugepages_size_mib: null,
      vswitch_hugepages_nr: null,
      vswitch_hugepages_avail: null,
      vswitch_hugepages_reqd: null,
      vm_hugepages_nr_4K: null,
      vm_pending_as_percentage: null,
      capabilities: {},
      ...TIMES,
    },
    derive: (m) => ({ ihost_uuid: m.host_uuid ?? null }),
  },
  inodes: { fill: { capabilities: {}, ...TIMES } },
  ports: {
    fill: {
      type: 'ethernet',
      dev_id: 0,
      dpdksupport: null,
      sriov_vfs_pci_address: null,
      sriov_vf_driver: null,
      sriov_vf_pdevice_id: null,
      pclass: null,
      maxchannels: null,
      numchannels: null,
      sriov_vf_maxchannels: null,
      sriov_vf_numchannels: null,
      capabilities: {},
      ...TIMES,
    },
    derive: (p) => ({ namedisplay: p.name ?? null }),
  },
  ethernet_ports: {
    fill: {
      type: 'ethernet',
      dev_id: 0,
      dpdksupport: null,
      autoneg: null,
      bootp: null,
      pclass: null,
      sriov_vfs_pci_address: null,
      sriov_vf_driver: null,
      sriov_vf_pdevice_id: null,
      capabilities: {},
      ...TIMES,
    },
    derive: (p) => ({ namedisplay: p.name ?? null }),
  },
  iinterfaces: {
    fill: {
      max_tx_rate: null,
      max_rx_rate: null,
      channels: null,
      sriov_vf_channels: null,
      primary_reselect: null,
      ptp_role: 'none',
      schedpolicy: null,
      ovs_access: null,
    },
  },
  idisks: { fill: { device_num: null, rpm: null, ...TIMES } },
  pci_devices: {
    fill: {
      pvendor: null,
      pdevice: null,
      sriov_numvfs: null,
      sriov_vf_pdevice_id: null,
      sriov_vfs_pci_address: null,
      extra_info: null,
      ...TIMES,
    },
    // sysinv names a device after its address: pci_0000_00_02_0.
    derive: (d) => ({ name: typeof d.pciaddr === 'string' ? `pci_${d.pciaddr.replace(/[:.]/g, '_')}` : null }),
  },
  networks: { fill: { primary_pool_family: null } },
  addresses: { fill: { enable_dad: false, forihostid: null } },
  partitions: { fill: { type_guid: null, type_name: null, ...TIMES } },
  ilvgs: {
    fill: {
      lvm_vg_access: null,
      lvm_max_lv: null,
      lvm_cur_lv: null,
      lvm_max_pv: null,
      lvm_cur_pv: null,
      lvm_vg_size: null,
      lvm_vg_avail_size: null,
      lvm_vg_total_pe: null,
      lvm_vg_free_pe: null,
      capabilities: {},
      ...TIMES,
    },
  },
  ipvs: {
    fill: {
      lvm_pv_uuid: null,
      lvm_pv_size: null,
      lvm_pe_total: null,
      lvm_pe_alloced: null,
      capabilities: {},
      ...TIMES,
    },
  },
  istors: {
    fill: {
      journal_location: null,
      journal_size_mib: null,
      journal_path: null,
      journal_node: null,
      tier_name: null,
      tier_uuid: null,
      capabilities: {},
      ...TIMES,
    },
  },
};

/** sysinv's fields for one row of a collection (`ihosts`, `ports`…); other keys unchanged. */
export function withSysinvFields(collection: string, row: Row): Row {
  const spec = RESOURCES[collection];
  if (spec === undefined) return row;
  return { ...spec.fill, ...spec.derive?.(row), ...row };
}

/** The collection a route answers: its path's last literal segment (`/v1/ihosts/:id/ports` → ports). */
function collectionOf(url: string): string | undefined {
  if (!url.startsWith('/v1/')) return undefined;
  const literal = url.split('/').filter((s) => s !== '' && !s.startsWith(':'));
  const last = literal[literal.length - 1];
  return last !== undefined && last in RESOURCES ? last : undefined;
}

/** Adds the fillers to every sysinv answer, list (`{"ports": […]}`) or single resource. */
export function registerSysinvFields(app: App): void {
  app.addHook('preSerialization', async (req, reply, payload: unknown) => {
    const url = req.routeOptions.url;
    if (url === undefined || reply.statusCode >= 300 || payload === null || typeof payload !== 'object') return payload;
    const collection = collectionOf(url);
    if (collection === undefined) return payload;
    const body = payload as Row;
    const list: unknown = body[collection];
    if (Array.isArray(list)) {
      const rows = (list as unknown[]).map((r): unknown =>
        r !== null && typeof r === 'object' ? withSysinvFields(collection, r as Row) : r,
      );
      return { ...body, [collection]: rows };
    }
    if (typeof body.uuid === 'string') return withSysinvFields(collection, body);
    return payload;
  });
}
