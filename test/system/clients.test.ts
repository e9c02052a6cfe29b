// StarlingX's own command-line clients, unmodified (`system` = cgtsclient, `fm` = fmclient, from
// ../shared/starlingx-clients/) and Debian's `openstack`, run as an operator runs them against a
// Starling controller: every command for the resources Starling serves exits 0 with the right
// rows, and refusals exit 1 printing Starling's own message.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs/promises';
import { loadControllerConfig } from '../../src/common/config.ts';
import { silentLogger } from '../../src/common/log.ts';
import { startController, type Controller } from '../../src/controller/controller.ts';
import { backend } from '../support/db-urls.ts';
import { ADMIN_PASSWORD, freshDatabase, startSite, tempDir, type TestDatabase, type TestSite } from '../support/site.ts';

/** Beside the checkout (`../shared/starlingx-clients`), or where STARLINGX_CLIENTS_DIR says. */
const CLIENTS = process.env.STARLINGX_CLIENTS_DIR ?? path.resolve(import.meta.dirname, '../../../shared/starlingx-clients');

function missing(): string | undefined {
  if (backend() !== 'embedded') return 'the clients talk HTTP only: run once, on the embedded backend';
  if (!existsSync(`${CLIENTS}/bin/system`)) return `StarlingX's clients are not at ${CLIENTS} (set STARLINGX_CLIENTS_DIR)`;
  if (!existsSync('/usr/bin/python3')) return 'python3 is not installed';
  if (!existsSync('/usr/bin/keyctl')) return 'keyctl (Debian keyutils) is not installed: cgtsclient prints nothing without it';
  return undefined;
}
const skipReason = missing();
if (skipReason) console.warn(`skipping StarlingX client tests: ${skipReason}`);

/** The openrc an operator sources, for the API at `url`. */
const openrcFor = (url: string): Record<string, string> => ({
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: process.env.HOME ?? '/root',
  OS_AUTH_URL: `${url}/v3`,
  OS_USERNAME: 'admin',
  OS_PASSWORD: ADMIN_PASSWORD,
  OS_PROJECT_NAME: 'admin',
  OS_USER_DOMAIN_NAME: 'Default',
  OS_PROJECT_DOMAIN_NAME: 'Default',
  OS_REGION_NAME: 'RegionOne',
});

interface Run {
  code: number;
  out: string;
  err: string;
}

describe.skipIf(skipReason !== undefined)("StarlingX's own clients against Starling", { timeout: 60_000 }, () => {
  let site: TestSite;
  let env: Record<string, string>;

  const run = (bin: string, args: string[], input?: string): Promise<Run> =>
    new Promise((resolve) => {
      const child = execFile(bin, args, { env, timeout: 30_000 }, (e, out, err) =>
        resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, out, err }),
      );
      child.stdin?.end(input ?? '');
    });
  const ok = async (bin: string, args: string[], input?: string): Promise<string> => {
    const r = await run(bin, args, input);
    expect(r.code, `${path.basename(bin)} ${args.join(' ')}\n${r.out}\n${r.err}`).toBe(0);
    expect(r.err).not.toMatch(/Traceback|AttributeError|KeyError|Not Found/);
    return r.out;
  };
  const system = (...args: string[]) => ok(`${CLIENTS}/bin/system`, args);
  const fm = (...args: string[]) => ok(`${CLIENTS}/bin/fm`, args);
  const refused = async (args: string[], message: RegExp) => {
    const r = await run(`${CLIENTS}/bin/system`, args);
    expect(r.code, `system ${args.join(' ')}: ${r.out} ${r.err}`).toBe(1);
    expect(r.err).toMatch(message);
  };

  beforeAll(async () => {
    site = await startSite();
    const url = site.url;
    env = openrcFor(url);
    // controller-0 as its agent registers it, with a small machine's inventory.
    const token = await site.token();
    const reg = await site.call('POST', '/v1/agents/register', {
      token,
      body: {
        mgmt_mac: '08:00:27:aa:00:01',
        bootstrap_controller: true,
        inventory: {
          icpus: [0, 1].map((cpu) => ({ cpu, core: cpu, thread: 0, numa_node: 0, cpu_family: '6', cpu_model: 'Xeon' })),
          imemorys: [{ numa_node: 0, memtotal_mib: 8000, memavail_mib: 6000, vm_hugepages_nr_2M: 0, vm_hugepages_avail_2M: 0, vm_hugepages_nr_1G: 0, vm_hugepages_avail_1G: 0 }],
          ethernet_ports: [{ name: 'eth0', mac: '08:00:27:aa:00:01', mtu: 1500, pciaddr: '0000:00:03.0', driver: 'virtio_net' }],
          idisks: [{ device_node: '/dev/vda', device_type: 'HDD', size_mib: 20_480, serial_id: 'V1' }],
          pci_devices: [{ pciaddr: '0000:00:03.0', pclass_id: '020000', pvendor_id: '1af4', pdevice_id: '1041', kind: 'nic' }],
        },
      },
    });
    expect(reg.status, JSON.stringify(reg.body)).toBe(200);
  });
  afterAll(async () => site?.stop());

  it('system: hosts and their inventory, lists and shows', async () => {
    // Independent read-only commands, a few at a time (each is a python start-up).
    const checks: [string[], RegExp][] = [
      [['host-list'], /controller-0 \| controller/],
      [['host-show', 'controller-0'], /hostname\s+\| controller-0[\s\S]*install_state/],
      [['host-cpu-list', 'controller-0'], /Xeon/],
      [['host-cpu-show', 'controller-0', '1'], /inode_uuid/],
      [['host-memory-list', 'controller-0'], /\| 0 +\| 8000 /],
      [['host-memory-show', 'controller-0', '0'], /8000/],
      [['host-port-list', 'controller-0'], /eth0 \| ethernet/],
      [['host-port-show', 'controller-0', 'eth0'], /0000:00:03.0/],
      [['host-ethernet-port-list', 'controller-0'], /08:00:27:aa:00:01/],
      [['host-ethernet-port-show', 'controller-0', 'eth0'], /08:00:27:aa:00:01/],
      [['host-if-list', 'controller-0', '--all'], /eth0.*ethernet.*\['eth0'\]/],
      [['host-if-show', 'controller-0', 'eth0'], /ifname\s+\| eth0/],
      [['host-disk-list', 'controller-0'], /\/dev\/vda/],
      [['host-disk-show', 'controller-0', '/dev/vda'], /device_node\s+\| \/dev\/vda/],
      [['host-device-list', 'controller-0'], /pci_0000_00_03_0/],
      [['host-device-show', 'controller-0', 'pci_0000_00_03_0'], /0000:00:03.0/],
      [['show'], /system_mode\s+\| simplex/],
      [['network-list'], /^/],
      [['addrpool-list'], /^/],
    ];
    for (let i = 0; i < checks.length; i += 3) {
      await Promise.all(
        checks.slice(i, i + 3).map(async ([args, expected]) => expect(await system(...args), args.join(' ')).toMatch(expected)),
      );
    }
  });

  it('system: labels, host add/update/delete, and refusals printed with our reason', async () => {
    expect(await system('host-label-assign', 'controller-0', 'zone=east')).toMatch(/label_value\s+\| east/);
    expect(await system('host-label-list', 'controller-0')).toMatch(/controller-0 \| zone +\| east/);
    await refused(['host-label-assign', 'controller-0', 'zone=west'], /Label zone exists for host controller-0\. Use overwrite option/);
    expect(await system('host-label-assign', '--overwrite', 'controller-0', 'zone=west')).toMatch(/label_value\s+\| west/);
    await system('host-label-remove', 'controller-0', 'zone');
    expect(await system('host-label-list', 'controller-0')).not.toMatch(/zone/);

    await refused(['host-add', '-n', 'worker-0', '-p', 'worker', '-m', '08:00:27:4b:6a:6a'], /simplex/);
    const token = await site.token();
    const sys = (await site.call('GET', '/v1/isystems', { token })).body.isystems[0];
    await site.call('PATCH', `/v1/isystems/${sys.uuid}`, { token, body: [{ op: 'replace', path: '/system_mode', value: 'duplex' }] });
    expect(await system('host-add', '-n', 'worker-0', '-p', 'worker', '-m', '08:00:27:4b:6a:6a')).toMatch(/worker-0/);
    expect(await system('host-update', 'worker-0', 'location=rack4')).toMatch(/rack4/);
    await refused(['host-lock', 'worker-0'], /worker-0 is already locked/);
    await refused(['host-swact', 'controller-0'], /swact needs a second controller/);
    await system('host-delete', 'worker-0', '--yes');
    expect(await system('host-list')).not.toMatch(/worker-0/);
  });

  it('system: address pools and networks, added, shown and deleted', async () => {
    expect(await system('addrpool-add', 'pool-storage', '10.20.0.0', '24')).toMatch(/ranges +\| \['10\.20\.0\.1-10\.20\.0\.254'\]/);
    const refusal = await run(`${CLIENTS}/bin/system`, ['network-add', 'net-x', 'no-such-type', 'true', 'pool-storage']);
    expect(refusal.code).toBe(1);
    expect(refusal.err).toMatch(/type must be one of/);
    expect(await system('network-add', 'net-storage', 'storage', 'true', 'pool-storage')).toMatch(/type +\| storage/);
    expect(await system('network-list')).toMatch(/net-storage \| storage/);
    expect(await system('network-show', 'net-storage')).toMatch(/pool_uuid/);
    expect(await system('network-delete', 'net-storage')).toMatch(/Deleted Network: net-storage/);
    expect(await system('addrpool-delete', 'pool-storage')).toMatch(/Deleted address pool: pool-storage/);
    expect(await system('addrpool-list')).not.toMatch(/pool-storage/);
  });

  it('fm: alarms, events and suppression', async () => {
    const token = await site.token();
    const raised = await site.call('POST', '/v1/alarms', {
      token,
      body: { alarm_id: '100.101', entity_instance_id: 'host=controller-0.processor=0', severity: 'major', reason_text: 'Platform CPU threshold exceeded' },
    });
    const uuid = raised.body.uuid as string;
    expect(await fm('alarm-list', '--uuid')).toMatch(new RegExp(`${uuid} \\| 100.101`));
    expect(await fm('alarm-list', '--include_suppress', '--mgmt_affecting', '--degrade_affecting')).toMatch(/100.101/);
    expect(await fm('alarm-show', uuid)).toMatch(/Platform CPU threshold exceeded/);
    expect(await fm('alarm-summary')).toMatch(/\| 0 +\| 1 +\|/);
    expect(await fm('event-list', '--nopaging', '-l', '5', '--alarms')).toMatch(/100\./);
    await fm('event-list', '--nopaging', '-l', '5', '--logs', '--uuid');
    expect(await fm('event-suppress', '--alarm_id', '100.101', '--nopaging')).toMatch(/100.101 +\| suppressed/);
    const list = await fm('event-suppress-list', '--nopaging');
    expect(list).toMatch(/100.101 +\| suppressed/);
    expect(list).not.toMatch(/unsuppressed/);
    expect(await fm('alarm-list', '--uuid')).not.toMatch(new RegExp(uuid));
    await fm('event-unsuppress', '--alarm_id', '100.101', '--nopaging');
    await fm('alarm-delete', uuid);
    expect(await fm('alarm-list', '--uuid')).not.toMatch(new RegExp(uuid));
  });

  it.skipIf(!existsSync('/usr/bin/openstack'))('openstack: identity commands', async () => {
    const os = (...args: string[]) => ok('/usr/bin/openstack', args);
    expect(await os('endpoint', 'list')).toMatch(/sysinv.*platform.*public/);
    expect(await os('service', 'list')).toMatch(/fm +\| faultmanagement/);
    expect(await os('region', 'list')).toMatch(/RegionOne/);
    expect(await os('domain', 'list')).toMatch(/default +\| Default/);
    expect(await os('role', 'assignment', 'list', '--names')).toMatch(/admin +\| admin@Default/);
    expect(await os('token', 'issue')).toMatch(/project_id/);
  });
});

// Over HTTPS, as an operator runs them with the openrc `starling up` prints: OS_CACERT names the
// site CA and they work; without it they refuse the server's certificate (the site CA is no public
// one). fmclient has no CA option of its own (it trusts the system's store, where StarlingX installs
// its platform CA): it is given the site CA through python-requests' REQUESTS_CA_BUNDLE.
describe.skipIf(skipReason !== undefined)("StarlingX's own clients over HTTPS", { timeout: 60_000 }, () => {
  let database: TestDatabase;
  let dataDir: string;
  let controller: Controller;
  let openrc: Record<string, string>;

  const runIn = (bin: string, args: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> =>
    new Promise((resolve) => {
      const child = execFile(`${CLIENTS}/bin/${bin}`, args, { env, timeout: 30_000 }, (e, out, err) =>
        resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, out, err }),
      );
      child.stdin?.end('');
    });

  beforeAll(async () => {
    database = await freshDatabase();
    dataDir = await tempDir();
    controller = await startController(
      { ...loadControllerConfig({ dataDir, port: '0', agent: false }, { STARLING_SENSOR_PERIOD: '0' }), databaseUrl: database.url, adminPassword: ADMIN_PASSWORD },
      { log: silentLogger },
    );
    openrc = openrcFor(controller.url);
  });
  afterAll(async () => {
    await controller?.stop();
    await database?.drop();
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('system and fm work with OS_CACERT', async () => {
    const env = { ...openrc, OS_CACERT: controller.caFile! };
    const [show, alarms] = await Promise.all([runIn('system', ['show'], env), runIn('fm', ['alarm-summary'], { ...env, REQUESTS_CA_BUNDLE: controller.caFile! })]);
    expect(show.code, `${show.out}${show.err}`).toBe(0);
    expect(show.out).toMatch(/system_mode\s+\| simplex/);
    expect(alarms.code, `${alarms.out}${alarms.err}`).toBe(0);
    expect(alarms.out).toMatch(/Critical Alarms[\s\S]*\| 0 +\|/);
  });

  it('without OS_CACERT both refuse the certificate', async () => {
    const [show, alarms] = await Promise.all([runIn('system', ['show'], openrc), runIn('fm', ['alarm-list'], openrc)]);
    for (const r of [show, alarms]) {
      expect(r.code).not.toBe(0);
      expect(`${r.out}${r.err}`).toMatch(/CERTIFICATE_VERIFY_FAILED|certificate verify failed|SSL/);
    }
  });
});
