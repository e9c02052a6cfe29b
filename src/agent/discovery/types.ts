// What inventory discovery reports about one host, with sysinv's field names (icpu, imemory,
// ethernet_port, idisk, pci_device). null means "the host does not say", never "zero".

/** icpu: one per online logical CPU. */
export interface CpuRow {
  /** Logical CPU id (the N of cpuN). */
  cpu: number;
  /** Physical core id (topology/core_id; unique within a socket). */
  core: number;
  /** 0, 1, … : position of this CPU among its core's threads (thread_siblings_list order). */
  thread: number;
  numa_node: number;
  /** topology/physical_package_id. */
  socket: number;
  /** x86 `cpu family` from /proc/cpuinfo; null elsewhere. */
  cpu_family: string | null;
  /** `model name` (x86), `cpu` (POWER) from /proc/cpuinfo. */
  cpu_model: string | null;
}

export interface HugepageCount {
  size_kib: number;
  nr: number | null;
  free: number | null;
}

/** imemory: one per NUMA node holding host memory. */
export interface MemoryRow {
  numa_node: number;
  memtotal_mib: number | null;
  /** MemFree of the node. */
  memavail_mib: number | null;
  /** null when the kernel does not offer that page size. */
  vm_hugepages_nr_2M: number | null;
  vm_hugepages_avail_2M: number | null;
  vm_hugepages_nr_1G: number | null;
  vm_hugepages_avail_1G: number | null;
  /** Every huge page size the node offers (2M and 1G on x86; 16G on some, 64K… on ARM/POWER). */
  hugepages: HugepageCount[];
}

/** ethernet_port: one per network device backed by hardware. */
export interface PortRow {
  name: string;
  /** 'ethernet', 'infiniband', or `arphrd-N` for other link types. */
  type: string;
  mac: string | null;
  mtu: number | null;
  /** Mb/s; null when the link is down or the driver does not say. */
  speed: number | null;
  link_mode: number | null;
  operstate: string | null;
  pciaddr: string | null;
  /** sysfs dev_id: the port number on a PCI function that drives several ports. */
  dev_id: number | null;
  driver: string | null;
  numa_node: number | null;
  sriov_totalvfs: number | null;
  sriov_numvfs: number | null;
  /** PCI ids (sysfs has no names): vendor, device, subsystem vendor, subsystem device. */
  pvendor: string | null;
  pdevice: string | null;
  psvendor: string | null;
  psdevice: string | null;
}

export type DiskType = 'HDD' | 'SSD' | 'NVMe';

/** idisk: one per whole disk. */
export interface DiskRow {
  device_node: string;
  device_type: DiskType | null;
  size_mib: number | null;
  serial_id: string | null;
  model: string | null;
  device_wwn: string | null;
  /** udev's by-path name (`pci-0000:00:1f.2-ata-1`), when the device chain shows it. */
  device_path: string | null;
  /**
   * What is free for new partitions (MiB), as sysinv-agent reports it: the space after the last
   * partition already on the disk, less the backup GPT; 0 when the disk is used whole (a
   * filesystem mounted from the disk itself, or a device-mapper or RAID device on it).
   */
  available_mib: number | null;
  /** The highest number of the partitions already on the disk (0: none). */
  last_partition: number | null;
}

export type PciKind = 'gpu' | 'crypto' | 'fpga' | 'nic' | 'storage' | 'other';

/** The PCI facts ports and PCI devices share, read from one function's folder. */
export interface PciFunction {
  /** Class code, 6 hex digits (`020000`). */
  pclass_id: string | null;
  pvendor_id: string | null;
  pdevice_id: string | null;
  psvendor: string | null;
  psdevice: string | null;
  numa_node: number | null;
  driver: string | null;
  sriov_totalvfs: number | null;
  sriov_numvfs: number | null;
}

/** pci_device: every PCI function. */
export interface PciDeviceRow extends PciFunction {
  pciaddr: string;
  /** The base class's name (`Network controller`). */
  pclass: string | null;
  kind: PciKind;
}

export interface InventorySummary {
  hostname: string | null;
  sockets: number;
  /** Physical cores. */
  cores: number;
  /** Online logical CPUs. */
  threads: number;
  threads_per_core: number;
  smt: boolean;
  offline_cpus: number[];
  numa_nodes: number;
  /** NUMA nodes that are GPU memory (NVLink-attached GPUs on POWER9), left out of memory and numa_nodes. */
  gpu_memory_nodes: number[];
  cpu_model: string | null;
  cpu_flags: string[];
  memtotal_mib: number;
  ports: number;
  disks: number;
  pci_devices: number;
  gpus: number;
  crypto_devices: number;
  fpgas: number;
}

export interface Inventory {
  cpus: CpuRow[];
  memory: MemoryRow[];
  ports: PortRow[];
  disks: DiskRow[];
  pci_devices: PciDeviceRow[];
  /** Every missing or malformed file met, relative to the root; discovery goes on past each. */
  problems: string[];
  summary: InventorySummary;
}
