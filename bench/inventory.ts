// Inventory benchmark (npm run bench -- inventory): bulk-add of 5,000 hosts from one XML file,
// and GET /v1/ihosts latency (p50/p99) with 5,000 hosts each carrying a full inventory
// (32 CPUs, 2 memory nodes, 4 ports, 2 disks, 8 PCI devices) registered through the agents' API.
// No peer runs here for this (sysinv needs a whole StarlingX), so figures only.

import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { loadControllerConfig } from '../src/common/config.ts';
import { silentLogger } from '../src/common/log.ts';
import { startController, type Controller } from '../src/controller/controller.ts';

const HOSTS = 5000;
const ADMIN_PASSWORD = 'bench-admin-pw';
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

function request(url: string, method: string, token: string | undefined, body?: string, contentType = 'application/json'): Promise<{ status: number; text: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers: { ...(token ? { 'x-auth-token': token } : {}), ...(body ? { 'content-type': contentType, 'content-length': Buffer.byteLength(body) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString(), headers: res.headers }));
    });
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

const mac = (i: number): string => `52:54:00:${((i >> 16) & 255).toString(16).padStart(2, '0')}:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;

function inventory(i: number) {
  return {
    icpus: Array.from({ length: 32 }, (_, cpu) => ({ cpu, core: cpu >> 1, thread: cpu & 1, numa_node: cpu >> 4, cpu_family: '6', cpu_model: 'Intel(R) Xeon(R) Gold 6338N' })),
    imemorys: [0, 1].map((n) => ({ numa_node: n, memtotal_mib: 95_000, memavail_mib: 80_000, vm_hugepages_nr_2M: 0, vm_hugepages_avail_2M: 0, vm_hugepages_nr_1G: 16, vm_hugepages_avail_1G: 16 })),
    ethernet_ports: [0, 1, 2, 3].map((p) => ({ name: `ens${p + 1}f0`, mac: mac(1_000_000 + i * 4 + p), mtu: 1500, speed: 25000, pciaddr: `0000:${(0x17 + p).toString(16)}:00.0`, driver: 'ice', numa_node: p >> 1, sriov_totalvfs: 128, sriov_numvfs: 0 })),
    idisks: [0, 1].map((d) => ({ device_node: `/dev/nvme${d}n1`, device_type: 'NVMe', size_mib: 953_869, serial_id: `S${i}-${d}`, device_path: `/dev/disk/by-path/pci-0000:${(0x5e + d).toString(16)}:00.0-nvme-1` })),
    pci_devices: Array.from({ length: 8 }, (_, d) => ({ pciaddr: `0000:${(0x80 + d).toString(16)}:00.0`, pclass_id: d < 2 ? '0b4000' : '020000', pvendor_id: '8086', pdevice_id: d < 2 ? '4940' : '1593', kind: d < 2 ? 'crypto' : 'nic', numa_node: d >> 2 })),
  };
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

export async function run(): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'starling-bench-inv-'));
  await fs.chmod(dir, 0o755);
  let controller: Controller | undefined;
  try {
    controller = await startController({ ...loadControllerConfig({ dataDir: dir, port: '0', agent: false, insecureHttp: true }, { STARLING_SENSOR_PERIOD: '0' }), adminPassword: ADMIN_PASSWORD, logLevel: 'silent' }, { log: silentLogger });
    const url = controller.url;
    const login = await request(`${url}/v3/auth/tokens`, 'POST', undefined, JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: 'Default' }, password: ADMIN_PASSWORD } } }, scope: { project: { name: 'admin', domain: { name: 'Default' } } } } }));
    const token = String(login.headers['x-subject-token']);
    const sys = JSON.parse((await request(`${url}/v1/isystems`, 'GET', token)).text) as { isystems: { uuid: string }[] };
    await request(`${url}/v1/isystems/${sys.isystems[0]!.uuid}`, 'PATCH', token, JSON.stringify([{ op: 'replace', path: '/system_mode', value: 'duplex' }]));

    // StarlingX adds a bulk file's hosts from an unlocked-enabled controller: controller-0 first.
    await request(`${url}/v1/agents/register`, 'POST', token, JSON.stringify({ mgmt_mac: '02:00:00:ff:ff:ff', bootstrap_controller: true, inventory: {} }));

    // 1. bulk-add of 5,000 hosts in one file, one transaction
    const xml = `<?xml version="1.0" encoding="UTF-8" ?>\n<hosts>\n${Array.from({ length: HOSTS }, (_, i) => `  <host><hostname>worker-${i}</hostname><personality>worker</personality><mgmt_mac>${mac(i)}</mgmt_mac><bm_type>ipmi</bm_type><bm_ip>10.20.${i >> 8}.${i & 255}</bm_ip><bm_username>root</bm_username><bm_password>secret-${i}</bm_password><location>rack ${i >> 5}</location></host>`).join('\n')}\n</hosts>\n`;
    let t = performance.now();
    const bulk = await request(`${url}/v1/ihosts/bulk_add`, 'POST', token, xml, 'application/xml');
    const bulkMs = performance.now() - t;
    if (bulk.status !== 201) throw new Error(`bulk add failed: ${bulk.status} ${bulk.text.slice(0, 200)}`);
    console.log(`bulk-add: ${HOSTS} hosts (${(xml.length / 1024).toFixed(0)} KiB of XML) in one request and one transaction: ${bulkMs.toFixed(0)} ms (${((HOSTS / bulkMs) * 1000).toFixed(0)} hosts/s)`);

    // 2. every host's agent reports a full inventory (16 in flight)
    t = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < HOSTS) {
          const i = next++;
          const r = await request(`${url}/v1/agents/register`, 'POST', token, JSON.stringify({ mgmt_mac: mac(i), inventory: inventory(i) }));
          if (r.status !== 200) throw new Error(`register failed: ${r.status} ${r.text.slice(0, 200)}`);
        }
      }),
    );
    const regMs = performance.now() - t;
    console.log(`inventory: ${HOSTS} agents registered 32 CPUs, 2 memory nodes, 4 ports, 2 disks, 8 PCI devices each in ${(regMs / 1000).toFixed(1)} s (${((HOSTS / regMs) * 1000).toFixed(0)} hosts/s, 16 in flight)`);

    // 3. host-list latency
    const measure = async (label: string, p: string, reps: number): Promise<void> => {
      for (let i = 0; i < 5; i++) await request(`${url}${p}`, 'GET', token);
      const times: number[] = [];
      let bytes = 0;
      for (let i = 0; i < reps; i++) {
        const s = performance.now();
        const r = await request(`${url}${p}`, 'GET', token);
        times.push(performance.now() - s);
        bytes = r.text.length;
        if (r.status !== 200) throw new Error(`${p}: ${r.status}`);
      }
      console.log(`  ${label.padEnd(44)} ${String(reps).padStart(5)} ${pct(times, 50).toFixed(1).padStart(8)} ${pct(times, 99).toFixed(1).padStart(8)} ${(bytes / 1024 / 1024).toFixed(1).padStart(7)}`);
    };
    console.log(`\nlatency, ${HOSTS} hosts with full inventory, sequential GETs over HTTP`);
    console.log(`  ${'query'.padEnd(44)} ${'reps'.padStart(5)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'MiB'.padStart(7)}`);
    await measure('GET /v1/ihosts (all 5000, system host-list)', '/v1/ihosts', 50);
    await measure('GET /v1/ihosts?personality=worker', '/v1/ihosts?personality=worker', 50);
    await measure('GET /v1/ihosts/worker-4321 (host-show)', '/v1/ihosts/worker-4321', 200);
    await measure('GET /v1/ihosts/worker-4321/icpus (host-cpu-list)', '/v1/ihosts/worker-4321/icpus', 200);
    await measure('GET /v1/ihosts/worker-4321/imemorys', '/v1/ihosts/worker-4321/imemorys', 200);
    await measure('GET /v1/ihosts/worker-4321/ethernet_ports', '/v1/ihosts/worker-4321/ethernet_ports', 200);
  } finally {
    agent.destroy();
    await controller?.stop();
    await fs.rm(dir, { recursive: true, force: true });
  }
}
