// PCI functions (sys/bus/pci/devices/*) as sysinv's pci_device rows: ids, class, NUMA node, driver,
// SR-IOV counts, and the kind of device the platform cares about (GPU, crypto, FPGA, NIC, storage).

import type { Reader } from './reader.ts';
import type { PciDeviceRow, PciFunction, PciKind } from './types.ts';

import { numaOrNull } from './values.ts';

/** Base class names, as lspci prints them (PCI Code and ID Assignment Specification). */
const BASE_CLASSES: Record<string, string> = {
  '00': 'Unclassified device',
  '01': 'Mass storage controller',
  '02': 'Network controller',
  '03': 'Display controller',
  '04': 'Multimedia controller',
  '05': 'Memory controller',
  '06': 'Bridge',
  '07': 'Communication controller',
  '08': 'Generic system peripheral',
  '09': 'Input device controller',
  '0a': 'Docking station',
  '0b': 'Processor',
  '0c': 'Serial bus controller',
  '0d': 'Wireless controller',
  '0e': 'Intelligent controller',
  '0f': 'Satellite communications controller',
  '10': 'Encryption controller',
  '11': 'Signal processing controller',
  '12': 'Processing accelerators',
  '13': 'Non-Essential Instrumentation',
  '40': 'Coprocessor',
  ff: 'Unassigned class',
};

/**
 * Intel QuickAssist (QAT) families: physical and virtual function ids, from Linux's qat driver
 * (adf_accel_devices.h) plus the out-of-tree C4xxx. Their class is 0x0b40 (co-processor), which
 * Xeon Phi cards share, so the class alone does not make a crypto device.
 */
const QAT_FAMILIES: Record<string, [pf: string, vf: string]> = {
  DH895xCC: ['0435', '0443'],
  C62x: ['37c8', '37c9'],
  C3xxx: ['19e2', '19e3'],
  '200xx': ['18ee', '18ef'],
  D15xx: ['6f54', '6f55'],
  C4xxx: ['18a0', '18a1'],
  '4xxx': ['4940', '4941'],
  '401xx': ['4942', '4943'],
  '402xx': ['4944', '4945'],
  '420xx': ['4946', '4947'],
  '6xxx': ['4948', '4949'],
};
const QAT_DEVICE_IDS = new Set(Object.values(QAT_FAMILIES).flat());

/** Intel FPGA cards (PAC Arria 10, PAC D5005, N3000) that do not all use class 0x12. */
const INTEL_FPGA_DEVICE_IDS = new Set(['09c4', '09c5', '0b2b', '0b2c', '0b30', '0b31']);
/** FPGA vendors: Altera (now Intel PSG), Xilinx (now AMD). */
const FPGA_VENDORS = new Set(['1172', '10ee']);

/**
 * Display controllers that are a BMC's or a hypervisor's frame buffer, not a GPU to schedule work
 * on: ASPEED and Matrox (server BMCs), Cirrus, QEMU's std VGA, QXL, VMware SVGA, VirtualBox.
 * Counting them would give almost every server one "GPU".
 */
const CONSOLE_DISPLAY_VENDORS = new Set(['1a03', '102b', '1013', '1234', '1b36', '15ad', '80ee']);

/** The pclass name and the kind of interest of a PCI function, from its class code and ids. */
export function classifyPci(
  pclass_id: string | null,
  vendor: string | null,
  device: string | null,
): { pclass: string | null; kind: PciKind } {
  const base = pclass_id?.slice(0, 2);
  const sub = pclass_id?.slice(0, 4);
  const pclass =
    sub === '0b40' ? 'Co-processor' : base === undefined ? null : (BASE_CLASSES[base] ?? 'Unknown class');
  const kind = ((): PciKind => {
    if (base === '10' || (vendor === '8086' && device !== null && QAT_DEVICE_IDS.has(device)))
      return 'crypto';
    if (base === '12' || (vendor !== null && FPGA_VENDORS.has(vendor))) return 'fpga';
    if (vendor === '8086' && device !== null && INTEL_FPGA_DEVICE_IDS.has(device)) return 'fpga';
    if (base === '03') return vendor !== null && CONSOLE_DISPLAY_VENDORS.has(vendor) ? 'other' : 'gpu';
    if (base === '02') return 'nic';
    if (base === '01') return 'storage';
    return 'other';
  })();
  return { pclass, kind };
}

export async function readPciFunction(r: Reader, dir: string): Promise<PciFunction> {
  // numa_node is absent on kernels without NUMA, subsystem ids on some bridges, sriov_* on functions without SR-IOV.
  return {
    pclass_id: (await r.hexId(`${dir}/class`, 6, 'required')) ?? null,
    pvendor_id: (await r.hexId(`${dir}/vendor`, 4, 'required')) ?? null,
    pdevice_id: (await r.hexId(`${dir}/device`, 4, 'required')) ?? null,
    psvendor: (await r.hexId(`${dir}/subsystem_vendor`, 4, 'optional')) ?? null,
    psdevice: (await r.hexId(`${dir}/subsystem_device`, 4, 'optional')) ?? null,
    numa_node: numaOrNull(await r.int(`${dir}/numa_node`, 'optional')),
    driver: await r.linkName(`${dir}/driver`),
    sriov_totalvfs: (await r.int(`${dir}/sriov_totalvfs`, 'optional')) ?? null,
    sriov_numvfs: (await r.int(`${dir}/sriov_numvfs`, 'optional')) ?? null,
  };
}

const PCI_DIR = 'sys/bus/pci/devices';

export async function readPciDevices(r: Reader): Promise<PciDeviceRow[]> {
  const names = await r.tree.list(PCI_DIR);
  if (names === undefined) {
    r.problems.missing(PCI_DIR, 'no PCI devices read');
    return [];
  }
  const rows: PciDeviceRow[] = [];
  for (const name of names) {
    const f = await readPciFunction(r, `${PCI_DIR}/${name}`);
    const { pclass, kind } = classifyPci(f.pclass_id, f.pvendor_id, f.pdevice_id);
    rows.push({
      pciaddr: name.toLowerCase(),
      pclass_id: f.pclass_id,
      pclass,
      kind,
      pvendor_id: f.pvendor_id,
      pdevice_id: f.pdevice_id,
      psvendor: f.psvendor,
      psdevice: f.psdevice,
      numa_node: f.numa_node,
      driver: f.driver,
      sriov_totalvfs: f.sriov_totalvfs,
      sriov_numvfs: f.sriov_numvfs,
    });
  }
  return rows;
}
