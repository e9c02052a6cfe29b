// IPMI driver behaviour beyond the shared contract, against ipmi_sim: the BMC's password changed
// or the BMC went away after connecting (the sensor poll has no -v, so the cause is found another
// way), a threshold sensor judged, the password kept out of ipmitool's command line, and a
// missing ipmitool.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startIpmiSim, type IpmiSim } from '../../lab/ipmi-sim.ts';
import { connectBmc, type BmcTarget } from './index.ts';

const PASSWORD = 'Ipmi-pw-4410';
const dirs: string[] = [];
const sims: IpmiSim[] = [];

async function sim(
  port = 0,
  password = PASSWORD,
  extra: Partial<Parameters<typeof startIpmiSim>[0]> = {},
): Promise<IpmiSim> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'starling-ipmi-drv-'));
  dirs.push(dir);
  const s = await startIpmiSim({ dir, address: '127.0.0.1', port, username: 'admin', password, ...extra });
  sims.push(s);
  return s;
}

function hasIpv6Loopback(): boolean {
  return execFileSync('sh', ['-c', 'ip -6 addr show dev lo 2>/dev/null || true'], {
    encoding: 'utf8',
  }).includes('::1');
}

const target = (address: string, password = PASSWORD): BmcTarget => ({
  type: 'ipmi',
  address,
  username: 'admin',
  password,
});

afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('IPMI driver', () => {
  it('the sensor poll after the BMC password changed fails with BMC_AUTH_FAILED', async () => {
    const a = await sim();
    const d = await connectBmc(target(a.address), { timeoutMs: 3_000 });
    await a.close();
    await sim(a.port, 'Another-pw-1');
    await expect(d.sensors()).rejects.toMatchObject({
      code: 'BMC_AUTH_FAILED',
      message: expect.stringContaining(a.address),
    });
  });

  it('the sensor poll of a BMC that went away fails with BMC_UNREACHABLE within the timeout', async () => {
    const a = await sim();
    const d = await connectBmc(target(a.address), { timeoutMs: 2_000 });
    await a.close();
    const started = Date.now();
    await expect(d.sensors()).rejects.toMatchObject({ code: 'BMC_UNREACHABLE' });
    expect(Date.now() - started).toBeLessThan(2_000 + 1_500);
  });

  it('judges sensors as hwmond does: nc minor, cr major, nr critical', async () => {
    const t = { unc: 42, ucr: 45, unr: 48 };
    const a = await sim(0, PASSWORD, {
      sensors: [
        { name: 'Warm', kind: 'temperature', value: 43, thresholds: t },
        { name: 'Hot', kind: 'temperature', value: 46, thresholds: t },
        { name: 'Burning', kind: 'temperature', value: 50, thresholds: t },
      ],
    });
    const d = await connectBmc(target(a.address));
    expect((await d.sensors()).map((s) => [s.name, s.status])).toEqual([
      ['Warm', 'minor'],
      ['Hot', 'major'],
      ['Burning', 'critical'],
    ]);
  });

  it('passes the password in the environment, never on the command line', async () => {
    const a = await sim();
    // A stand-in ipmitool that records what it was given, then runs the real one.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'starling-ipmi-argv-'));
    dirs.push(dir);
    const wrapper = path.join(dir, 'ipmitool');
    fs.writeFileSync(wrapper, `#!/bin/sh\necho "$*" >> ${dir}/argv\nexec /usr/bin/ipmitool "$@"\n`, {
      mode: 0o755,
    });
    const d = await connectBmc(target(a.address), { ipmitoolPath: wrapper });
    await d.power('off');
    const argv = fs.readFileSync(path.join(dir, 'argv'), 'utf8');
    expect(argv).toContain('-I lanplus -C 3');
    expect(argv).toContain(' -E ');
    expect(argv).not.toContain(PASSWORD);
    expect(a.powerState()).toBe('off');
  });

  it('a missing ipmitool is a BMC_ERROR naming the path', async () => {
    await expect(
      connectBmc(target('127.0.0.1:623'), { ipmitoolPath: '/nonexistent/ipmitool' }),
    ).rejects.toMatchObject({
      code: 'BMC_ERROR',
      message: expect.stringContaining('/nonexistent/ipmitool (ENOENT)'),
    });
  });

  // Shown as skipped on a kernel without IPv6 (some CI runners).
  it.runIf(hasIpv6Loopback())('works over IPv6', async () => {
    const a = await sim(0, PASSWORD, { address: '::1' });
    expect(a.address).toBe(`[::1]:${a.port}`);
    const d = await connectBmc(target(a.address));
    expect(await d.powerState()).toBe('on');
  });
});
