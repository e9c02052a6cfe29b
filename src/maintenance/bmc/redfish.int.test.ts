// Redfish driver behaviour beyond the shared contract: ResetType fallbacks, a BMC that never
// answers, HTTPS with a self-signed certificate, `dynamic` facing a web server that is not Redfish,
// and newer BMCs (ActionInfo, Sensors collection) that the lab's emulator does not play.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIpmiSim } from '../../lab/ipmi-sim.ts';
import {
  DEFAULT_MOCKUP_DIR,
  startRedfishEmulator,
  type RedfishEmulator,
} from '../../lab/redfish-emulator.ts';
import { connectBmc, type BmcTarget, type PowerState } from './index.ts';

const PASSWORD = 'Rf-pw-7731';
const target = (address: string, type: BmcTarget['type'] = 'redfish'): BmcTarget => ({
  type,
  address,
  username: 'admin',
  password: PASSWORD,
});

async function listen(server: net.Server, port = 0): Promise<number> {
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return (server.address() as net.AddressInfo).port;
}

describe('Redfish driver: ResetType fallbacks', () => {
  let bmc: RedfishEmulator;
  const calls: [PowerState, string][] = [];

  beforeAll(async () => {
    // The mockup's own list: no PowerCycle.
    bmc = await startRedfishEmulator({
      host: '127.0.0.1',
      port: 0,
      username: 'admin',
      password: PASSWORD,
      resetTypes: ['On', 'ForceOff', 'GracefulShutdown', 'ForceRestart', 'Nmi', 'ForceOn', 'PushPowerButton'],
      onPower: (s, a) => void calls.push([s, a]),
    });
  });
  afterAll(async () => {
    await bmc.close();
  });

  it('cycles with ForceOff then On when PowerCycle is not allowed', async () => {
    const d = await connectBmc(target(`127.0.0.1:${bmc.port}`), { redfishScheme: 'http' });
    calls.length = 0;
    await d.power('cycle');
    expect(calls).toEqual([
      ['off', 'ForceOff'],
      ['on', 'On'],
    ]);
    expect(bmc.powerState).toBe('on');
  });

  it('refuses a graceful restart the BMC does not offer rather than forcing one', async () => {
    const d = await connectBmc(target(`127.0.0.1:${bmc.port}`), { redfishScheme: 'http' });
    calls.length = 0;
    await expect(d.power('graceful-restart')).rejects.toMatchObject({
      code: 'BMC_ERROR',
      message: expect.stringContaining('allows only ResetType On, ForceOff'),
    });
    expect(calls).toEqual([]);
  });

  it('takes an http:// address without the redfishScheme option', async () => {
    const d = await connectBmc(target(bmc.url));
    expect(await d.powerState()).toBe('on');
  });
});

describe('Redfish driver: a BMC that accepts connections and never answers', () => {
  it('fails with BMC_UNREACHABLE at the timeout, not later', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => void sockets.push(s));
    const port = await listen(silent);
    try {
      const started = Date.now();
      await expect(
        connectBmc(target(`127.0.0.1:${port}`), { redfishScheme: 'http', timeoutMs: 800 }),
      ).rejects.toMatchObject({
        code: 'BMC_UNREACHABLE',
        message: expect.stringContaining('within 800 ms'),
      });
      expect(Date.now() - started).toBeLessThan(800 + 1_500);
    } finally {
      sockets.forEach((s) => s.destroy());
      silent.close();
    }
  });
});

describe('Redfish driver over HTTPS with a self-signed certificate', () => {
  let dir: string;
  let bmc: RedfishEmulator;
  let proxy: https.Server;
  let port: number;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'starling-redfish-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-keyout',
        `${dir}/key.pem`,
        '-out',
        `${dir}/cert.pem`,
      ],
      {
        stdio: 'ignore',
      },
    );
    bmc = await startRedfishEmulator({ host: '127.0.0.1', port: 0, username: 'admin', password: PASSWORD });
    // TLS in front of the emulator, as a BMC's own web server would be.
    proxy = https.createServer(
      { key: fs.readFileSync(`${dir}/key.pem`), cert: fs.readFileSync(`${dir}/cert.pem`) },
      (req, res) => {
        const up = http.request(`${bmc.url}${req.url}`, { method: req.method, headers: req.headers }, (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        });
        req.pipe(up);
      },
    );
    port = await listen(proxy);
  });
  afterAll(async () => {
    proxy.close();
    await bmc.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses the certificate by default, naming the reason', async () => {
    await expect(connectBmc(target(`127.0.0.1:${port}`))).rejects.toMatchObject({
      code: 'BMC_ERROR',
      message: expect.stringMatching(
        /https:\/\/127\.0\.0\.1:\d+ presents a certificate that is not trusted \(DEPTH_ZERO_SELF_SIGNED_CERT\)/,
      ),
    });
  });

  it('works when self-signed certificates are allowed for this BMC', async () => {
    const d = await connectBmc(target(`127.0.0.1:${port}`), { allowSelfSigned: true });
    await d.power('off');
    expect(bmc.powerState).toBe('off');
    await d.power('on');
    expect(bmc.powerState).toBe('on');
  });
});

describe('dynamic: a web server that is not Redfish, beside an IPMI BMC', () => {
  it('falls back to IPMI', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'starling-bmc-dyn-'));
    const sim = await startIpmiSim({
      dir,
      address: '127.0.0.1',
      port: 0,
      username: 'admin',
      password: PASSWORD,
    });
    // The same port number over TCP: a plain web server answering 404 to /redfish/v1/.
    const web = http.createServer((_req, res) =>
      res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not Found</h1>'),
    );
    try {
      await listen(web, sim.port);
      const d = await connectBmc(target(sim.address, 'dynamic'), { redfishScheme: 'http' });
      expect(d.type).toBe('ipmi');
    } finally {
      web.close();
      await sim.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a newer Redfish BMC: ResetTypes in an ActionInfo, sensors only in the Sensors collection (played by a minimal server: the emulator serves the classic layout)', () => {
  let server: http.Server;
  let port: number;
  const posted: unknown[] = [];
  let power = 'On';
  const sensorIds = ['CPU1Temp', 'CPUFan1', 'PS1Out12V', 'PS2Out12V'];

  beforeAll(async () => {
    const resources: Record<string, unknown> = {
      '/redfish/v1': {
        RedfishVersion: '1.17.0',
        Systems: { '@odata.id': '/redfish/v1/Systems' },
        Chassis: { '@odata.id': '/redfish/v1/Chassis' },
      },
      '/redfish/v1/Systems': { Members: [{ '@odata.id': '/redfish/v1/Systems/1' }] },
      '/redfish/v1/Chassis': { Members: [{ '@odata.id': '/redfish/v1/Chassis/1' }] },
      '/redfish/v1/Chassis/1': { Id: '1', Sensors: { '@odata.id': '/redfish/v1/Chassis/1/Sensors' } },
      '/redfish/v1/Chassis/1/Sensors': {
        Members: sensorIds.map((id) => ({ '@odata.id': `/redfish/v1/Chassis/1/Sensors/${id}` })),
      },
      '/redfish/v1/Systems/1/ResetActionInfo': {
        Parameters: [
          {
            Name: 'ResetType',
            Required: true,
            AllowableValues: ['On', 'ForceOff', 'ForceRestart', 'GracefulShutdown'],
          },
        ],
      },
    };
    for (const id of sensorIds) {
      resources[`/redfish/v1/Chassis/1/Sensors/${id}`] = JSON.parse(
        fs.readFileSync(path.join(DEFAULT_MOCKUP_DIR, 'Chassis/1U/Sensors', id, 'index.json'), 'utf8'),
      );
    }
    server = http.createServer((req, res) => {
      const uri = (req.url ?? '').replace(/\/$/, '');
      if (req.method === 'POST' && uri === '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset') {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          const b = JSON.parse(body) as { ResetType: string };
          posted.push(b.ResetType);
          if (b.ResetType === 'ForceRestart') {
            res.writeHead(409, { 'content-type': 'application/json' }).end(
              JSON.stringify({
                error: {
                  code: 'Base.1.8.GeneralError',
                  message: 'See ExtendedInfo',
                  '@Message.ExtendedInfo': [{ Message: 'The BIOS is updating: resets are refused.' }],
                },
              }),
            );
            return;
          }
          power = b.ResetType === 'On' ? 'On' : 'Off';
          res.writeHead(204).end();
        });
        return;
      }
      const body =
        uri === '/redfish/v1/Systems/1'
          ? {
              Id: '1',
              PowerState: power,
              Actions: {
                '#ComputerSystem.Reset': {
                  target: '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset',
                  '@Redfish.ActionInfo': '/redfish/v1/Systems/1/ResetActionInfo',
                },
              },
            }
          : resources[uri];
      if (body === undefined) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    port = await listen(server);
  });
  afterAll(() => {
    server.close();
  });

  it('reads the allowed ResetTypes from the ActionInfo: a cycle is ForceOff then On', async () => {
    const d = await connectBmc(target(`127.0.0.1:${port}`), { redfishScheme: 'http' });
    posted.length = 0;
    await d.power('cycle');
    expect(posted).toEqual(['ForceOff', 'On']);
  });

  it("a refused reset fails with BMC_ERROR carrying the BMC's own message", async () => {
    const d = await connectBmc(target(`127.0.0.1:${port}`), { redfishScheme: 'http' });
    await expect(d.power('reset')).rejects.toMatchObject({
      code: 'BMC_ERROR',
      message: expect.stringContaining('HTTP 409: The BIOS is updating: resets are refused.'),
    });
  });

  it('reads sensors from the Sensors collection when Thermal and Power are gone', async () => {
    const d = await connectBmc(target(`127.0.0.1:${port}`), { redfishScheme: 'http' });
    expect(await d.sensors()).toEqual([
      { name: 'CPU #1 Temperature', kind: 'temperature', reading: 37, units: 'degrees C', status: 'ok' },
      { name: 'CPU #1 Fan Speed', kind: 'fan', reading: 80, units: 'percent', status: 'ok' },
      expect.objectContaining({ kind: 'voltage', reading: 12.08, units: 'Volts', status: 'ok' }),
      expect.objectContaining({ kind: 'voltage', reading: null, status: 'unknown' }),
    ]);
  });
});
