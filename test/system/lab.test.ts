// The lab as an operator uses it: `lab up` builds a three-host site in network namespaces (BMCs
// mixed: Redfish and IPMI), the API answers from this machine, a pulled cable cuts a host off,
// power actions through the lab or through a BMC stop and start a host's agent, `lab down` leaves
// nothing behind.

import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, login } from '../../src/api/client.ts';
import { labDown, startLab, type Lab, type LabStatus } from '../../src/lab/index.ts';
import { backend } from '../support/db-urls.ts';

const run = promisify(execFile);
const BIN = path.resolve(import.meta.dirname, '../../bin/starling');
const isRoot = process.getuid?.() === 0;
const hasIpmitool = fs.existsSync('/usr/bin/ipmitool');
// Unique per run, at most 11 characters (the root veth is NAME-oam, 15 at most).
const NAME = `st${process.pid % 100000}`;

/** Waits for `check` to hold, polling; real time, generous limits (a busy 2-core machine). */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > end) throw new Error(`not within ${timeoutMs / 1000} s: ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Runs a small Node script inside a namespace (the lab's hosts have no other tools we can count on). */
async function inNs(ns: string, script: string, args: string[] = []): Promise<{ code: number; out: string }> {
  try {
    const r = await run('ip', ['netns', 'exec', ns, process.execPath, '-e', script, ...args], {
      timeout: 20_000,
    });
    return { code: 0, out: r.stdout.trim() };
  } catch (e) {
    const x = e as { code?: number; stdout?: string };
    return { code: typeof x.code === 'number' ? x.code : -1, out: (x.stdout ?? '').trim() };
  }
}

/** A TCP probe: exit 0 and the peer's greeting if it answered within 1.5 s. */
const TCP_PROBE = `const [h, p] = process.argv.slice(1); const s = require('net').connect(Number(p), h);
s.setTimeout(1500, () => process.exit(3)); s.on('data', (d) => { process.stdout.write(d); process.exit(0); }); s.on('error', () => process.exit(4));`;

/** GET a Redfish resource with Basic auth; prints the JSON. */
const REDFISH_GET = `const [url, auth] = process.argv.slice(1);
fetch(url, { headers: { authorization: 'Basic ' + Buffer.from(auth).toString('base64') }, signal: AbortSignal.timeout(5000) })
  .then(async (r) => { process.stdout.write(await r.text()); process.exit(r.ok ? 0 : 5); }, () => process.exit(4));`;

const skipReason = !isRoot
  ? ' (skipped: needs root to create network namespaces)'
  : backend() === 'external'
    ? ' (skipped in the external-database run: the lab’s controller always uses its embedded PostgreSQL, inside its namespace)'
    : '';

describe.skipIf(skipReason !== '')(`starling lab: a virtual site in network namespaces${skipReason}`, () => {
  let lab: Lab | undefined;
  let client: ApiClient;
  const children: ChildProcess[] = [];

  const ns = (host: string): string => `${NAME}-${host}`;
  const hostOf = (name: string) => lab!.topology.hosts.find((h) => h.hostname === name)!;
  const mgmtAddress = (name: string): string =>
    hostOf(name).interfaces.find((i) => i.wire === 'mgmt')!.address;
  const agents = async (): Promise<string[]> =>
    (await client.get<{ agents: { hostname: string }[] }>('platform', '/agents')).agents
      .map((a) => a.hostname)
      .sort();
  const status = async (): Promise<LabStatus> =>
    JSON.parse(execFileSync(BIN, ['lab', 'status', '--name', NAME, '-f', 'json']).toString()) as LabStatus;
  const hostStatus = async (name: string) => (await status()).hosts.find((h) => h.hostname === name)!;

  beforeAll(async () => {
    // A checkout whose sources changed since `npm ci` rebuilds its bundle on the next start: now.
    execFileSync(BIN, ['--help']);
    lab = await startLab({ name: NAME, hosts: ['worker-1', 'controller-0', 'worker-0'], bmc: 'mixed' });
    client = new ApiClient(
      await login({
        authUrl: `${lab.url}/v3`,
        username: 'admin',
        password: lab.adminPassword,
        projectName: 'admin',
        ca: fs.readFileSync(lab.caFile, 'utf8'),
      }),
      `${lab.url}/v3`,
      fs.readFileSync(lab.caFile, 'utf8'),
    );
  }, 180_000);

  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    // Also after a failure half-way: whatever the lab's name left on the machine goes.
    if (
      fs.existsSync(`/tmp/starling-lab-${NAME}`) ||
      execFileSync('ip', ['netns', 'list']).toString().includes(`${NAME}-`)
    ) {
      await labDown({ name: NAME });
    }
  }, 120_000);

  it('answers over the root namespace’s OAM veth; every host is listed with its MAC and registered', async () => {
    const c0 = hostOf('controller-0');
    expect(lab!.url).toBe(`https://${c0.interfaces.find((i) => i.wire === 'oam')!.address}:6385`);
    const root = JSON.parse(execFileSync('ip', ['-j', 'addr', 'show', 'dev', `${NAME}-oam`]).toString()) as {
      addr_info: { local: string }[];
    }[];
    expect(root[0]!.addr_info.map((a) => a.local)).toContain(lab!.topology.root.address);
    expect(fs.readFileSync(lab!.openrc, 'utf8')).toContain(`export OS_AUTH_URL=${lab!.url}/v3`);
    expect(fs.readFileSync(lab!.openrc, 'utf8')).toContain(`export OS_CACERT=${lab!.caFile}`);
    expect(fs.statSync(lab!.openrc).mode & 0o777).toBe(0o600);

    const hosts = (
      await client.get<{
        ihosts: {
          hostname: string;
          personality: string;
          mgmt_mac: string;
          availability: string;
          bm_type: string;
          bm_ip: string;
        }[];
      }>('platform', '/ihosts')
    ).ihosts;
    expect(hosts.map((h) => h.hostname).sort()).toEqual(['controller-0', 'worker-0', 'worker-1']);
    for (const h of hosts) {
      const planned = hostOf(h.hostname);
      expect(h.mgmt_mac).toBe(planned.interfaces.find((i) => i.wire === 'mgmt')!.mac);
      expect(['online', 'available']).toContain(h.availability);
      expect({ bm_type: h.bm_type, bm_ip: h.bm_ip }).toEqual({
        bm_type: planned.bmc.type,
        bm_ip: planned.bmc.address,
      });
    }
    expect(hostOf('controller-0').bmc.type).toBe('redfish');
    expect(hostOf('worker-1').bmc.type).toBe('redfish');
    expect(hostOf('worker-0').bmc.type).toBe(fs.existsSync('/usr/bin/ipmi_sim') ? 'ipmi' : 'redfish');
    expect(await agents()).toEqual(['controller-0', 'worker-0', 'worker-1']);
  });

  it('a cut mgmt cable stops traffic from controller-0 to worker-0; restore brings it back', async () => {
    const addr = mgmtAddress('worker-0');
    const server = spawn(
      'ip',
      [
        'netns',
        'exec',
        ns('worker-0'),
        process.execPath,
        '-e',
        `require('net').createServer((s) => s.end('pong')).listen(7777, '${addr}')`,
      ],
      { stdio: 'ignore' },
    );
    children.push(server);
    const probe = () => inNs(ns('controller-0'), TCP_PROBE, [addr, '7777']);
    await until('the probe server answers', async () => (await probe()).out === 'pong');

    await lab!.cut('worker-0', ['mgmt']);
    expect((await probe()).code).not.toBe(0);
    const w0 = await hostStatus('worker-0');
    expect(w0.interfaces.find((i) => i.ifname === 'mgmt0')!.link).toBe('down');
    expect(w0.interfaces.find((i) => i.ifname === 'ch0')!.link).toBe('up');

    await lab!.restore('worker-0');
    await until('worker-0 answers again over mgmt', async () => (await probe()).out === 'pong');
    server.kill('SIGKILL');
  });

  it('power-off stops the host’s agent and its Redfish BMC reads Off; power-on brings it back', async () => {
    const bmc = hostOf('worker-1').bmc;
    const auth = `admin:${lab!.bmcPassword}`;
    const powerState = async (): Promise<string> => {
      // From controller-0, the one host on the BMC network (as the controller's BMC driver is).
      const r = await inNs(ns('controller-0'), REDFISH_GET, [
        `http://${bmc.address}/redfish/v1/Systems/437XR1138R2`,
        auth,
      ]);
      return (JSON.parse(r.out) as { PowerState: string }).PowerState;
    };
    expect(await powerState()).toBe('On');

    await lab!.powerOff('worker-1');
    await until(
      'worker-1’s agent is gone from the controller',
      async () => !(await agents()).includes('worker-1'),
    );
    expect(await powerState()).toBe('Off');
    const off = await hostStatus('worker-1');
    expect(off).toMatchObject({ power: 'off', agentPid: null });
    expect(off.interfaces.map((i) => i.link)).toEqual(['down', 'down']);

    await lab!.powerOn('worker-1');
    expect(await powerState()).toBe('On');
    await until('worker-1’s agent is back', async () => (await agents()).includes('worker-1'));
    expect((await hostStatus('worker-1')).interfaces.map((i) => i.link)).toEqual(['up', 'up']);
  });

  it.skipIf(!hasIpmitool || !fs.existsSync('/usr/bin/ipmi_sim'))(
    'ipmitool on the controller powers worker-0 off and on through its IPMI BMC',
    async () => {
      const bmc = hostOf('worker-0').bmc;
      const ipmitool = (...cmd: string[]) =>
        run(
          'ip',
          [
            'netns',
            'exec',
            ns('controller-0'),
            'ipmitool',
            '-I',
            'lanplus',
            '-C',
            '3',
            '-H',
            bmc.address,
            '-p',
            String(bmc.port),
            '-U',
            'admin',
            '-P',
            lab!.bmcPassword,
            ...cmd,
          ],
          { timeout: 20_000 },
        ).then((r) => r.stdout.trim());
      expect(await ipmitool('chassis', 'power', 'status')).toBe('Chassis Power is on');
      await ipmitool('chassis', 'power', 'off');
      await until('worker-0’s agent is gone', async () => !(await agents()).includes('worker-0'));
      await until('the lab shows worker-0 off', async () => (await hostStatus('worker-0')).power === 'off');
      expect(await ipmitool('chassis', 'power', 'status')).toBe('Chassis Power is off');
      await ipmitool('chassis', 'power', 'on');
      await until('worker-0’s agent is back', async () => (await agents()).includes('worker-0'));
      expect((await hostStatus('worker-0')).power).toBe('on');
    },
  );

  it('lab down stops every process and leaves no namespace, root veth or folder', async () => {
    const dir = lab!.dir;
    const out = execFileSync(BIN, ['lab', 'down', '--name', NAME]).toString();
    expect(out).toContain('daemon stopped');
    expect(
      execFileSync('ip', ['netns', 'list'])
        .toString()
        .split('\n')
        .filter((l) => l.startsWith(`${NAME}-`)),
    ).toEqual([]);
    expect(execFileSync('ip', ['-br', 'link']).toString()).not.toContain(`${NAME}-oam`);
    const leftovers = execFileSync('ps', ['-eo', 'args'])
      .toString()
      .split('\n')
      .filter((l) => l.includes(dir));
    expect(leftovers).toEqual([]);
    expect(fs.existsSync(dir)).toBe(false);
    lab = undefined;
  }, 60_000);

  it('lab down also removes a lab whose daemon was killed', async () => {
    // A second, smaller lab from the command line, its daemon then killed as a crash would.
    const name = `${NAME}b`;
    try {
      const up = execFileSync(
        BIN,
        ['lab', 'up', '--name', name, '--hosts', 'controller-0', '--networks', 'mgmt', '--bmc', 'redfish'],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      ).toString();
      expect(up).toContain(`Starling lab '${name}' is up: 1 host(s)`);
      const dir = `/tmp/starling-lab-${name}`;
      process.kill(Number(fs.readFileSync(path.join(dir, 'daemon.pid'), 'utf8')), 'SIGKILL');
      const out = execFileSync(BIN, ['lab', 'down', '--name', name]).toString();
      expect(out).toContain('daemon not running');
      expect(out).toContain(`${name}-controller-0`);
      expect(execFileSync('ip', ['netns', 'list']).toString()).not.toContain(`${name}-`);
      expect(execFileSync('ip', ['-br', 'link']).toString()).not.toContain(`${name}-mgmt`);
      expect(
        execFileSync('ps', ['-eo', 'args'])
          .toString()
          .split('\n')
          .filter((l) => l.includes(dir)),
      ).toEqual([]);
      expect(fs.existsSync(dir)).toBe(false);
    } finally {
      await labDown({ name }).catch(() => undefined);
    }
  }, 90_000);
});
