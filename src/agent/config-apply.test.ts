import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  applyHostConfig,
  cpuList,
  renderHostConfig,
  renderInterfaces,
  type InterfaceConfig,
} from './config-apply.ts';

const iface = (o: Partial<InterfaceConfig> & { ifname: string }): InterfaceConfig => ({
  iftype: 'ethernet',
  ifclass: null,
  imtu: 1500,
  aemode: null,
  txhashpolicy: null,
  vlan_id: null,
  ports: [],
  uses: [],
  networks: [],
  ...o,
});

describe('rendering the host configuration', () => {
  it('compresses CPU lists like the kernel writes them', () => {
    expect(cpuList([5, 0, 1, 2, 7, 8])).toBe('0-2,5,7-8');
    expect(cpuList([])).toBe('');
  });

  it('kernel arguments: application-isolated CPUs isolated, huge pages of both sizes', () => {
    const files = renderHostConfig(
      {
        hostname: 'worker-0',
        cpus: [
          { cpu: 0, allocated_function: 'Platform' },
          { cpu: 1, allocated_function: 'Platform' },
          { cpu: 2, allocated_function: 'Application-isolated' },
          { cpu: 3, allocated_function: 'Application-isolated' },
          { cpu: 4, allocated_function: 'Application' },
        ],
        memory: [
          { numa_node: 0, vm_hugepages_nr_2M: 512, vm_hugepages_nr_1G: 2 },
          { numa_node: 1, vm_hugepages_nr_2M: 512, vm_hugepages_nr_1G: 0 },
        ],
      },
      [],
    );
    expect(files['kernel-args']).toBe(
      'isolcpus=nohz,domain,managed_irq,2-3 nohz_full=2-3 rcu_nocbs=2-3 kthread_cpus=0-1 irqaffinity=0-1 hugepagesz=1G hugepages=2 hugepagesz=2M hugepages=1024\n',
    );
  });

  it('interfaces: a bond of two ports with the management VLAN on it; unconfigured ports left out', () => {
    const text = renderInterfaces([
      iface({ ifname: 'enp0s3', ports: ['enp0s3'] }),
      iface({ ifname: 'enp0s8', ports: ['enp0s8'] }),
      iface({ ifname: 'enp0s9', ports: ['enp0s9'] }),
      iface({
        ifname: 'bond0',
        iftype: 'ae',
        aemode: '802.3ad',
        txhashpolicy: 'layer2',
        imtu: 9000,
        uses: ['enp0s3', 'enp0s8'],
      }),
      iface({
        ifname: 'mgmt0',
        iftype: 'vlan',
        ifclass: 'platform',
        vlan_id: 11,
        uses: ['bond0'],
        networks: ['mgmt'],
      }),
    ]);
    expect(text).toContain(
      'auto bond0\niface bond0 inet manual\n    mtu 9000\n    bond-slaves enp0s3 enp0s8\n    bond-mode 802.3ad\n    bond-miimon 100\n    bond-xmit-hash-policy layer2\n',
    );
    expect(text).toContain(
      'auto mgmt0\niface mgmt0 inet manual\n    mtu 1500\n    vlan-raw-device bond0\n    vlan-id 11\n    # networks: mgmt\n',
    );
    expect(text).toContain('auto enp0s3\niface enp0s3 inet manual\n    mtu 1500\n    bond-master bond0\n');
    expect(text).not.toContain('enp0s9');
  });

  it('an interface with addresses from its pools is static: IPv4, IPv6, and more than one', () => {
    const text = renderInterfaces([
      iface({
        ifname: 'mgmt0',
        ifclass: 'platform',
        ports: ['eth0'],
        networks: ['mgmt'],
        addresses: ['192.168.204.5/24'],
      }),
      iface({
        ifname: 'ch0',
        ifclass: 'platform',
        ports: ['eth1'],
        networks: ['cluster-host'],
        addresses: ['fd02::7/64'],
      }),
      iface({
        ifname: 'both0',
        ifclass: 'platform',
        ports: ['eth2'],
        networks: ['pxeboot', 'storage'],
        addresses: ['10.0.0.5/24', '10.0.1.5/24'],
      }),
    ]);
    expect(text).toContain(
      'auto eth0\niface eth0 inet static\n    address 192.168.204.5/24\n    mtu 1500\n    # interface mgmt0\n',
    );
    expect(text).toContain('auto eth1\niface eth1 inet6 static\n    address fd02::7/64\n    mtu 1500\n');
    expect(text).toContain(
      'iface eth2 inet static\n    address 10.0.0.5/24\n    mtu 1500\n    up ip addr add 10.0.1.5/24 dev eth2\n',
    );
  });

  it('applies to an OS root (a scratch folder standing in for /): GRUB arguments, interfaces, hostname; dry-run copy kept', async () => {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'starling-apply-'));
    try {
      const files = await applyHostConfig(
        path.join(scratch, 'state'),
        {
          hostname: 'worker-3',
          cpus: [{ cpu: 1, allocated_function: 'Application-isolated' }],
          interfaces: [iface({ ifname: 'mgmt0', ifclass: 'platform', ports: ['eth0'], networks: ['mgmt'] })],
        },
        [],
        path.join(scratch, 'root'),
      );
      expect(files).toContain(path.join(scratch, 'root/etc/default/grub.d/50-starling.cfg'));
      expect(
        fs.readFileSync(path.join(scratch, 'root/etc/default/grub.d/50-starling.cfg'), 'utf8'),
      ).toContain(
        'GRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX isolcpus=nohz,domain,managed_irq,1 nohz_full=1 rcu_nocbs=1"',
      );
      expect(fs.readFileSync(path.join(scratch, 'root/etc/network/interfaces.d/starling'), 'utf8')).toContain(
        'auto eth0\niface eth0 inet manual\n    mtu 1500\n    # interface mgmt0\n    # networks: mgmt\n',
      );
      expect(fs.readFileSync(path.join(scratch, 'root/etc/hostname'), 'utf8')).toBe('worker-3\n');
      expect(fs.readFileSync(path.join(scratch, 'state/dry-run/hostname'), 'utf8')).toBe('worker-3\n');
      expect(fs.readdirSync(path.join(scratch, 'root/etc/network/interfaces.d'))).toEqual(['starling']); // no temporary file left
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  });
});
