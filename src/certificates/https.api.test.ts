// The API over HTTPS end to end, as an operator and a host meet it: the first start makes the
// site CA and the server certificate (keys 0600, in no log), the CLI and the agent connect with
// the site CA and refuse the server without it (or with another CA), and the server speaks
// TLS 1.2 and 1.3 only (openssl s_client).

import { execFile } from 'node:child_process';
import { Writable } from 'node:stream';
import fs from 'node:fs/promises';
import path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAgentConfig, loadControllerConfig } from '../common/config.ts';
import { createLogger, silentLogger } from '../common/log.ts';
import { startController, type Controller } from '../controller/controller.ts';
import { ADMIN_PASSWORD, freshDatabase, tempDir, type TestDatabase } from '../../test/support/site.ts';
import { runCli } from '../cli/index.ts';
import { controllerClient } from '../agent/controller-client.ts';
import { startAgent } from '../agent/agent.ts';
import { login } from '../api/client.ts';
import { issueCertificate } from './generate.ts';

/** A log sink the test can read back. */
function memoryLog(): { lines: () => string; stream: Writable } {
  const chunks: string[] = [];
  return {
    lines: () => chunks.join(''),
    stream: new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(chunk.toString());
        done();
      },
    }),
  };
}

const run = (bin: string, args: string[], input = ''): Promise<{ code: number; out: string }> =>
  new Promise((resolve) => {
    const child = execFile(bin, args, { timeout: 20_000 }, (e, out, err) => resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, out: `${out}${err}` }));
    child.stdin?.end(input);
  });

describe('the API over HTTPS', () => {
  let database: TestDatabase;
  let dataDir: string;
  let controller: Controller;
  const log = memoryLog();

  beforeAll(async () => {
    database = await freshDatabase();
    dataDir = await tempDir();
    controller = await startController(
      { ...loadControllerConfig({ dataDir, port: '0', agent: false }, { STARLING_SENSOR_PERIOD: '0' }), databaseUrl: database.url, adminPassword: ADMIN_PASSWORD },
      { log: createLogger('debug', 'controller', log.stream) },
    );
  });
  afterAll(async () => {
    await controller?.stop();
    await database?.drop();
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('made the site CA and a certificate for its names; keys 0600 and in no log', async () => {
    expect(controller.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(controller.caFile).toBe(path.join(dataDir, 'tls', 'ca.crt'));
    const tls = path.join(dataDir, 'tls');
    for (const key of ['ca.key', 'server.key']) expect(((await fs.stat(path.join(tls, key))).mode & 0o777).toString(8), key).toBe('600');
    const cert = new X509Certificate(await fs.readFile(path.join(tls, 'server.crt')));
    const ca = new X509Certificate(await fs.readFile(path.join(tls, 'ca.crt')));
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkHost('localhost')).toBe('localhost');
    // a few requests, then nothing secret in the log
    const session = await login({ authUrl: `${controller.url}/v3`, username: 'admin', password: ADMIN_PASSWORD, projectName: 'admin', ca: ca.toString() });
    expect(session.token).toMatch(/\w/);
    expect(log.lines()).toContain('site CA and API server certificate made');
    expect(log.lines()).not.toMatch(/PRIVATE KEY/);
  });

  it('the CLI works with OS_CACERT (or --os-cacert) and refuses the server without it', async () => {
    const cli = async (args: string[], env: Record<string, string>) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(args, { out: (t) => out.push(t), err: (t) => err.push(t) }, env);
      return { code, out: out.join('\n'), err: err.join('\n') };
    };
    const env = { OS_AUTH_URL: `${controller.url}/v3`, OS_USERNAME: 'admin', OS_PASSWORD: ADMIN_PASSWORD, OS_PROJECT_NAME: 'admin' };
    const ok = await cli(['system', 'show', '-f', 'json'], { ...env, OS_CACERT: controller.caFile! });
    expect(ok.code, ok.err).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({ system_mode: 'simplex' });
    expect((await cli(['--os-cacert', controller.caFile!, 'system', 'show'], env)).code).toBe(0);
    const refused = await cli(['system', 'show'], env);
    expect(refused.code).not.toBe(0);
    expect(refused.err).toMatch(/is not trusted: its certificate does not verify \((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)\).*OS_CACERT/);
  });

  it('an agent enrolled with the site CA connects; pinned to another CA it refuses the controller', async () => {
    const scratch = await tempDir();
    const agentLog = memoryLog();
    const other = await issueCertificate({ commonName: 'Another CA', ca: true, notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 86_400_000) });
    const otherFile = path.join(scratch, 'other-ca.crt');
    await fs.writeFile(otherFile, other.certPem);
    const config = (caFile: string, name: string) =>
      loadAgentConfig(
        { controller: controller.url, controllerCa: caFile, hostname: name, root: path.join(scratch, 'root'), mgmtMac: name === 'good' ? '02:00:00:00:01:01' : '02:00:00:00:01:02', network: ['mgmt=127.0.0.1:0'], stateDir: path.join(scratch, name), bootstrapController: true },
        { STARLING_AGENT_PASSWORD: controller.agentPassword, STARLING_LOG_LEVEL: 'silent' },
      );
    await fs.mkdir(path.join(scratch, 'root', 'proc'), { recursive: true });
    await fs.mkdir(path.join(scratch, 'root', 'sys'), { recursive: true });
    const wrong = startAgent(config(otherFile, 'bad'), createLogger('debug', 'agent', agentLog.stream));
    const good = startAgent(config(controller.caFile!, 'good'), silentLogger);
    try {
      // the enrolled agent's channel opens (its login, registration and channel all over HTTPS)
      await Promise.race([good.connected, new Promise((_, fail) => setTimeout(() => fail(new Error('no channel in 45 s')), 45_000))]);
      // the other one's calls are refused by its own TLS check, with the reason in its log
      const client = controllerClient({ controllerUrl: controller.url, username: 'starling-agent', password: controller.agentPassword, ca: other.certPem });
      await expect(client.fm()).rejects.toMatchObject({ code: 'CONNECTION_FAILED', message: expect.stringMatching(/not trusted.*SELF_SIGNED_CERT_IN_CHAIN|not trusted.*UNABLE_TO/) });
      expect(agentLog.lines()).toMatch(/not trusted/);
      let connected = false;
      void wrong.connected.then(() => (connected = true));
      expect(connected).toBe(false);
    } finally {
      await Promise.all([wrong.stop(), good.stop()]);
      await fs.rm(scratch, { recursive: true, force: true });
    }
  }, 60_000);

  it('openssl s_client: TLS 1.1 refused, TLS 1.2 and 1.3 accepted with the site CA', async () => {
    const { port } = new URL(controller.url);
    const connect = ['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', controller.caFile!, '-servername', 'localhost'];
    const v11 = await run('openssl', [...connect, '-tls1_1', '-cipher', 'DEFAULT:@SECLEVEL=0']);
    expect(v11.code, v11.out).not.toBe(0);
    console.log('openssl -tls1_1:', v11.out.split('\n').filter((l) => /error|alert/i.test(l)).join(' | '));
    // the server's refusal (a protocol version alert), not the client's own (no protocols available)
    expect(v11.out).toMatch(/alert protocol version|unsupported protocol/);
    for (const v of ['-tls1_2', '-tls1_3']) {
      const r = await run('openssl', [...connect, v]);
      expect(r.code, `${v}: ${r.out}`).toBe(0);
      expect(r.out).toMatch(/Verify return code: 0 \(ok\)/);
      expect(r.out).toMatch(v === '-tls1_2' ? /Protocol *: TLSv1\.2|TLSv1\.2, Cipher is ECDHE-RSA-AES/ : /TLSv1\.3/);
    }
  });
});
