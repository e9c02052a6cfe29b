// Test builder: a host-bulk-add XML file of `count` workers with every field StarlingX's format
// has filled in (the largest realistic file per host), each host with its own name, MAC and BMC.

export function bulkHostsXml(count: number, opts: { prefix?: string; macBase?: number } = {}): string {
  const prefix = opts.prefix ?? 'worker';
  const base = opts.macBase ?? 0x100000;
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  const hosts: string[] = [];
  for (let i = 0; i < count; i++) {
    const m = base + i;
    const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    hosts.push(`  <host>
    <hostname>${prefix}-${i}</hostname>
    <personality>worker</personality>
    <subfunctions>worker</subfunctions>
    <mgmt_mac>08:00:27:${hex((m >> 16) & 255)}:${hex((m >> 8) & 255)}:${hex(m & 255)}</mgmt_mac>
    <bm_type>redfish</bm_type>
    <bm_ip>${ip}</bm_ip>
    <bm_username>bmc-operator</bm_username>
    <bm_password>bmc-password-${i}-Aa1!</bm_password>
    <boot_device>/dev/disk/by-path/pci-0000:00:1f.2-ata-1.0</boot_device>
    <rootfs_device>/dev/disk/by-path/pci-0000:00:1f.2-ata-1.0</rootfs_device>
    <install_output>text</install_output>
    <console>ttyS0,115200</console>
    <location>data centre 1, hall B, row ${i % 40}, rack ${i % 100}, unit ${i % 42}</location>
    <hw_settle>0</hw_settle>
    <power_on/>
  </host>`);
  }
  return `<?xml version="1.0" encoding="UTF-8" ?>\n<hosts>\n${hosts.join('\n')}\n</hosts>\n`;
}
