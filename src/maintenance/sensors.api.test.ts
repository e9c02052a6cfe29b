// hwmond's part of maintenance: the controller reads each host's BMC sensors (here our Redfish
// emulator serving DMTF's mockup, with one temperature pushed past its critical threshold):
// out-of-tolerance sensors raise 200.007 and clear when back in range; an unreachable BMC
// raises 200.010.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadControllerConfig } from '../common/config.ts';
import { startSite, type TestSite } from '../../test/support/site.ts';
import { DEFAULT_MOCKUP_DIR, startRedfishEmulator, type RedfishEmulator } from '../lab/redfish-emulator.ts';

// A loopback address of its own (port 80 is the Redfish default), different per test run.
const BMC_IP = `127.${10 + (process.pid % 200)}.${Math.floor(Math.random() * 250) + 1}.${Math.floor(Math.random() * 250) + 1}`;

describe.skipIf(process.getuid?.() !== 0)('BMC sensors raise and clear alarms (needs root: the emulator listens on port 80)', () => {
  let site: TestSite;
  let token: string;
  let bmc: RedfishEmulator | undefined;
  let hotMockup: string;
  const alarms = async () =>
    ((await site.call('GET', '/v1/alarms', { token })).body.alarms as { alarm_id: string; entity_instance_id: string; severity: string }[]).map(
      (a) => `${a.alarm_id} ${a.entity_instance_id} ${a.severity}`,
    );
  async function until(what: string, f: () => Promise<boolean>, ms = 15_000): Promise<void> {
    const end = Date.now() + ms;
    while (!(await f())) {
      if (Date.now() > end) throw new Error(`timed out: ${what}; alarms: ${(await alarms()).join(', ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  beforeAll(async () => {
    hotMockup = fs.mkdtempSync(path.join(os.tmpdir(), 'starling-mockup-'));
    fs.cpSync(DEFAULT_MOCKUP_DIR, hotMockup, { recursive: true });
    const thermal = path.join(hotMockup, 'Chassis/1U/Thermal/index.json');
    const t = JSON.parse(fs.readFileSync(thermal, 'utf8')) as { Temperatures: { ReadingCelsius: number }[] };
    t.Temperatures[0]!.ReadingCelsius = 46; // CPU1 Temp: critical threshold 45, fatal 48
    fs.writeFileSync(thermal, JSON.stringify(t));
    bmc = await startRedfishEmulator({ host: BMC_IP, port: 80, username: 'admin', password: 'bmc-pw-1', mockupDir: hotMockup });

    const defaults = loadControllerConfig({}, { STARLING_SENSOR_PERIOD: '1', STARLING_REDFISH_SCHEME: 'http' }).maintenance;
    site = await startSite({ config: { maintenance: defaults } });
    token = await site.token();
    const sys = (await site.call('GET', '/v1/isystems', { token })).body.isystems[0];
    await site.call('PATCH', `/v1/isystems/${sys.uuid}`, { token, body: [{ op: 'replace', path: '/system_mode', value: 'duplex' }] });
    const add = (hostname: string, mac: string, ip: string) =>
      site.call('POST', '/v1/ihosts', { token, body: { hostname, personality: 'worker', mgmt_mac: mac, bm_type: 'redfish', bm_ip: ip, bm_username: 'admin', bm_password: 'bmc-pw-1' } });
    expect((await add('worker-0', '02:bb:00:00:00:01', BMC_IP)).status).toBe(201);
    // Nothing listens there: the BMC cannot be reached.
    expect((await add('worker-1', '02:bb:00:00:00:02', '127.0.0.1')).status).toBe(201);
  }, 60_000);

  afterAll(async () => {
    await bmc?.close();
    await site?.stop();
    fs.rmSync(hotMockup, { recursive: true, force: true });
  });

  it('a temperature past its critical threshold raises 200.007 (major); an unreachable BMC raises 200.010', async () => {
    await until('200.007', async () => (await alarms()).includes('200.007 host=worker-0.sensor=CPU1 Temp major'));
    await until('200.010', async () => (await alarms()).some((a) => a.startsWith('200.010 host=worker-1 ')));
    expect((await alarms()).some((a) => a.startsWith('200.010 host=worker-0'))).toBe(false);
    const text = JSON.stringify((await site.call('GET', '/v1/alarms', { token })).body);
    expect(text).not.toContain('bmc-pw-1');
  });

  it('back in range, the sensor alarm clears', async () => {
    await bmc!.close();
    bmc = await startRedfishEmulator({ host: BMC_IP, port: 80, username: 'admin', password: 'bmc-pw-1' });
    // (The stock mockup's own Power Supply Bay reports Health Warning: its alarm stays.)
    await until('200.007 cleared', async () => !(await alarms()).some((a) => a.startsWith('200.007 host=worker-0.sensor=CPU1 Temp')));
  });
});
