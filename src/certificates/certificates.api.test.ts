// certificate-install/list/show/uninstall as an operator uses them (sysinv's /v1/certificate, the
// CLI): each bad file is refused naming what is wrong, a CA is installed once, the server
// certificate is replaced rather than removed.

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startSite, type TestSite } from '../../test/support/site.ts';
import { runCli } from '../cli/index.ts';
import { formBody } from '../api/multipart.ts';
import { issueCertificate, type Issued } from './generate.ts';

const DAY = 86_400_000;
const now = Date.now();
const valid = { notBefore: new Date(now - DAY), notAfter: new Date(now + 365 * DAY) };

describe('platform certificates (/v1/certificate)', () => {
  let site: TestSite;
  let token: string;
  let caB: Issued;
  let serverB: Issued;
  let stranger: Issued;

  const install = (mode: string, file: string, extra: Record<string, string> = {}) =>
    site.call('POST', '/v1/certificate/certificate_install', { token, body: { mode, file, ...extra } });

  beforeAll(async () => {
    site = await startSite();
    token = await site.token();
    caB = await issueCertificate({ commonName: 'Operator CA B', ca: true, ...valid });
    serverB = await issueCertificate({ commonName: 'api.site-b.example', altNames: ['localhost', '127.0.0.1'], issuer: caB, ...valid });
    const caC = await issueCertificate({ commonName: 'Unknown CA C', ca: true, ...valid });
    stranger = await issueCertificate({ commonName: 'api.stranger.example', issuer: caC, ...valid });
  });
  afterAll(async () => site?.stop());

  const badFiles: [string, string, () => string, string, RegExp][] = [
    ['not PEM', 'ssl', () => 'hello', 'file', /no PEM certificate/],
    ['a broken certificate block', 'ssl', () => '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', 'file', /certificate 1 of the file is not a valid X.509 certificate/],
    ['an unknown mode', 'docker_registry', () => serverB.certPem, 'mode', /mode must be one of ssl, ssl_ca, got 'docker_registry'/],
  ];
  it.each(badFiles)('refuses %s (400, naming the field)', async (_what, mode, file, field, message) => {
    const r = await install(mode, file());
    expect(r.status, JSON.stringify(r.body)).toBe(400);
    expect(r.body.error).toMatchObject({ field, message: expect.stringMatching(message) });
  });

  it('refuses a server certificate without its key, with a key that does not match, or out of its validity', async () => {
    const other = await issueCertificate({ commonName: 'other', issuer: caB, ...valid });
    const expired = await issueCertificate({ commonName: 'expired.example', issuer: caB, notBefore: new Date(now - 30 * DAY), notAfter: new Date(now - DAY) });
    const early = await issueCertificate({ commonName: 'early.example', issuer: caB, notBefore: new Date(now + 2 * DAY), notAfter: new Date(now + 30 * DAY) });
    const cases: [string, RegExp][] = [
      [serverB.certPem, /needs its private key in the same file/],
      [serverB.certPem + other.keyPem, /the private key does not match the certificate CN=api\.site-b\.example/],
      [expired.certPem + expired.keyPem, /\(CN=expired\.example, O=Starling\) expired on \d{4}-\d\d-\d\d/],
      [early.certPem + early.keyPem, /\(CN=early\.example, O=Starling\) is not yet valid: its validity starts \d{4}-/],
    ];
    for (const [file, message] of cases) {
      const r = await install('ssl', file);
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      expect(r.body.error).toMatchObject({ field: 'file', message: expect.stringMatching(message) });
    }
  });

  it('refuses a chain that does not verify: an unknown CA, or a CA whose key did not sign it', async () => {
    const unknown = await install('ssl', stranger.certPem + stranger.keyPem);
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/the chain does not verify: no CA certificate for the issuer CN=Unknown CA C/);
    // an impostor CA with the same name but another key, given in the file
    const impostor = await issueCertificate({ commonName: 'Unknown CA C', ca: true, ...valid });
    const forged = await install('ssl', stranger.certPem + impostor.certPem + stranger.keyPem);
    expect(forged.status).toBe(400);
    expect(forged.body.error.message).toMatch(/the signature of CN=api\.stranger\.example.* does not verify with the key of CN=Unknown CA C/);
    // a CA certificate that is no CA
    const notCa = await install('ssl_ca', serverB.certPem);
    expect(notCa.body.error).toMatchObject({ field: 'file', message: expect.stringMatching(/is not a CA certificate/) });
  });

  it('installs a CA once, then a server certificate it signed; lists, shows, uninstalls', async () => {
    const ca = await install('ssl_ca', caB.certPem);
    expect(ca.status, JSON.stringify(ca.body)).toBe(200);
    expect(ca.body.certificates).toEqual([expect.objectContaining({ certtype: 'ssl_ca', subject: 'CN=Operator CA B, O=Starling', signature: expect.stringMatching(/^ssl_ca_\d+$/) })]);
    expect((await install('ssl_ca', caB.certPem)).status).toBe(409);

    const ssl = await install('ssl', serverB.certPem + serverB.keyPem);
    expect(ssl.status, JSON.stringify(ssl.body)).toBe(200);
    const server = ssl.body.certificates[0];
    expect(server).toMatchObject({ certtype: 'ssl', subject: 'CN=api.site-b.example, O=Starling', issuer: 'CN=Operator CA B, O=Starling' });
    expect(JSON.stringify(ssl.body)).not.toMatch(/PRIVATE KEY/);

    // the same through a form, as cgtsclient uploads it: a second server certificate replaces the first
    const again = await issueCertificate({ commonName: 'api2.site-b.example', issuer: caB, ...valid });
    const form = formBody({ mode: 'ssl' }, { name: 'file', content: again.certPem + again.keyPem });
    const viaForm = await site.call('POST', '/v1/certificate/certificate_install', { token, body: form.body, headers: { 'content-type': form.contentType } });
    expect(viaForm.status, JSON.stringify(viaForm.body)).toBe(200);

    const list = (await site.call('GET', '/v1/certificate', { token })).body.certificates as { uuid: string; certtype: string; subject: string }[];
    expect(list.filter((c) => c.certtype === 'ssl').map((c) => c.subject)).toEqual(['CN=api2.site-b.example, O=Starling']);
    const shown = await site.call('GET', `/v1/certificate/${ca.body.certificates[0].uuid}`, { token });
    expect(shown.body).toMatchObject({ certtype: 'ssl_ca', expiry_date: expect.any(String), start_date: expect.any(String) });
    expect((await site.call('GET', '/v1/certificate/not-a-uuid', { token })).status).toBe(404);

    const sslUuid = list.find((c) => c.certtype === 'ssl')!.uuid;
    const keep = await site.call('DELETE', `/v1/certificate/${sslUuid}`, { token });
    expect(keep.status).toBe(400);
    expect(keep.body.error.message).toMatch(/only ssl_ca certificates can be uninstalled/);
    expect((await site.call('DELETE', `/v1/certificate/${ca.body.certificates[0].uuid}`, { token })).status).toBe(200);
    expect(((await site.call('GET', '/v1/certificate', { token })).body.certificates as unknown[]).length).toBe(1);
  });

  it('the CLI: certificate-install -m ssl_ca|ssl, certificate-list, certificate-show, certificate-uninstall', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'starling-certs-'));
    const env = { OS_AUTH_URL: `${site.url}/v3`, OS_USERNAME: 'admin', OS_PASSWORD: ADMIN_PASSWORD, OS_PROJECT_NAME: 'admin' };
    const cli = async (...args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(args, { out: (t) => out.push(t), err: (t) => err.push(t) }, env);
      return { code, out: out.join('\n'), err: err.join('\n') };
    };
    try {
      const caD = await issueCertificate({ commonName: 'Operator CA D', ca: true, ...valid });
      const serverD = await issueCertificate({ commonName: 'api.site-d.example', issuer: caD, ...valid });
      await fs.writeFile(path.join(dir, 'ca.pem'), caD.certPem);
      await fs.writeFile(path.join(dir, 'server.pem'), serverD.certPem + serverD.keyPem);
      await fs.writeFile(path.join(dir, 'bad.pem'), serverD.certPem);
      const ca = await cli('system', 'certificate-install', '-m', 'ssl_ca', path.join(dir, 'ca.pem'), '-f', 'json');
      expect(ca.code, ca.err).toBe(0);
      const caUuid = (JSON.parse(ca.out) as { uuid: string }[])[0]!.uuid;
      expect((await cli('system', 'certificate-install', '-m', 'ssl', path.join(dir, 'server.pem'))).out).toMatch(/ssl +\| .*CN=api\.site-d\.example/);
      const bad = await cli('system', 'certificate-install', '-m', 'ssl', path.join(dir, 'bad.pem'));
      expect(bad.code).toBe(1);
      expect(bad.err).toMatch(/needs its private key/);
      expect((await cli('system', 'certificate-list')).out).toMatch(/ssl_ca +\| .*CN=Operator CA D/);
      expect((await cli('system', 'certificate-show', caUuid)).out).toMatch(/signature +\| ssl_ca_\d+/);
      expect((await cli('system', 'certificate-uninstall', caUuid)).out).toBe(`Uninstalled certificate: ${caUuid}`);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
