// The lab's IPMI BMC (OpenIPMI's ipmi_sim), checked with ipmitool as an operator would run it:
// power control reaching the lab's power command, sensors with their thresholds, a refused
// password, the password kept out of ps, and a clean stop.

import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIpmiSim, type IpmiSim } from './ipmi-sim.ts';

const PASSWORD = 'Ipmi-S3cret';

function ipmitool(
  sim: IpmiSim,
  args: string[],
  password = PASSWORD,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      '/usr/bin/ipmitool',
      [
        '-I',
        'lanplus',
        '-C',
        '3',
        '-H',
        '127.0.0.1',
        '-p',
        String(sim.port),
        '-U',
        'admin',
        '-E',
        '-N',
        '1',
        '-R',
        '2',
        ...args,
      ],
      { timeout: 15_000, env: { ...process.env, IPMI_PASSWORD: password } },
      (e, stdout, stderr) =>
        resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout, stderr }),
    );
  });
}

async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('ipmi_sim BMC, seen through ipmitool', () => {
  let dir: string;
  let sim: IpmiSim;
  const events = () => fs.readFileSync(path.join(dir, 'events'), 'utf8').split('\n').filter(Boolean);

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'starling-ipmisim-'));
    fs.writeFileSync(path.join(dir, 'events'), '');
    // The lab's power command: here it records what the host was asked to do.
    const cmd = path.join(dir, 'host-power.sh');
    fs.writeFileSync(cmd, `#!/bin/sh\n[ -f ${dir}/fail ] && exit 1\necho "$1" >> ${dir}/events\n`, {
      mode: 0o755,
    });
    sim = await startIpmiSim({
      dir: path.join(dir, 'bmc'),
      address: '127.0.0.1',
      port: 0,
      username: 'admin',
      password: PASSWORD,
      powerCommand: cmd,
    });
  });
  afterAll(async () => {
    await sim?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('picks a free UDP port and answers chassis power status', async () => {
    expect(sim.port).toBeGreaterThan(0);
    expect(sim.address).toBe(`127.0.0.1:${sim.port}`);
    const r = await ipmitool(sim, ['chassis', 'power', 'status']);
    expect(r.stdout.trim()).toBe('Chassis Power is on');
  });

  it('power off / on / reset / soft reach the power command and the power state', async () => {
    const before = events().length;
    expect((await ipmitool(sim, ['chassis', 'power', 'off'])).code).toBe(0);
    expect(sim.powerState()).toBe('off');
    expect((await ipmitool(sim, ['chassis', 'power', 'status'])).stdout).toContain('Chassis Power is off');
    expect((await ipmitool(sim, ['chassis', 'power', 'on'])).code).toBe(0);
    expect(sim.powerState()).toBe('on');
    expect((await ipmitool(sim, ['chassis', 'power', 'reset'])).code).toBe(0);
    expect(sim.powerState()).toBe('on');
    expect((await ipmitool(sim, ['chassis', 'power', 'soft'])).code).toBe(0);
    expect(sim.powerState()).toBe('off');
    expect(events().slice(before)).toEqual(['off', 'on', 'reset', 'off']);
  });

  it("power cycle: off at once, on again about a second later (ipmi_sim's own timer)", async () => {
    await ipmitool(sim, ['chassis', 'power', 'on']);
    const before = events().length;
    expect((await ipmitool(sim, ['chassis', 'power', 'cycle'])).code).toBe(0);
    // The command runs before the state is written: wait for both.
    await until(
      'the host powered back on',
      () => events().length === before + 2 && sim.powerState() === 'on',
    );
    expect(events().slice(before)).toEqual(['off', 'on']);
  });

  it('a failing power command fails the IPMI request and keeps the power state', async () => {
    fs.writeFileSync(path.join(dir, 'fail'), '');
    try {
      const r = await ipmitool(sim, ['chassis', 'power', 'off']);
      expect(r.code).not.toBe(0);
      expect(sim.powerState()).toBe('on');
    } finally {
      fs.rmSync(path.join(dir, 'fail'));
    }
  });

  it('setPowerState (the host died) is what the BMC reports', async () => {
    sim.setPowerState('off');
    expect((await ipmitool(sim, ['chassis', 'power', 'status'])).stdout).toContain('Chassis Power is off');
    sim.setPowerState('on');
    expect((await ipmitool(sim, ['chassis', 'power', 'status'])).stdout).toContain('Chassis Power is on');
  });

  it('sensor list shows the readings of the Redfish mockup, with thresholds', async () => {
    const r = await ipmitool(sim, ['sensor', 'list']);
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('|').map((c) => c.trim()));
    expect(rows.map((c) => c.slice(0, 4))).toEqual([
      ['CPU1 Temp', '41.000', 'degrees C', 'ok'],
      ['System Fan', '2100.000', 'RPM', 'ok'],
      ['VRM1 Voltage', '12.000', 'Volts', 'ok'],
      ['System Power', '344.000', 'Watts', 'ok'],
    ]);
    // lnr lcr lnc unc ucr unr of the CPU: the mockup's 42 / 45 / 48 upper thresholds.
    expect(rows[0]!.slice(4)).toEqual(['na', 'na', 'na', '42.000', '45.000', '48.000']);
  });

  it('refuses a wrong password, and IPMI 1.5 logins without one', async () => {
    const r = await ipmitool(sim, ['chassis', 'power', 'status'], 'wrong');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Unable to establish');
    const none = execFileSync(
      '/bin/sh',
      [
        '-c',
        `ipmitool -I lan -A NONE -H 127.0.0.1 -p ${sim.port} -U admin -E -N 1 -R 1 chassis power status 2>&1 || true`,
      ],
      {
        env: { ...process.env, IPMI_PASSWORD: 'wrong' },
        encoding: 'utf8',
      },
    );
    expect(none).toContain('not supported');
  });

  it('keeps the password out of ps and in a 0600 lan.conf', () => {
    const ps = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
    expect(ps).toContain(`${dir}/bmc/lan.conf`);
    expect(ps).not.toContain(PASSWORD);
    expect(fs.statSync(path.join(dir, 'bmc', 'lan.conf')).mode & 0o777).toBe(0o600);
  });
});

describe('ipmi_sim launcher', () => {
  it('judges readings against thresholds as a BMC does (nc / cr / nr)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'starling-ipmisim-'));
    const t = { unc: 42, ucr: 45, unr: 48 };
    const sim = await startIpmiSim({
      dir,
      address: '127.0.0.1',
      port: 0,
      username: 'admin',
      password: PASSWORD,
      sensors: [
        { name: 'Warm', kind: 'temperature', value: 43, thresholds: t },
        { name: 'Hot', kind: 'temperature', value: 46, thresholds: t },
        { name: 'Burning', kind: 'temperature', value: 50, thresholds: t },
        { name: 'Stopped Fan', kind: 'fan', value: 0, thresholds: { lnr: 0, lcr: 0, lnc: 30 } },
      ],
    });
    try {
      const r = await ipmitool(sim, ['sensor', 'list']);
      expect(
        r.stdout
          .split('\n')
          .filter(Boolean)
          .map((l) => l.split('|')[3]!.trim()),
      ).toEqual(['nc', 'cr', 'nr', 'nr']);
    } finally {
      await sim.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops on close within a few seconds, and refuses an explicit port another BMC holds', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'starling-ipmisim-'));
    const a = await startIpmiSim({
      dir: path.join(dir, 'a'),
      address: '127.0.0.1',
      port: 0,
      username: 'admin',
      password: PASSWORD,
    });
    try {
      // ipmi_sim binds with SO_REUSEADDR: a second one on the same port would start silently.
      await expect(
        startIpmiSim({
          dir: path.join(dir, 'b'),
          address: '127.0.0.1',
          port: a.port,
          username: 'admin',
          password: PASSWORD,
        }),
      ).rejects.toThrow(/already used/);
    } finally {
      const t = Date.now();
      await a.close();
      expect(Date.now() - t).toBeLessThan(5_000);
      expect(() => process.kill(a.pid, 0)).toThrow();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a password lan.conf cannot hold', async () => {
    await expect(
      startIpmiSim({ dir: os.tmpdir(), address: '127.0.0.1', port: 0, username: 'admin', password: 'a"b' }),
    ).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      field: 'password',
    });
    await expect(
      startIpmiSim({
        dir: os.tmpdir(),
        address: '127.0.0.1',
        port: 0,
        username: 'admin',
        password: 'x'.repeat(21),
      }),
    ).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
    });
  });
});
