// The lab's Redfish BMC, checked with Debian's redfishtool (DMTF's client, the tool StarlingX's mtce
// and hwmond run): what an operator pointing redfishtool at a lab BMC would see.

import { execFile } from 'node:child_process';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PowerState } from '../maintenance/bmc/index.ts';
import { startRedfishEmulator, type RedfishEmulator } from './redfish-emulator.ts';

const SYSTEM = '/redfish/v1/Systems/437XR1138R2';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function redfishtool(
  bmc: RedfishEmulator,
  args: string[],
  auth: string[] = ['-u', 'admin', '-p', 'S3cret-pw'],
): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      '/usr/bin/redfishtool',
      ['-r', `127.0.0.1:${bmc.port}`, '-S', 'Never', '-T', '10', ...auth, ...args],
      { timeout: 20_000 },
      (e, stdout, stderr) =>
        resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout, stderr }),
    );
  });
}

const json = (r: Run): any => {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};

/** A raw request, for what redfishtool hides (status codes, error bodies, headers). */
function request(
  bmc: RedfishEmulator,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: any }> {
  return new Promise((resolve, reject) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      `${bmc.url}${path}`,
      { method, headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        let data = '';
        res.on('data', (c: Buffer) => (data += c.toString()));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: data === '' ? undefined : JSON.parse(data),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

const basic = { authorization: `Basic ${Buffer.from('admin:S3cret-pw').toString('base64')}` };

describe('Redfish emulator, seen through redfishtool', () => {
  let bmc: RedfishEmulator;
  const calls: [PowerState, string][] = [];
  let failNext = false;

  beforeAll(async () => {
    bmc = await startRedfishEmulator({
      host: '127.0.0.1',
      port: 0,
      username: 'admin',
      password: 'S3cret-pw',
      onPower: (state, action) => {
        if (failNext) {
          failNext = false;
          throw new Error('the host agent did not stop');
        }
        calls.push([state, action]);
      },
    });
  });
  afterAll(async () => {
    await bmc.close();
  });

  it('serves the mockup: service root without credentials, the system and its chassis with them', async () => {
    const root = json(await redfishtool(bmc, ['root'], []));
    expect(root.RedfishVersion).toBe('1.15.0');
    const systems = json(await redfishtool(bmc, ['Systems']));
    expect(systems.Members).toEqual([{ '@odata.id': SYSTEM }]);
    const system = json(await redfishtool(bmc, ['Systems', '-F']));
    expect(system).toMatchObject({ Id: '437XR1138R2', Manufacturer: 'Contoso', PowerState: 'On' });
    expect(system.Actions['#ComputerSystem.Reset']['ResetType@Redfish.AllowableValues']).toContain(
      'PowerCycle',
    );
  });

  it('refuses a wrong password with 401 and a Redfish error', async () => {
    const r = await redfishtool(bmc, ['Systems'], ['-u', 'admin', '-p', 'wrong']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('401');
    const raw = await request(bmc, 'GET', SYSTEM);
    expect(raw.status).toBe(401);
    expect(raw.headers['www-authenticate']).toContain('Basic');
    expect(raw.body.error['@Message.ExtendedInfo'][0].MessageId).toBe('Base.1.5.0.NoValidSession');
  });

  it('logs in with a session (X-Auth-Token) and uses it', async () => {
    const login = json(await redfishtool(bmc, ['SessionService', 'login']));
    expect(login['X-Auth-Token']).toMatch(/^[0-9a-f]{48}$/);
    const state = json(
      await redfishtool(
        bmc,
        ['-A', 'Session', '-t', login['X-Auth-Token'], '-F', '-P', 'PowerState', 'Systems'],
        [],
      ),
    );
    expect(state).toEqual({ PowerState: 'On' });
    // redfishtool's own session mode: login, request, logout.
    expect(json(await redfishtool(bmc, ['-A', 'Session', '-F', '-P', 'PowerState', 'Systems']))).toEqual({
      PowerState: 'On',
    });
    const bad = await request(bmc, 'GET', SYSTEM, undefined, { 'x-auth-token': 'not-a-token' });
    expect(bad.status).toBe(401);
  });

  it('Systems reset changes PowerState and calls onPower with the state and ResetType', async () => {
    const cases: [string, PowerState][] = [
      ['ForceOff', 'off'],
      ['On', 'on'],
      ['GracefulShutdown', 'off'],
      ['ForceOn', 'on'],
      ['ForceRestart', 'on'],
      ['GracefulRestart', 'on'],
      ['PowerCycle', 'on'],
    ];
    for (const [resetType, state] of cases) {
      calls.length = 0;
      const r = await redfishtool(bmc, ['Systems', '-F', 'reset', resetType]);
      expect(r.code, `${resetType}: ${r.stderr}`).toBe(0);
      expect(calls).toEqual([[state, resetType]]);
      expect(bmc.powerState).toBe(state);
      // What redfishtool reads back (checked for the first two: a python start costs ~0.3 s).
      if (resetType === 'ForceOff' || resetType === 'On') {
        expect(json(await redfishtool(bmc, ['Systems', '-F', '-P', 'PowerState']))).toEqual({
          PowerState: state === 'on' ? 'On' : 'Off',
        });
      }
    }
  });

  it('answers 400 with a Redfish error for a bad or missing ResetType, and keeps the state', async () => {
    calls.length = 0;
    const r = await redfishtool(bmc, [
      'raw',
      'POST',
      `${SYSTEM}/Actions/ComputerSystem.Reset`,
      '-d',
      '{"ResetType":"Bogus"}',
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('400');
    const raw = await request(
      bmc,
      'POST',
      `${SYSTEM}/Actions/ComputerSystem.Reset`,
      { ResetType: 'Bogus' },
      basic,
    );
    expect(raw.status).toBe(400);
    expect(raw.body.error.code).toBe('Base.1.5.0.PropertyValueNotInList');
    expect(raw.body.error['@Message.ExtendedInfo'][0].MessageArgs).toEqual(['Bogus', 'ResetType']);
    const missing = await request(bmc, 'POST', `${SYSTEM}/Actions/ComputerSystem.Reset`, {}, basic);
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('Base.1.5.0.ActionParameterMissing');
    expect(calls).toEqual([]);
    expect(bmc.powerState).toBe('on');
  });

  it('a failing onPower fails the reset with 500 and keeps the state', async () => {
    failNext = true;
    const raw = await request(
      bmc,
      'POST',
      `${SYSTEM}/Actions/ComputerSystem.Reset`,
      { ResetType: 'ForceOff' },
      basic,
    );
    expect(raw.status).toBe(500);
    expect(raw.body.error.message).toContain('the host agent did not stop');
    expect(bmc.powerState).toBe('on');
  });

  it('setPowerState (the host died) shows in PowerState without calling onPower', async () => {
    calls.length = 0;
    bmc.setPowerState('off');
    expect(json(await redfishtool(bmc, ['Systems', '-F', '-P', 'PowerState']))).toEqual({
      PowerState: 'Off',
    });
    expect(json(await redfishtool(bmc, ['Chassis', '-F', '-P', 'PowerState']))).toEqual({
      PowerState: 'Off',
    });
    bmc.setPowerState('on');
    expect(calls).toEqual([]);
  });

  it('stores a boot override (setBootOverride) and refuses a target the system does not list', async () => {
    expect((await redfishtool(bmc, ['Systems', '-F', 'setBootOverride', 'Continuous', 'Hdd'])).code).toBe(0);
    expect(bmc.boot).toEqual({ BootSourceOverrideEnabled: 'Continuous', BootSourceOverrideTarget: 'Hdd' });
    expect(json(await redfishtool(bmc, ['Systems', '-F', '-P', 'Boot'])).Boot).toMatchObject({
      BootSourceOverrideEnabled: 'Continuous',
      BootSourceOverrideTarget: 'Hdd',
    });
    const bad = await request(bmc, 'PATCH', SYSTEM, { Boot: { BootSourceOverrideTarget: 'Tape' } }, basic);
    expect(bad.status).toBe(400);
    const ro = await request(bmc, 'PATCH', SYSTEM, { PowerState: 'Off' }, basic);
    expect(ro.status).toBe(400);
    expect(ro.body.error.code).toBe('Base.1.5.0.PropertyNotWritable');
  });

  it("serves the mockup's sensors (Chassis Thermal and Power, as hwmond reads them)", async () => {
    const thermal = json(await redfishtool(bmc, ['Chassis', '-F', 'Thermal']));
    expect(thermal.Temperatures[0]).toMatchObject({ Name: 'CPU1 Temp', ReadingCelsius: 41 });
    const power = json(await redfishtool(bmc, ['Chassis', '-F', 'Power']));
    expect(power.PowerControl[0]).toMatchObject({ Name: 'System Input Power', PowerConsumedWatts: 344 });
  });

  it('answers 404 for unknown resources and 405 for writes to read-only ones, never leaving the mockup', async () => {
    expect((await request(bmc, 'GET', '/redfish/v1/Nothing', undefined, basic)).status).toBe(404);
    expect(
      (await request(bmc, 'GET', '/redfish/v1/%2e%2e/%2e%2e/package.json', undefined, basic)).status,
    ).toBe(404);
    expect((await request(bmc, 'GET', '/etc/passwd', undefined, basic)).status).toBe(404);
    expect((await request(bmc, 'DELETE', '/redfish/v1/Chassis/1U', undefined, basic)).status).toBe(405);
  });
});

describe('Redfish emulator options', () => {
  it('lists only the ResetTypes it was given and refuses the others', async () => {
    const bmc = await startRedfishEmulator({
      host: '127.0.0.1',
      port: 0,
      username: 'admin',
      password: 'S3cret-pw',
      resetTypes: ['On', 'ForceOff'],
      initialPowerState: 'off',
    });
    try {
      expect(bmc.powerState).toBe('off');
      const r = await redfishtool(bmc, ['Systems', '-F', 'reset', 'PowerCycle']);
      expect(r.code).not.toBe(0); // redfishtool checks AllowableValues itself
      const raw = await request(
        bmc,
        'POST',
        `${SYSTEM}/Actions/ComputerSystem.Reset`,
        { ResetType: 'PowerCycle' },
        basic,
      );
      expect(raw.status).toBe(400);
      expect((await redfishtool(bmc, ['Systems', '-F', 'reset', 'On'])).code).toBe(0);
      expect(bmc.powerState).toBe('on');
    } finally {
      await bmc.close();
    }
  });

  it('listens on IPv6 loopback and says so in its url', async () => {
    const bmc = await startRedfishEmulator({
      host: '::1',
      port: 0,
      username: 'admin',
      password: 'S3cret-pw',
    });
    try {
      expect(bmc.url).toBe(`http://[::1]:${bmc.port}`);
      const root = await new Promise<any>((resolve, reject) =>
        http
          .get(`${bmc.url}/redfish/v1/`, (res) => {
            let d = '';
            res.on('data', (c: Buffer) => (d += c.toString()));
            res.on('end', () => resolve(JSON.parse(d)));
          })
          .on('error', reject),
      );
      expect(root.Systems).toEqual({ '@odata.id': '/redfish/v1/Systems' });
    } finally {
      await bmc.close();
    }
  });
});
