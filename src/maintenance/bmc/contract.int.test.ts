// The contract every BMC driver keeps, run against real BMCs: the Redfish driver with the lab's
// Redfish emulator (DMTF's mockup), the IPMI driver with OpenIPMI's ipmi_sim through ipmitool.
// What maintenance relies on: power actions observed by the BMC itself, sensors, typed failures
// that name the BMC but never the password, and `dynamic` finding the right protocol.

import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStarlingError } from '../../common/errors.ts';
import { startIpmiSim } from '../../lab/ipmi-sim.ts';
import { startRedfishEmulator } from '../../lab/redfish-emulator.ts';
import {
  connectBmc,
  type BmcConnectOptions,
  type BmcDriver,
  type BmcTarget,
  type PowerState,
} from './index.ts';

const PASSWORD = 'Pw-9f3kQz-x'; // distinctive: searched for in every error below

/** What the host saw, normalised: on, off, reset, cycle (a BMC may also cycle as off then on). */
type HostEvent = 'on' | 'off' | 'reset' | 'cycle';

interface RunningBmc {
  target: (password?: string) => BmcTarget;
  opts: BmcConnectOptions;
  /** The BMC's own idea of the power state: the emulator's field, ipmi_sim's state file. */
  state(): PowerState;
  setState(s: PowerState): void;
  events(): HostEvent[];
  close(): Promise<void>;
}

interface Harness {
  kind: 'redfish' | 'ipmi';
  start(): Promise<RunningBmc>;
}

const REDFISH_EVENT: Record<string, HostEvent> = {
  On: 'on',
  ForceOn: 'on',
  ForceOff: 'off',
  GracefulShutdown: 'off',
  ForceRestart: 'reset',
  GracefulRestart: 'reset',
  PowerCycle: 'cycle',
};

const harnesses: Harness[] = [
  {
    kind: 'redfish',
    async start() {
      const events: HostEvent[] = [];
      const bmc = await startRedfishEmulator({
        host: '127.0.0.1',
        port: 0,
        username: 'admin',
        password: PASSWORD,
        onPower: (_state, action) => void events.push(REDFISH_EVENT[action] ?? 'reset'),
      });
      return {
        target: (password = PASSWORD) => ({
          type: 'redfish',
          address: `127.0.0.1:${bmc.port}`,
          username: 'admin',
          password,
        }),
        opts: { redfishScheme: 'http', timeoutMs: 5_000 },
        state: () => bmc.powerState,
        setState: (s) => bmc.setPowerState(s),
        events: () => [...events],
        close: () => bmc.close(),
      };
    },
  },
  {
    kind: 'ipmi',
    async start() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'starling-bmc-contract-'));
      const log = path.join(dir, 'events');
      fs.writeFileSync(log, '');
      const cmd = path.join(dir, 'host-power.sh');
      fs.writeFileSync(cmd, `#!/bin/sh\necho "$1" >> ${log}\n`, { mode: 0o755 });
      const sim = await startIpmiSim({
        dir: path.join(dir, 'bmc'),
        address: '127.0.0.1',
        port: 0,
        username: 'admin',
        password: PASSWORD,
        powerCommand: cmd,
      });
      return {
        target: (password = PASSWORD) => ({
          type: 'ipmi',
          address: sim.address,
          username: 'admin',
          password,
        }),
        opts: { timeoutMs: 5_000 },
        state: () => sim.powerState(),
        setState: (s) => sim.setPowerState(s),
        events: () => fs.readFileSync(log, 'utf8').split('\n').filter(Boolean) as HostEvent[],
        close: async () => {
          await sim.close();
          fs.rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
];

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A port nothing listens on (TCP and, almost surely, UDP). */
async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Every text an error exposes: message, details, and its causes'. */
function errorTexts(e: unknown): string {
  const parts: string[] = [];
  for (let x: unknown = e, depth = 0; x !== undefined && depth < 5; depth++) {
    if (!(x instanceof Error)) {
      parts.push(JSON.stringify(x) ?? '');
      break;
    }
    parts.push(x.message, String(x.stack), JSON.stringify((x as { details?: unknown }).details ?? null));
    x = x.cause;
  }
  return parts.join('\n');
}

async function failure(p: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await p;
  } catch (e) {
    expect(isStarlingError(e), `not a StarlingError: ${String(e)}`).toBe(true);
    expect(errorTexts(e)).not.toContain(PASSWORD);
    return e as Error & { code?: string };
  }
  throw new Error('expected a failure');
}

describe.each(harnesses)('BMC driver contract: $kind', (h) => {
  let bmc: RunningBmc;
  let driver: BmcDriver;

  beforeAll(async () => {
    bmc = await h.start();
    driver = await connectBmc(bmc.target(), bmc.opts);
  });
  afterAll(async () => {
    await bmc?.close();
  });

  it(`is a ${h.kind} driver and reads the power state the BMC holds`, async () => {
    expect(driver.type).toBe(h.kind);
    expect(await driver.powerState()).toBe('on');
    bmc.setState('off');
    expect(await driver.powerState()).toBe('off');
    bmc.setState('on');
    expect(await driver.powerState()).toBe('on');
  });

  it('powers off and on: the BMC and the host see it; asking again is harmless', async () => {
    const before = bmc.events().length;
    await driver.power('off');
    expect(bmc.state()).toBe('off');
    expect(await driver.powerState()).toBe('off');
    await driver.power('on');
    expect(bmc.state()).toBe('on');
    expect(await driver.powerState()).toBe('on');
    expect(bmc.events().slice(before)).toEqual(['off', 'on']);
    await driver.power('on');
    expect(bmc.state()).toBe('on');
  });

  it('soft-off turns the host off', async () => {
    await driver.power('soft-off');
    expect(bmc.state()).toBe('off');
    await driver.power('on');
    expect(bmc.state()).toBe('on');
  });

  it('cycles: the host goes off and comes back on', async () => {
    const before = bmc.events().length;
    await driver.power('cycle');
    await until(
      'power back on',
      async () =>
        bmc.state() === 'on' && (await driver.powerState()) === 'on' && bmc.events().length > before,
    );
    const seen = bmc.events().slice(before);
    expect([['cycle'], ['off', 'on']]).toContainEqual(seen);
  });

  it('cycling a powered-off host powers it on', async () => {
    await driver.power('off');
    await driver.power('cycle');
    await until('power on', () => bmc.state() === 'on');
  });

  it('reset and graceful-restart reset a running host', async () => {
    const before = bmc.events().length;
    await driver.power('reset');
    await driver.power('graceful-restart');
    expect(bmc.events().slice(before)).toEqual(['reset', 'reset']);
    expect(bmc.state()).toBe('on');
  });

  it('reads sensors: the mockup values, kinds, units and statuses', async () => {
    const sensors = await driver.sensors();
    expect(sensors.length).toBeGreaterThanOrEqual(4);
    expect(sensors).toContainEqual({
      name: 'CPU1 Temp',
      kind: 'temperature',
      reading: 41,
      units: 'degrees C',
      status: 'ok',
    });
    expect(sensors).toContainEqual(
      expect.objectContaining({ kind: 'fan', reading: 2100, units: 'RPM', status: 'ok' }),
    );
    expect(sensors).toContainEqual(
      expect.objectContaining({ kind: 'voltage', reading: 12, units: 'Volts', status: 'ok' }),
    );
    expect(sensors).toContainEqual(expect.objectContaining({ kind: 'power', reading: 344, units: 'Watts' }));
    for (const s of sensors) {
      expect(['temperature', 'fan', 'voltage', 'power', 'current', 'other']).toContain(s.kind);
      expect(['ok', 'minor', 'major', 'critical', 'unknown']).toContain(s.status);
      expect(s.reading === null || Number.isFinite(s.reading)).toBe(true);
    }
  });

  it('a wrong password fails with BMC_AUTH_FAILED naming the BMC', async () => {
    const e = await failure(connectBmc(bmc.target('Wrong-pw-123'), bmc.opts));
    expect(e.code).toBe('BMC_AUTH_FAILED');
    expect(e.message).toContain(bmc.target().address);
    expect(errorTexts(e)).not.toContain('Wrong-pw-123');
  });

  it('nothing listening fails with BMC_UNREACHABLE within the timeout', async () => {
    const port = await deadPort();
    const started = Date.now();
    const e = await failure(
      connectBmc({ ...bmc.target(), address: `127.0.0.1:${port}` }, { ...bmc.opts, timeoutMs: 1_500 }),
    );
    expect(e.code).toBe('BMC_UNREACHABLE');
    expect(e.message).toContain(`127.0.0.1:${port}`);
    expect(Date.now() - started).toBeLessThan(1_500 + 1_500); // the timeout, plus a busy machine's slack
  });

  it(`dynamic finds ${h.kind}`, async () => {
    const d = await connectBmc({ ...bmc.target(), type: 'dynamic' }, bmc.opts);
    expect(d.type).toBe(h.kind);
    expect(await d.powerState()).toBe(bmc.state());
  });
});
